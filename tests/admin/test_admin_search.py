"""The admin's text search: whole words through the database's own full-text
engine (PostgreSQL tsvector, SQLite FTS5), case and accents aside, nothing
typed taken as query syntax; a capped count on the list, and "all matching"
acting only on an exact number the admin confirmed."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update

from widget.admin import comments as admin_comments
from widget.extensions import db
from widget.models import Comment

from ..admin_support import csrf_token, hidden_fields
from ..conftest import LONG_BODY, posted
from .test_admin_comments import add_comments, statuses

NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Zoë Müller", "Ignacio")


def found(admin: FlaskClient, **query: str) -> set[str]:
    response = admin.get("/admin/comments", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    return {name for name in NAMES if f'<span class="author">{name}</span>' in html}


@pytest.fixture
def texts(app: Flask) -> list[int]:
    return add_comments(
        app,
        [
            {"article_id": "a1", "author": "Alpha", "body": "One two three, in that order."},
            {"article_id": "a1", "author": "Bravo", "body": "Le café était crème brûlée."},
            {
                "article_id": "a2",
                "author": "Charlie",
                "body": "ONE reply, shouting.",
                "status": "pending",
                "sender_hash": "ccc",
            },
            {"article_id": "a2", "author": "Delta", "body": "Party tonight 🎉 at nine."},
            {
                "article_id": "a2",
                "author": "Echo",
                "body": "Someone said one, too.",
                "sender_hash": "eee",
            },
            {"article_id": "a3", "author": "Zoë Müller", "body": "Just a reader here."},
            {
                "article_id": "a3",
                "author": "Ignacio",
                "body": "Nothing to add.",
                "email": "Ignacio.Perez@Example.org",
            },
        ],
    )


def test_whole_words_any_case_accents_folded(admin: FlaskClient, texts: list[int]) -> None:
    assert found(admin, q="one") == {"Alpha", "Charlie", "Echo"}
    assert found(admin, q="One TWO") == {"Alpha"}  # every word, in any order
    assert found(admin, q="three two") == {"Alpha"}
    assert found(admin, q="on") == set()  # a piece of a word is not the word
    assert found(admin, q="cafe") == {"Bravo"}
    assert found(admin, q="CAFÉ Brulee") == {"Bravo"}
    assert found(admin, q="etait") == {"Bravo"}


def test_author_names_are_searched(admin: FlaskClient, texts: list[int]) -> None:
    assert found(admin, q="zoe") == {"Zoë Müller"}
    assert found(admin, q="Muller") == {"Zoë Müller"}
    assert found(admin, q="zoë müller reader") == {"Zoë Müller"}  # name and text together


def test_an_email_address_finds_its_commenter(admin: FlaskClient, texts: list[int]) -> None:
    assert found(admin, q="ignacio.perez@example.org") == {"Ignacio"}
    assert found(admin, q="perez@example.org") == set()  # the whole address only


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ('"one', {"Alpha", "Charlie", "Echo"}),
        ('one"two', {"Alpha"}),
        ("one*", {"Alpha", "Charlie", "Echo"}),
        ("on*", set()),  # no prefix search
        ("on:*", set()),
        ("one | nine", set()),  # no OR: both words
        ("one OR nine", set()),
        ("one & !two", {"Alpha"}),  # no NOT
        ("one -two", {"Alpha"}),
        ("NEAR(one three)", set()),  # "near" is only a word
        ("(one", {"Alpha", "Charlie", "Echo"}),
        ("body:two", set()),  # no column filter: "body" is a word
        ("^one", {"Alpha", "Charlie", "Echo"}),
        ("one's", set()),
        ("*", set()),
        ("&|!():*\"'", set()),
        ("'; DROP TABLE comments; --", set()),
    ],
)
def test_query_syntax_typed_is_only_text(
    app: Flask, admin: FlaskClient, texts: list[int], query: str, names: set[str]
) -> None:
    assert found(admin, q=query) == names
    assert sum(statuses(app).values()) == len(texts)


def test_long_queries_emoji_and_empty(admin: FlaskClient, texts: list[int]) -> None:
    assert found(admin, q=("one " * 50)[:200]) == {"Alpha", "Charlie", "Echo"}
    assert admin.get("/admin/comments", query_string={"q": "x" * 201}).status_code == 400
    assert found(admin, q="🎉") == set()  # no word in it: nothing, and no error
    assert found(admin, q="party 🎉") == {"Delta"}
    assert found(admin, q="") == set(NAMES)
    assert found(admin, q="   ") == set(NAMES)


def test_search_combines_with_status_article_and_sender(
    admin: FlaskClient, texts: list[int]
) -> None:
    assert found(admin, q="one", status="pending") == {"Charlie"}
    assert found(admin, q="one", status="published") == {"Alpha", "Echo"}
    assert found(admin, q="one", article="a2") == {"Charlie", "Echo"}
    assert found(admin, q="one", sender="eee") == {"Echo"}
    assert found(admin, q="one", sender="eee", status="pending") == set()


def test_the_index_follows_inserts_edits_and_deletions(app: Flask, admin: FlaskClient) -> None:
    posted(app.test_client(), "a9", author="Alpha", body="Zeppelins today. " + LONG_BODY)
    assert found(admin, q="zeppelins") == {"Alpha"}

    with app.app_context():
        db.session.execute(
            update(Comment).values(body="Edited: about airships now.", author="Bravo")
        )
        db.session.commit()
    assert found(admin, q="zeppelins") == set()
    assert found(admin, q="airships") == {"Bravo"}
    assert found(admin, q="alpha") == set()

    with app.app_context():
        db.session.execute(delete(Comment))
        db.session.commit()
    assert found(admin, q="airships") == set()


# --- the capped count, and "all matching" on it ---------------------------------------


def test_a_large_match_says_more_than_and_acts_only_on_a_confirmed_number(
    app: Flask, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_comments, "COUNT_CAP", 3)
    rows = [{"article_id": "a1", "author": "Alpha", "body": f"Buy pills now {i}"} for i in range(5)]
    add_comments(app, [*rows, {"article_id": "a1", "author": "Bravo", "body": "Unrelated."}])
    page = "/admin/comments?q=pills"
    action = "/admin/comments/bulk?q=pills"

    html = admin.get(page).get_data(as_text=True)
    assert "More than 3 comments match" in html
    assert "Apply to all matching (counted first)" in html
    # One more arrives after the admin loaded the list: not part of what they saw.
    add_comments(app, [{"article_id": "a1", "author": "Charlie", "body": "Late pills offer."}])

    fields = {**hidden_fields(html, action), "csrf_token": csrf_token(html, action)}
    asked = admin.post(action, data={**fields, "action": "spam", "scope": "matching"})
    confirm = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Confirm the number" in confirm
    assert "<strong>5 comments</strong>" in confirm and "Mark as spam: all 5 matching" in confirm
    assert statuses(app) == {"published": 7}  # nothing changed yet

    fields = {**hidden_fields(confirm, action), "csrf_token": csrf_token(confirm, action)}
    done = admin.post(action, data={**fields, "action": "spam", "scope": "matching"})
    assert done.status_code == 302
    assert statuses(app) == {"spam": 5, "published": 2}  # not the late one, nor Bravo


def test_a_confirmed_number_that_changed_is_asked_again(
    app: Flask, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_comments, "COUNT_CAP", 2)
    ids = add_comments(app, [{"article_id": "a1", "body": f"Buy pills now {i}"} for i in range(4)])
    action = "/admin/comments/bulk?q=pills"
    html = admin.get("/admin/comments?q=pills").get_data(as_text=True)
    fields = {**hidden_fields(html, action), "csrf_token": csrf_token(html, action)}
    confirm = admin.post(action, data={**fields, "action": "delete", "scope": "matching"})
    confirm_html = confirm.get_data(as_text=True)
    assert "<strong>4 comments</strong>" in confirm_html

    with app.app_context():  # one of them is edited away from the match meanwhile
        db.session.execute(update(Comment).where(Comment.id == ids[0]).values(body="Fine."))
        db.session.commit()
    fields = {**hidden_fields(confirm_html, action), "csrf_token": csrf_token(confirm_html, action)}
    again = admin.post(action, data={**fields, "action": "delete", "scope": "matching"})

    assert again.status_code == 409
    assert "<strong>3 comments</strong> match now" in again.get_data(as_text=True)
    assert statuses(app) == {"published": 4}
