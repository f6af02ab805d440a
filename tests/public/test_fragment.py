"""The HTML fragment (contract 1.1, "Feeds, fragment, metrics") and /robots.txt:
what a search engine and a reader without JavaScript get from a CMS that
includes ``/articles/<id>/comments.html``.

The fragment is read back as a crawler reads it: parsed with html.parser and
its schema.org microdata extracted by a small extractor below. Every test runs
on SQLite and PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.robotparser import RobotFileParser

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.i18n import LANGUAGES
from widget.moderation import actions
from widget.moderation.selection import Selection
from widget.public import fragment

from ..conftest import LONG_BODY, comments_url, make_app, posted, statements

ARTICLE = "nk-missile-2025"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COMMENT = "https://schema.org/Comment"
PERSON = "https://schema.org/Person"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def fragment_url(article_id: str = ARTICLE, query: str = "") -> str:
    return f"/articles/{article_id}/comments.html{query}"


# --- a tiny DOM and microdata extractor ------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self) -> Any:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str) -> list[Node]:
        return [node for node in self.walk() if node.tag == tag]


class Tree(HTMLParser):
    """The fragment as a tree; fails on anything a well-formed fragment has not."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#fragment", {})
        self.stack = [self.root]
        self.oddities: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.oddities.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"<?{data}>")


def parse(html: str) -> Node:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.stack == [tree.root], "every element is closed"
    assert tree.oddities == []
    return tree.root


@dataclass
class Item:
    type: str | None
    props: dict[str, list[Any]]

    def one(self, name: str) -> Any:
        assert len(self.props.get(name, [])) == 1, (name, self.props.get(name))
        return self.props[name][0]


def microdata(root: Node) -> list[Item]:
    """The top-level items (itemscope without itemprop), as the HTML spec reads them."""
    return [
        _item(node)
        for node in root.walk()
        if "itemscope" in node.attrs and "itemprop" not in node.attrs
    ]


def _item(scope: Node) -> Item:
    item = Item(scope.attrs.get("itemtype"), {})

    def visit(node: Node) -> None:
        for child in node.children:
            if not isinstance(child, Node):
                continue
            name = child.attrs.get("itemprop")
            if name:
                item.props.setdefault(name, []).append(_value(child))
            if "itemscope" not in child.attrs:
                visit(child)

    visit(scope)
    return item


def _value(node: Node) -> Any:
    if "itemscope" in node.attrs:
        return _item(node)
    if node.tag == "meta":
        return node.attrs["content"]
    if node.tag == "time":
        return node.attrs["datetime"]
    return node.text()


def squeeze(text: str) -> str:
    return " ".join(text.split())


def seen(item: Item) -> dict[str, Any]:
    """A Comment item as a search engine understands it."""
    assert item.type == COMMENT
    author = item.one("author")
    assert author.type == PERSON
    return {
        "author": author.one("name"),
        "text": squeeze(item.one("text")),
        "created": item.one("dateCreated"),
        "upvotes": int(item.one("upvoteCount")),
        "replies": [seen(reply) for reply in item.props.get("comment", [])],
    }


def fetch(client: FlaskClient, url: str = fragment_url(), **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response


def comments(client: FlaskClient, url: str = fragment_url()) -> list[dict[str, Any]]:
    return [seen(item) for item in microdata(parse(fetch(client, url).get_data(as_text=True)))]


def section(html: str) -> Node:
    (root,) = [node for node in parse(html).walk() if "data-comments-fragment" in node.attrs]
    return root


def moderate(app: Flask, action: str, *ids: int) -> None:
    with app.app_context():
        actions.change_status(Selection.of(ids=list(ids)), action, "test")


def like(client: FlaskClient, comment_id: int) -> None:
    url = f"{comments_url(ARTICLE)}/{comment_id}/likes"
    assert client.post(url, json={"voter": "reader-0123456789abcdef"}).status_code == 200


# --- what it shows -----------------------------------------------------------------------


def test_the_first_page_newest_first_with_reply_previews_as_microdata(
    client: FlaskClient,
) -> None:
    with time_machine.travel(START, tick=False):
        first = posted(client, ARTICLE, author="Priya S", body="First.\n\n" + LONG_BODY)
        replies = [
            posted(client, ARTICLE, author=f"Reply {n}", parent_id=first["id"]) for n in range(5)
        ]
        second = posted(client, ARTICLE, author="Rohit P")
    like(client, first["id"])

    shown = comments(client)

    reply = {"text": squeeze(LONG_BODY), "created": "2026-03-01T12:00:00Z", "upvotes": 0}
    assert shown == [
        {
            "author": "Rohit P",
            "text": squeeze(LONG_BODY),
            "created": second["created_at"],
            "upvotes": 0,
            "replies": [],
        },
        {
            "author": "Priya S",
            "text": squeeze("First.\n\n" + LONG_BODY),
            "created": "2026-03-01T12:00:00Z",
            "upvotes": 1,
            # The preview: the first three replies, oldest first.
            "replies": [{"author": f"Reply {n}", **reply, "replies": []} for n in range(3)],
        },
    ]
    assert [r["id"] for r in replies][:3] == sorted(r["id"] for r in replies)[:3]
    root = section(fetch(client).get_data(as_text=True))
    assert root.attrs["data-article-id"] == ARTICLE
    (heading,) = root.find_all("h2")
    assert root.attrs["aria-labelledby"] == heading.attrs["id"]
    assert heading.text() == "Reader Comments (7)"  # every published comment, as `total`
    assert client.get(comments_url(ARTICLE)).get_json()["total"] == 7
    assert "2 more replies" in squeeze(root.text())
    # Paragraphs stay paragraphs.
    texts = [n for n in root.walk() if n.attrs.get("itemprop") == "text"]
    paragraphs = [[squeeze(p.text()) for p in n.find_all("p")] for n in texts]
    assert ["First.", squeeze(LONG_BODY)] in paragraphs


def test_a_page_holds_twenty_top_level_comments(client: FlaskClient) -> None:
    for n in range(21):
        posted(client, ARTICLE, author=f"Reader {n}")

    shown = comments(client)

    assert [c["author"] for c in shown] == [f"Reader {n}" for n in range(20, 0, -1)]
    assert "Reader Comments (21)" in fetch(client).get_data(as_text=True)


def test_a_removed_comment_with_replies_is_a_placeholder(app: Flask, client: FlaskClient) -> None:
    removed = posted(client, ARTICLE, author="Gone G", body="Removed words. " + LONG_BODY)["id"]
    posted(client, ARTICLE, author="Answer A", parent_id=removed)
    alone = posted(client, ARTICLE, author="Alone A")["id"]
    moderate(app, "delete", removed, alone)

    html = fetch(client).get_data(as_text=True)

    assert "This comment was removed." in html
    assert "Gone G" not in html and "Removed words" not in html and "Alone A" not in html
    # The answer is still there, as a comment of its own.
    assert [c["author"] for c in comments(client)] == ["Answer A"]
    assert "Reader Comments (1)" in html


def test_an_article_nobody_commented_on(client: FlaskClient) -> None:
    html = fetch(client, fragment_url("never-commented")).get_data(as_text=True)
    root = section(html)

    assert root.find_all("h2")[0].text() == "Reader Comments (0)"
    assert "No comments yet." in root.text()
    assert root.find_all("article") == [] and microdata(root) == []
    assert "Turn on JavaScript to join the conversation." in root.text()


def test_a_reply_to_a_reply_names_whom_it_answers(client: FlaskClient) -> None:
    top = posted(client, ARTICLE, author="Priya S")["id"]
    answer = posted(client, ARTICLE, author="<i>Rohit</i> P", parent_id=top)["id"]
    posted(client, ARTICLE, author="Asha K", parent_id=answer)

    root = section(fetch(client).get_data(as_text=True))

    named = [squeeze(n.text()) for n in root.walk() if "cw-reply-to" in n.attrs.get("class", "")]
    assert named == ["Replying to <i>Rohit</i> P"]  # only where it is not the thread's start
    assert root.find_all("i") == []


def test_an_edited_comment_shows_it(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        comment = posted(client, ARTICLE)
        fetch(client)
        traveller.shift(timedelta(minutes=5))
        new_body = "A corrected comment: the minister said Tuesday, not Thursday, as I wrote."
        edited = client.patch(
            f"{comments_url(ARTICLE)}/{comment['id']}",
            json={"body": new_body},
            headers={"Authorization": f"Bearer {comment['edit_token']}"},
        )
        assert edited.status_code == 200, edited.get_json()

        html = fetch(client).get_data(as_text=True)

    (item,) = microdata(parse(html))
    assert squeeze(item.one("text")) == new_body
    assert item.one("dateModified") == "2026-03-01T12:05:00Z"
    assert item.one("dateCreated") == "2026-03-01T12:00:00Z"
    assert "edited" in section(html).text()


# --- reader text is text -------------------------------------------------------------------


def test_markup_from_readers_comes_out_as_text(client: FlaskClient) -> None:
    body = f"{HOSTILE} {LONG_BODY}"
    top = posted(client, ARTICLE, author=HOSTILE + " Eve", body=body)["id"]
    posted(client, ARTICLE, author='"><b>Bold</b>', parent_id=top)

    html = fetch(client).get_data(as_text=True)
    root = parse(html)

    assert {n.tag for n in root.walk()}.isdisjoint({"script", "img", "b"})
    (shown,) = comments(client)
    assert shown["author"] == HOSTILE + " Eve"  # visible exactly as written
    assert shown["text"] == squeeze(body)
    assert shown["replies"][0]["author"] == '"><b>Bold</b>'


@pytest.mark.parametrize("article_id", [ARTICLE, "never-commented"])
def test_no_scripts_styles_or_document_parts_anywhere(client: FlaskClient, article_id: str) -> None:
    top = posted(client, ARTICLE, author=HOSTILE + " Eve")["id"]
    posted(client, ARTICLE, author="Rohit P", parent_id=top)

    nodes = list(parse(fetch(client, fragment_url(article_id)).get_data(as_text=True)).walk())

    tags = {node.tag for node in nodes}
    assert tags.isdisjoint({"script", "style", "link", "html", "head", "body", "iframe"})
    attributes = {name for node in nodes for name in node.attrs}
    assert not [name for name in attributes if name.startswith("on") or name == "style"]


# --- caching ---------------------------------------------------------------------------------


def test_headers_etag_and_304(client: FlaskClient) -> None:
    posted(client, ARTICLE)
    first = fetch(client)
    etag = first.headers["ETag"]

    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in first.headers
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert etag != client.get(comments_url(ARTICLE)).headers["ETag"]
    again = client.get(fragment_url(), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"


def test_a_new_comment_changes_the_etag_and_shows_a_held_one_does_not(
    client: FlaskClient,
) -> None:
    posted(client, ARTICLE)
    first = fetch(client)
    posted(client, ARTICLE, status=202, token=None, author="Held H")  # held: no token
    posted(client, "another-article", author="Elsewhere E")

    assert fetch(client).data == first.data

    posted(client, ARTICLE, author="Rohit P")
    changed = client.get(fragment_url(), headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert [c["author"] for c in comments(client)] == ["Rohit P", "Priya S"]
    assert "Reader Comments (2)" in changed.get_data(as_text=True)


def test_moderation_reaches_the_fragment(app: Flask, client: FlaskClient) -> None:
    spam = posted(client, ARTICLE, author="Spam S")["id"]
    assert [c["author"] for c in comments(client)] == ["Spam S"]
    moderate(app, "spam", spam)
    assert comments(client) == []


def test_a_warm_fragment_and_a_304_read_no_comment_rows(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted(client, ARTICLE)
    etag = fetch(client).headers["ETag"]
    rendered: list[str] = []
    monkeypatch.setattr(fragment, "render_template", lambda name, **_: rendered.append(name))

    with statements(app) as seen:
        page = client.get(fragment_url())
        revalidated = client.get(fragment_url(), headers={"If-None-Match": etag})

    assert (page.status_code, revalidated.status_code) == (200, 304)
    assert "Priya S" in page.get_data(as_text=True)
    assert not any("comments" in statement for statement in seen), seen
    assert rendered == [], "served from the page cache, not rendered again"


def test_languages_get_their_own_copy(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False):
        posted(client, ARTICLE)
    english = fetch(client, fragment_url(query="?lang=en"))
    german = fetch(client, fragment_url(query="?lang=de"))

    assert english.headers["ETag"] != german.headers["ETag"]
    assert section(english.get_data(as_text=True)).attrs["lang"] == "en"
    root = section(german.get_data(as_text=True))
    assert (root.attrs["lang"], root.attrs["dir"]) == ("de", "ltr")
    (when,) = root.find_all("time")
    assert "1. März 2026" in when.text()  # the date as German writes it, in UTC
    assert when.attrs["datetime"] == "2026-03-01T12:00:00Z"
    heading = root.find_all("h2")[0].text()
    assert heading.startswith("Kommentar") and heading.endswith("(1)"), heading
    assert "JavaScript" in root.text() and "Turn on JavaScript" not in root.text()
    # The English copy was not replaced by the German one in the cache.
    assert "March 1, 2026" in fetch(client, fragment_url(query="?lang=en")).get_data(as_text=True)


def test_every_language_of_the_service_renders(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False):
        posted(client, ARTICLE)

    for language in LANGUAGES:
        tag = language.replace("_", "-")
        root = section(fetch(client, fragment_url(query=f"?lang={tag}")).get_data(as_text=True))
        assert root.attrs["lang"] == tag
        (when,) = root.find_all("time")
        assert "2026" in when.text() or "٢٠٢٦" in when.text(), (tag, when.text())


@pytest.mark.parametrize(
    ("query", "accept", "lang", "direction"),
    [
        ("", "de-DE,de;q=0.9", "de", "ltr"),
        ("", "ar", "ar", "rtl"),
        ("", "", "en", "ltr"),
        ("?lang=ar", "de", "ar", "rtl"),
        ("?lang=pt-BR", "ar", "pt-BR", "ltr"),
        ("?lang=de&lang=ar", "", "de", "ltr"),
    ],
)
def test_the_language_comes_from_lang_else_accept_language(
    client: FlaskClient, query: str, accept: str, lang: str, direction: str
) -> None:
    response = fetch(client, fragment_url(query=query), **{"Accept-Language": accept})

    root = section(response.get_data(as_text=True))
    assert (root.attrs["lang"], root.attrs["dir"]) == (lang, direction)
    varies = "Accept-Language" in response.headers.get("Vary", "")
    assert varies == (not query), "Vary only when the header chose the language"


@pytest.mark.parametrize(
    "query",
    [
        "?lang=%3Cscript%3Ealert(1)%3C/script%3E",
        "?lang=" + "x" * 20_000,
        "?lang=%00",
        "?lang=de%E2%80%AE",
        "?lang=%FF",
        "?lang=&lang=ar",
        "?limit=-1&cursor=%00&sort=%3Cb%3E",
    ],
)
def test_hostile_parameters_are_ignored(client: FlaskClient, query: str) -> None:
    posted(client, ARTICLE)

    response = client.get(fragment_url(query=query), headers={"Accept-Language": "fr"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert section(html).attrs["lang"] in {"en", "de", "fr"}
    assert "<script" not in html and "alert" not in html


@pytest.mark.parametrize(
    ("raw_id", "status"),
    [
        ("-starts-with-a-dash", 400),
        ("a" * 129, 400),
        ("a%20b", 400),
        ("a%3Cscript%3Eb", 400),
        ("caf%C3%A9", 400),
        ("%00", 400),
        ("%FF", 400),
        ("%ED%A0%80", 400),
        ("a%2Fb", 404),  # another path altogether
    ],
)
def test_bad_article_ids(client: FlaskClient, raw_id: str, status: int) -> None:
    response = client.get(fragment_url(raw_id))

    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:300]
    assert "Traceback" not in text and "<script" not in text
    if status == 400:
        assert response.mimetype == "text/plain"
        assert "article ID" in text


def test_the_read_limits_apply(tmp_path: Any) -> None:
    limited = make_app(tmp_path, RATELIMIT_ENABLED=True, READ_LIMITS="2/minute")
    client = limited.test_client()

    statuses = [client.get(fragment_url()).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- robots.txt --------------------------------------------------------------------------------


def test_robots_txt_lets_crawlers_read_comments_and_render_the_box(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"

    robots = RobotFileParser()
    robots.parse(response.get_data(as_text=True).splitlines())

    for path in (
        fragment_url(),
        comments_url(ARTICLE),
        "/feeds/recent.atom",
        "/static/js/widget.js",
        "/static/i18n/de.json",
    ):
        assert robots.can_fetch("Googlebot", path), path
    for path in (
        "/admin",
        "/admin/comments",
        "/metrics",
        "/healthz",
        "/demo",
        "/static/css/admin.css",
        "/",
    ):
        assert not robots.can_fetch("Googlebot", path), path
