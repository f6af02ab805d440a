"""The Atom feeds (contract 1.1, "Feeds, fragment, metrics"): what a feed
reader shows, read back with feedparser and, where a reader could be fooled,
with ElementTree from the raw XML.

Every test runs on SQLite and PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget import articles
from widget.extensions import db
from widget.models import Comment, Status
from widget.moderation import actions
from widget.moderation.selection import Selection
from widget.public.feeds import xml_text

from ..conftest import LONG_BODY, posted, statements

ARTICLE = "nk-missile-2025"
ATOM = "{http://www.w3.org/2005/Atom}"
THREAD = "{http://purl.org/syndication/thread/1.0}"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def feed_url(article_id: str = ARTICLE) -> str:
    return f"/feeds/articles/{article_id}.atom"


def fetch(client: FlaskClient, url: str, **headers: str) -> Any:
    """The feed as a feed reader gets it: 200, Atom, well-formed."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def raw_entries(client: FlaskClient, url: str) -> list[ET.Element]:
    # Our own answer, parsed to look at what feedparser smooths over.
    root = ET.fromstring(client.get(url).data)  # noqa: S314
    return root.findall(f"{ATOM}entry")


def authors(parsed: Any) -> list[str]:
    return [entry.author for entry in parsed.entries]


def moderate(app: Flask, action: str, *ids: int) -> None:
    with app.app_context():
        actions.change_status(Selection.of(ids=list(ids)), action, "test")


def imported(app: Flask, article_id: str, author: str, body: str) -> int:
    """A published comment stored as an import stores it: not through the
    API's text screening."""
    with app.app_context():
        comment = Comment(
            article_id=article_id,
            author=author,
            body=body,
            status=Status.PUBLISHED,
            sender_hash="imported",
        )
        db.session.add(comment)
        articles.ensure(article_id)
        articles.adjust({article_id: +1})
        db.session.commit()
        return comment.id


# --- what readers see -------------------------------------------------------------


def test_an_article_feed_shows_its_published_comments_newest_first(client: FlaskClient) -> None:
    first = posted(client, ARTICLE, author="Priya S")
    posted(client, "another-article", author="Elsewhere E")
    second = posted(client, ARTICLE, author="Rohit P", body="Second thought. " + LONG_BODY)

    parsed = fetch(client, feed_url())

    assert parsed.feed.title == f"Comments on {ARTICLE}"
    assert authors(parsed) == ["Rohit P", "Priya S"]
    newest = parsed.entries[0]
    assert newest.title == f"Rohit P on {ARTICLE}"
    assert newest.content[0].value == second["body"]
    assert newest.content[0].type == "text/plain"
    assert newest.id == f"tag:localhost,2025:comment-{second['id']}"
    assert newest.published == newest.updated == second["created_at"]
    assert parsed.entries[1].content[0].value == first["body"]
    assert parsed.feed.updated == second["created_at"]
    assert parsed.feed.id == f"tag:localhost,2025:feeds/articles/{ARTICLE}"
    (self_link,) = [link for link in parsed.feed.links if link.rel == "self"]
    assert self_link.href == f"http://localhost/feeds/articles/{ARTICLE}.atom"
    assert parsed.feed.generator


def test_the_recent_feed_spans_articles_newest_first(client: FlaskClient) -> None:
    posted(client, "a1", author="Priya S")
    posted(client, "b2", author="Rohit P")
    posted(client, "a1", author="Asha K")

    parsed = fetch(client, "/feeds/recent.atom")

    assert parsed.feed.title == "Recent comments"
    assert [entry.title for entry in parsed.entries] == [
        "Asha K on a1",
        "Rohit P on b2",
        "Priya S on a1",
    ]


def test_a_reply_names_the_comment_it_answers(client: FlaskClient) -> None:
    top = posted(client, ARTICLE, author="Priya S")["id"]
    reply = posted(client, ARTICLE, author="Rohit P", parent_id=top)["id"]
    posted(client, ARTICLE, author="Asha K", parent_id=reply)  # a reply to a reply

    for url in (feed_url(), "/feeds/recent.atom"):
        entries = raw_entries(client, url)
        answers = [
            [link.get("ref") for link in entry.findall(f"{THREAD}in-reply-to")] for entry in entries
        ]
        assert answers == [
            [f"tag:localhost,2025:comment-{reply}"],
            [f"tag:localhost,2025:comment-{top}"],
            [],
        ]
        # Each ref is the id of an entry a feed reader can find.
        ids = [entry.findtext(f"{ATOM}id") for entry in entries]
        assert answers[0][0] == ids[1] and answers[1][0] == ids[2]


def test_entry_ids_follow_the_public_url_and_ignore_a_forged_host(
    app: Flask, client: FlaskClient
) -> None:
    comment = posted(client, ARTICLE)
    app.config["PUBLIC_URL"] = "https://comments.example.com"

    for host in ("comments.example.com", "evil.example.net"):
        parsed = fetch(client, feed_url(), Host=host)
        assert parsed.entries[0].id == f"tag:comments.example.com,2025:comment-{comment['id']}"
        (self_link,) = [link for link in parsed.feed.links if link.rel == "self"]
        assert self_link.href == f"https://comments.example.com/feeds/articles/{ARTICLE}.atom"
        assert "evil" not in client.get(feed_url(), headers={"Host": host}).get_data(as_text=True)


@pytest.mark.parametrize("host", ["[", 'ex"ample<', "evil\x01.example", "a b"])
def test_a_malformed_host_header_never_breaks_a_feed(client: FlaskClient, host: str) -> None:
    posted(client, ARTICLE)
    for url in (feed_url(), "/feeds/recent.atom"):
        assert len(fetch(client, url, Host=host).entries) == 1


# --- reader text is data -------------------------------------------------------------


def test_markup_in_names_and_bodies_comes_out_as_text(client: FlaskClient) -> None:
    name = "Ann <b>&amp;</b>"
    body = posted(
        client,
        ARTICLE,
        author=name,
        body="<script>alert(1)</script> & ]]> <![CDATA[x]]> " + LONG_BODY,
    )["body"]
    assert body.startswith("<script>alert(1)</script> & ]]> <![CDATA[x]]>")

    for url in (feed_url(), "/feeds/recent.atom"):
        (entry,) = fetch(client, url).entries
        assert entry.author == name
        assert entry.title == f"{name} on {ARTICLE}"
        assert entry.content[0].value == body
        (raw,) = raw_entries(client, url)
        assert raw.findtext(f"{ATOM}content") == body
        names = {element.tag.rsplit("}", 1)[-1] for element in raw.iter()}
        assert not names & {"script", "b"}, names
        assert b"<script" not in client.get(url).data


def test_characters_xml_cannot_carry_are_dropped_and_the_feed_stays_readable(
    app: Flask, client: FlaskClient
) -> None:
    # The API refuses these; an import may still bring them in (all but NUL,
    # which PostgreSQL cannot store).
    imported(app, ARTICLE, "Ann\x01 \x0bB", "Before\x08\x1b\ufffe\uffff after.\tTab\r\nline")
    posted(client, ARTICLE, author="Rohit P")

    for url in (feed_url(), "/feeds/recent.atom"):
        parsed = fetch(client, url)
        assert authors(parsed) == ["Rohit P", "Ann B"]
        assert parsed.entries[1].title == f"Ann B on {ARTICLE}"
        assert parsed.entries[1].content[0].value == "Before after.\tTab\nline"


def test_lone_surrogates_are_dropped_too() -> None:
    # No database here stores one; SQLite through another client might.
    assert xml_text("a\ud800b\udfffc\U0001f600\ue000") == "abc\U0001f600\ue000"


# --- only what the listing shows ------------------------------------------------------


def test_held_spam_and_deleted_comments_never_appear(app: Flask, client: FlaskClient) -> None:
    kept = posted(client, ARTICLE, author="Kept K")["id"]
    posted(client, ARTICLE, status=202, token=None, author="Held H")  # held: no token
    spam = posted(client, ARTICLE, author="Spam S")["id"]
    deleted = posted(client, ARTICLE, author="Deleted D")["id"]
    answered = posted(client, ARTICLE, author="Answered A")["id"]
    reply = posted(client, ARTICLE, author="Reply R", parent_id=answered)["id"]
    moderate(app, "spam", spam)
    moderate(app, "delete", deleted, answered)  # answered: a placeholder in the listing

    for url in (feed_url(), "/feeds/recent.atom"):
        parsed = fetch(client, url)
        assert authors(parsed) == ["Reply R", "Kept K"]
        assert [entry.id.rsplit("-", 1)[1] for entry in parsed.entries] == [str(reply), str(kept)]


def test_a_feed_holds_the_50_newest(client: FlaskClient) -> None:
    ids = [posted(client, ARTICLE, author=f"Reader {n}")["id"] for n in range(51)]

    for url in (feed_url(), "/feeds/recent.atom"):
        parsed = fetch(client, url)
        assert len(parsed.entries) == 50
        assert [int(e.id.rsplit("-", 1)[1]) for e in parsed.entries] == ids[:0:-1]
        assert "Reader 0" not in authors(parsed)


def test_an_article_without_comments_is_an_empty_feed(client: FlaskClient) -> None:
    for url in (feed_url("never-commented"), "/feeds/recent.atom"):
        parsed = fetch(client, url)
        assert parsed.entries == []
        assert parsed.feed.updated == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "raw_id",
    [
        "-starts-with-a-dash",
        "a" * 129,
        "a%20b",
        "a%0Ab",
        "%00",
        "a%3Cb%3E",
        "caf%C3%A9",
        "a%2Fb",
        "%ED%A0%80",  # an encoded lone surrogate
        "%FF",  # not UTF-8
        "",
    ],
)
def test_bad_article_ids_are_not_found(client: FlaskClient, raw_id: str) -> None:
    response = client.get(f"/feeds/articles/{raw_id}.atom")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


# --- revalidation ------------------------------------------------------------------------


def test_an_unchanged_article_feed_is_a_304_and_a_new_comment_changes_its_etag(
    app: Flask, client: FlaskClient
) -> None:
    posted(client, ARTICLE)
    first = client.get(feed_url())
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"

    with statements(app, "comments") as seen:
        again = client.get(feed_url(), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert seen == [], "a 304 reads no comment rows"

    posted(client, "another-article")
    assert client.get(feed_url(), headers={"If-None-Match": etag}).status_code == 304

    posted(client, ARTICLE, author="Rohit P")
    changed = client.get(feed_url(), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert authors(feedparser.parse(changed.data))[0] == "Rohit P"


def test_an_unchanged_recent_feed_is_a_304_and_any_new_comment_changes_its_etag(
    client: FlaskClient,
) -> None:
    posted(client, "a1")
    etag = client.get("/feeds/recent.atom").headers["ETag"]

    again = client.get("/feeds/recent.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=60"

    posted(client, "b2", author="Rohit P")
    changed = client.get("/feeds/recent.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_moderation_changes_both_etags(app: Flask, client: FlaskClient) -> None:
    spam = posted(client, ARTICLE)["id"]
    before = {url: client.get(url).headers["ETag"] for url in (feed_url(), "/feeds/recent.atom")}

    moderate(app, "spam", spam)

    for url, etag in before.items():
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200, url
        assert feedparser.parse(response.data).entries == []


def test_an_author_edit_shows_as_updated(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        comment = posted(client, ARTICLE)
        etag = client.get(feed_url()).headers["ETag"]
        traveller.shift(timedelta(minutes=5))
        new_body = "A corrected comment: the minister said Tuesday, not Thursday, as I wrote."
        edited = client.patch(
            f"/api/v1/articles/{ARTICLE}/comments/{comment['id']}",
            json={"body": new_body},
            headers={"Authorization": f"Bearer {comment['edit_token']}"},
        )
        assert edited.status_code == 200, edited.get_json()

        response = client.get(feed_url(), headers={"If-None-Match": etag})

    assert response.status_code == 200
    (entry,) = feedparser.parse(response.data).entries
    assert entry.content[0].value == new_body
    assert entry.published == "2026-03-01T12:00:00Z"
    assert entry.updated == "2026-03-01T12:05:00Z"


def test_each_feed_is_one_query(app: Flask, client: FlaskClient) -> None:
    top = posted(client, ARTICLE)["id"]
    posted(client, ARTICLE, parent_id=top)
    posted(client, "b2")

    for url in (feed_url(), "/feeds/recent.atom"):
        with statements(app, "comments") as seen:
            fetch(client, url)
        assert len(seen) == 1, seen
