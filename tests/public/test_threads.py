"""Threads as readers see them: top-level comments with their first replies,
the rest a page away, placeholders for removed comments that were answered,
counts that include replies, and pages that stay exact while people write.

Every test runs on SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import random

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from widget import articles
from widget.extensions import db
from widget.models import Comment, Status
from widget.moderation import actions
from widget.moderation.selection import Selection

from ..conftest import assert_refused, comments_url, posted


def listing(client: FlaskClient, article: str = "a1", **query) -> dict:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get(comments_url(article) + (f"?{params}" if params else ""))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def replies_url(article: str, comment_id: int) -> str:
    return f"{comments_url(article)}/{comment_id}/replies"


def moderate(app: Flask, action: str, *ids: int) -> None:
    with app.app_context():
        actions.change_status(Selection.of(ids=list(ids)), action, "test")


def test_replies_sit_under_their_top_level_comment_oldest_first(client: FlaskClient) -> None:
    top = posted(client, author="Priya S")["id"]
    first = posted(client, author="Rohit P", parent_id=top)
    second = posted(client, author="Asha K", parent_id=first["id"])  # a reply to a reply

    (shown,) = listing(client)["comments"]

    assert shown["id"] == top and shown["reply_count"] == 2
    assert [r["id"] for r in shown["replies"]] == [first["id"], second["id"]]
    assert shown["replies"][0]["reply_to"] == {"id": top, "author": "Priya S"}
    assert shown["replies"][1]["reply_to"] == {"id": first["id"], "author": "Rohit P"}
    assert second["reply_to"] == {"id": first["id"], "author": "Rohit P"}  # the 201 says so too


def test_the_listing_previews_three_replies_and_the_replies_endpoint_pages_the_rest(
    client: FlaskClient,
) -> None:
    top = posted(client)["id"]
    replies = [posted(client, author=f"R{i}", parent_id=top)["id"] for i in range(7)]

    (shown,) = listing(client)["comments"]
    assert shown["reply_count"] == 7
    assert [r["id"] for r in shown["replies"]] == replies[:3]

    seen, cursor = [], None
    while True:
        url = replies_url("a1", top) + "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        assert page["comment_id"] == top
        seen += [r["id"] for r in page["replies"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == replies


def test_total_and_counts_include_replies(client: FlaskClient) -> None:
    top = posted(client)["id"]
    posted(client, parent_id=top)
    posted(client, "a2")

    assert listing(client)["total"] == 2
    counts = client.get("/api/v1/counts?article_id=a1&article_id=a2").get_json()["counts"]
    assert counts == {"a1": 2, "a2": 1}


@pytest.mark.parametrize(
    "path",
    [
        "comments/{reply}/replies",  # a reply is not a thread
        "comments/999999/replies",  # no such comment
        "comments/{held}/replies",  # held, without published replies
        "comments/2147483648/replies",  # past any id
    ],
)
def test_replies_of_anything_but_a_listed_top_level_comment_are_not_found(
    app: Flask, client: FlaskClient, path: str
) -> None:
    top = posted(client)["id"]
    reply = posted(client, parent_id=top)["id"]
    held = posted(client)["id"]
    moderate(app, "delete", held)
    url = "/api/v1/articles/a1/" + path.format(reply=reply, held=held)

    response = client.get(url)

    assert response.status_code == 404 and response.get_json() == {
        "error": "not_found",
        "message": "No such comment on this article.",
    }


def test_a_thread_is_not_found_through_another_article(client: FlaskClient) -> None:
    top = posted(client)["id"]
    posted(client, parent_id=top)

    assert_refused(client.get(replies_url("a2", top)), 404, "not_found")


def test_a_removed_comment_with_replies_stays_as_a_placeholder(
    app: Flask, client: FlaskClient
) -> None:
    top = posted(client, author="Priya S")["id"]
    reply = posted(client, author="Rohit P", parent_id=top)["id"]
    lonely = posted(client)["id"]

    moderate(app, "spam", top, lonely)
    page = listing(client)

    (placeholder,) = page["comments"]  # the one without replies is gone
    assert placeholder["id"] == top and placeholder["deleted"] is True
    assert placeholder["author"] is None and placeholder["body"] is None
    assert [r["id"] for r in placeholder["replies"]] == [reply]
    assert placeholder["replies"][0]["reply_to"] == {"id": top, "author": None}
    assert page["total"] == 1  # the reply alone is published
    assert client.get(replies_url("a1", top)).status_code == 200

    moderate(app, "delete", reply)  # its last reply goes: so does the placeholder
    assert listing(client)["comments"] == []

    moderate(app, "approve", top, reply)  # and both come back as they were
    (restored,) = listing(client)["comments"]
    assert restored["author"] == "Priya S" and "deleted" not in restored
    assert restored["reply_count"] == 1


def test_holding_a_reply_takes_it_out_of_its_thread_and_its_count(
    app: Flask, client: FlaskClient
) -> None:
    top = posted(client)["id"]
    kept = posted(client, parent_id=top)["id"]
    held = posted(client, parent_id=top)["id"]

    moderate(app, "spam", held)
    (shown,) = listing(client)["comments"]

    assert shown["reply_count"] == 1 and [r["id"] for r in shown["replies"]] == [kept]
    assert listing(client)["total"] == 2


def test_emptying_spam_makes_the_replies_to_spam_top_level_comments(
    app: Flask, client: FlaskClient
) -> None:
    spam = posted(client)["id"]
    answer = posted(client, author="Rohit P", parent_id=spam)["id"]
    deeper = posted(client, author="Asha K", parent_id=answer)["id"]
    moderate(app, "spam", spam)

    with app.app_context():
        actions.empty_spam("test")
    (shown,) = listing(client)["comments"]

    assert shown["id"] == answer and shown["parent_id"] is None and shown["reply_count"] == 1
    assert [r["id"] for r in shown["replies"]] == [deeper]


@pytest.mark.parametrize("sort", ["newest", "oldest", "top"])
def test_a_walk_lists_each_top_level_comment_once_while_comments_and_replies_arrive(
    app: Flask, client: FlaskClient, sort: str
) -> None:
    randomly = random.Random(sort)
    tops = [posted(client, author=f"T{i}")["id"] for i in range(25)]
    with app.app_context():  # equal likes on purpose: the id decides ties
        for comment_id in tops:
            likes = randomly.choice((0, 1, 1, 3))
            db.session.execute(update(Comment).where(Comment.id == comment_id).values(likes=likes))
        articles.adjust({"a1": 0})
        db.session.commit()

    seen, cursor = [], None
    while True:
        page = listing(client, sort=sort, limit=4, **({"cursor": cursor} if cursor else {}))
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        posted(client, author="New")  # a new top-level comment
        posted(client, parent_id=randomly.choice(tops))  # and a reply somewhere

    assert len(seen) == len(set(seen))
    assert set(tops) <= set(seen)


def test_threads_are_stored_with_their_root(app: Flask, client: FlaskClient) -> None:
    top = posted(client)["id"]
    reply = posted(client, parent_id=top)["id"]
    deeper = posted(client, parent_id=reply)["id"]

    with app.app_context():
        roots = dict(db.session.execute(select(Comment.id, Comment.root_id)).all())
        counts = dict(db.session.execute(select(Comment.id, Comment.reply_count)).all())
        statuses = set(db.session.scalars(select(Comment.status)))

    assert roots == {top: None, reply: top, deeper: top}
    assert counts[top] == 2
    assert statuses == {Status.PUBLISHED}


def test_a_reply_to_a_removed_reply_names_its_place_not_its_author(
    app: Flask, client: FlaskClient
) -> None:
    """The answered reply is no longer shown: the answer keeps pointing at it,
    without its name, in the preview and on the replies page; and however many
    threads need such a look-up, the listing makes the same statements."""

    def thread() -> tuple[int, int, int]:
        top = posted(client, author="Priya S")["id"]
        middle = posted(client, author="Rohit P", parent_id=top)["id"]
        deep = posted(client, author="Asha K", parent_id=middle)["id"]
        moderate(app, "spam", middle)
        return top, middle, deep

    def statements_of_a_listing() -> tuple[int, dict]:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                shown = listing(client)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), shown

    top, middle, deep = thread()
    one_thread, shown = statements_of_a_listing()
    (entry,) = shown["comments"]
    answers = [(r["id"], r["reply_to"]) for r in entry["replies"]]
    assert answers == [(deep, {"id": middle, "author": None})]
    paged = client.get(replies_url("a1", top)).get_json()["replies"]
    assert [(r["id"], r["reply_to"]) for r in paged] == answers

    for _ in range(3):
        thread()
    four_threads, shown = statements_of_a_listing()
    assert len(shown["comments"]) == 4
    assert four_threads == one_thread
