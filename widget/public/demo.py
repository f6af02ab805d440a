"""/demo: an article page that embeds the box as a publisher would, and a
listing page that shows comment counts with count.js."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request

bp = Blueprint("demo", __name__, url_prefix="/demo")

THEMES = ("light", "dark", "auto")

# What a publisher's page would send. The demo is same-origin with the service,
# so 'self' covers the box's script and its API calls.
CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Article:
    id: str
    section: str
    title: str
    standfirst: str
    byline: str
    published: str
    paragraphs: tuple[str, ...]


ARTICLES = (
    Article(
        id="demo-article",
        section="Environment",
        title="Harbour town votes to let the sea back in",
        standfirst=(
            "After three floods in five years, Saltmere will remove a Victorian sea wall "
            "and return forty hectares of farmland to salt marsh."
        ),
        byline="By Ines Calloway, environment correspondent",
        published="2025-03-14",
        paragraphs=(
            "Residents of Saltmere voted by a narrow margin on Thursday to breach the "
            "sea wall that has protected the town's eastern fields since 1871, in what "
            "engineers describe as the largest managed retreat on this stretch of coast.",
            "The council says maintaining the wall would cost more than the land behind "
            "it is worth, and that a restored marsh will absorb storm surges that now "
            "reach the high street. Farmers who lose fields will be compensated at "
            "market rates, and two public footpaths will be rerouted along the new "
            "shoreline.",
            "Opponents argued that the vote came too quickly and that the town's "
            "history is bound up with the land the wall created. “My grandfather "
            "drained those fields by hand,” said one farmer at the count. “Now we are "
            "told the sea can have them.”",
            "Work is expected to begin in the autumn, once nesting season ends. The "
            "first breach will be cut at low tide, and the council expects the marsh "
            "to establish itself within a decade.",
        ),
    ),
    Article(
        id="demo-rail-timetable",
        section="Transport",
        title="Night trains return to the northern line after a decade",
        standfirst="Two sleeper services a week will run from May, with bicycles allowed.",
        byline="By Tomasz Reyes, transport reporter",
        published="2025-03-12",
        paragraphs=(
            "The operator said demand from walkers and cyclists had made the route "
            "viable again. Tickets go on sale next month.",
            "Seats will cost less than a hotel room in either city, and each carriage "
            "will carry eight bicycles.",
        ),
    ),
    Article(
        id="demo-library-hours",
        section="Local",
        title="Central library to open on Sundays for the first time",
        standfirst="A volunteer scheme and a grant from the county will keep the doors open.",
        byline="By Amara Okafor",
        published="2025-03-10",
        paragraphs=(
            "From April the library will open from ten until four on Sundays, staffed by "
            "a mix of librarians and trained volunteers.",
        ),
    ),
)
_BY_ID = {article.id: article for article in ARTICLES}


@bp.after_request
def publisher_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.vary.add("Accept-Language")  # the page's words and <html lang> follow it
    return response


def _theme() -> str:
    theme = request.args.get("theme", "light")
    return theme if theme in THEMES else "light"


@bp.get("")
@bp.get("/")
def article_page() -> str:
    return render_template("demo/article.html", article=ARTICLES[0], theme=_theme())


@bp.get("/articles/<article_id>")
def other_article(article_id: str) -> str:
    article = _BY_ID.get(article_id)
    if article is None:
        abort(404)
    return render_template("demo/article.html", article=article, theme=_theme())


@bp.get("/list")
def listing_page() -> str:
    return render_template("demo/list.html", articles=ARTICLES)
