"""What search engines and readers without JavaScript see: an HTML fragment of
an article's comments for a CMS to include server-side, and /robots.txt.

The fragment is the listing's first page (top-level comments, newest first,
each with its replies' preview) as semantic HTML with schema.org ``Comment``
microdata; no scripts, no styles, every reader-written text escaped by Jinja.
It is kept in the listing's page cache (widget/public/listing.py) under the
listing's key plus its language, so the article's version invalidates both at
once and a warm fragment or a 304 reads no comment rows.

The language is ``?lang=`` (one cached copy per language, which is what a CDN
wants) or else ``Accept-Language`` (then ``Vary: Accept-Language``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from babel.dates import format_datetime
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import articles
from ..extensions import limiter
from ..i18n import best_language
from . import api, listing

bp = Blueprint("fragment", __name__)

PAGE_SIZE = 20  # the listing's default page
CACHE_CONTROL = "public, max-age=60"
CONTENT_TYPE = "text/html; charset=utf-8"
# Longer than any language tag we know; anything longer is not one.
MAX_LANG_LENGTH = 35
ROBOTS = """\
# Crawlers may read the comments (HTML fragments, the public listing, the feeds)
# and fetch the box and its languages to render a page; nothing else here is
# meant for search results.
User-agent: *
Allow: /articles/
Allow: /api/v1/articles/
Allow: /feeds/
Allow: /static/js/
Allow: /static/i18n/
Disallow: /admin
Disallow: /
"""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _read_limits() -> str:
    return current_app.config["READ_LIMITS"]


@bp.get("/articles/<article_id>/comments.html")
@limiter.limit(_read_limits)
@api.public_read
def comments_fragment(article_id: str) -> Response:
    if not articles.is_valid_id(article_id):
        message = _(
            "An article ID is 1 to 128 letters, digits and -_.:~ and starts with a letter or digit."
        )
        return Response(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    asked = _asked_language()
    language = best_language(asked) if asked else best_language()
    key = listing.page_key(article_id, "newest", PAGE_SIZE, None, html_language=language)
    etag = key.etag()
    headers = listing.validators(etag, CACHE_CONTROL)
    if not asked:
        headers["Vary"] = "Accept-Language"
    if listing.client_has(etag):
        return Response(status=304, headers=headers)
    body = listing.cached(key, lambda: _render(key, language))
    return Response(body, headers=headers, content_type=CONTENT_TYPE)


def _asked_language() -> str | None:
    """The first ``lang`` of the query, when it could be a language tag at all."""
    asked = request.args.get("lang", "").strip()
    if len(asked) > MAX_LANG_LENGTH:
        return "en"  # asked, but for no language: English, like any unknown tag
    return asked or None


def _render(key: listing.PageKey, language: str) -> str:
    # The JSON page of the same version: shared with the listing's cache.
    page = json.loads(listing.render(key._replace(html_language=None)))
    with force_locale(language):  # page_lang and page_dir follow (i18n.page_language)
        return render_template(
            "fragment/comments.html",
            page=page,
            when=lambda moment: _when(moment, language),
            paragraphs=paragraphs,
        )


def _when(moment: str, language: str) -> str:
    """An API time (``2025-01-04T09:12:44Z``) as the language writes it, in UTC."""
    parsed = datetime.fromisoformat(moment).astimezone(UTC)
    return format_datetime(parsed, "long", tzinfo=UTC, locale=language)


def paragraphs(body: str) -> list[list[str]]:
    """A comment's plain text as paragraphs of lines (the template escapes each)."""
    return [part.split("\n") for part in _PARAGRAPH_BREAK.split(body.strip()) if part.strip()]


@bp.get("/robots.txt")
def robots() -> Response:
    return Response(
        ROBOTS,
        content_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
