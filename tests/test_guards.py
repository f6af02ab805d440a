"""Boundaries of the lines that guard readers and admins, tested where a user meets them.

Each test here was written against a deliberate break of one guard (issue 9,
"Tests that bite") and fails with it: the exact-origin check, the token period
in the listing's ETag, the padding thresholds, the secret in the sender hash,
the minimum fill time, the last page's cursor, the separate key of the log's
client hash, and the argon2 cost of admin passwords. ``make mutate`` hunts
the breaks nobody thought of.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import argon2
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget import create_app
from widget.admin import accounts
from widget.extensions import db
from widget.models import Admin, Comment

from .conftest import LONG_BODY, comments_url, form_token, make_app, post_comment

# The start of a 10-minute token period (a multiple of 600 s since the epoch).
PERIOD_START = datetime(2025, 1, 4, 9, 0, 0, tzinfo=UTC)


def stored(app: Flask) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment).order_by(Comment.id)))


def body_errors(response: Any) -> list[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()
    assert error["error"] == "validation_failed"
    assert error["message"] == "Some fields need attention."
    return error["fields"]["body"]


# --- the exact-origin rule ---------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost.evil.example",  # the service's own origin as a prefix
        "http://localhost:8080",
        "https://localhost",
        "http://localhos",
    ],
)
def test_an_origin_that_only_resembles_the_service_may_not_post(
    app: Flask, client: FlaskClient, origin: str
) -> None:
    response = post_comment(client, "a1", headers={"Origin": origin})

    assert response.status_code == 403
    assert response.get_json()["error"] == "origin_not_allowed"
    assert stored(app) == []


def test_an_origin_that_only_resembles_an_allowed_one_may_not_post(tmp_path: Any) -> None:
    app = make_app(tmp_path, ALLOWED_ORIGINS=["https://news.example.com"])
    client = app.test_client()

    refused = post_comment(client, "a1", headers={"Origin": "https://news.example.com.evil.io"})
    allowed = post_comment(client, "a1", headers={"Origin": "https://news.example.com"})
    own = post_comment(client, "a1", headers={"Origin": "http://localhost"}, author="Demo page")

    assert refused.status_code == 403
    assert (allowed.status_code, own.status_code) == (201, 201)
    assert [c.author for c in stored(app)] == ["Priya S", "Demo page"]


# --- the listing's ETag carries the token period --------------------------------------


def test_a_listing_revalidated_after_the_token_period_comes_with_a_new_token(
    client: FlaskClient,
) -> None:
    url = comments_url("a1")
    with time_machine.travel(PERIOD_START, tick=False) as traveller:
        first = client.get(url)
        etag = first.headers["ETag"]

        traveller.shift(599)
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

        traveller.shift(1)
        renewed = client.get(url, headers={"If-None-Match": etag})

    assert renewed.status_code == 200
    assert renewed.headers["ETag"] != etag
    assert renewed.get_json()["form"]["token"] != first.get_json()["form"]["token"]


def test_a_reader_who_keeps_a_page_open_for_hours_still_gets_published(
    app: Flask, client: FlaskClient
) -> None:
    """The box revalidates its listing; what it is sent back must post."""
    url = comments_url("a1")
    with time_machine.travel(PERIOD_START, tick=False) as traveller:
        first = client.get(url)
        traveller.shift(7 * 3600)  # past the 6-hour life of a form token
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200
        token = again.get_json()["form"]["token"]
        response = client.post(url, json={"author": "Priya S", "body": LONG_BODY, "token": token})

    assert response.status_code == 201, response.get_json()


# --- replies -------------------------------------------------------------------------


def test_a_reply_must_answer_a_published_comment_that_exists(
    app: Flask, client: FlaskClient
) -> None:
    published = post_comment(client, "a1").get_json()["id"]
    held = post_comment(client, "a1", token="", body=f"{LONG_BODY} (held)")
    assert held.status_code == 202

    answers = {
        parent: post_comment(client, "a1", parent_id=parent, body=f"{LONG_BODY} re {parent}")
        for parent in (held.get_json()["id"], published + 100, published)
    }

    codes = {parent: response.status_code for parent, response in answers.items()}
    assert codes == {held.get_json()["id"]: 422, published + 100: 422, published: 201}


# --- the last page ---------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_a_full_last_page_has_no_next_cursor(client: FlaskClient, sort: str) -> None:
    for i in range(3):
        assert post_comment(client, "a1", body=f"{LONG_BODY} ({i})").status_code == 201
    url = comments_url("a1") + f"?sort={sort}"

    exact = client.get(url + "&limit=3").get_json()
    first = client.get(url + "&limit=2").get_json()
    last = client.get(url + f"&limit=2&cursor={first['next_cursor']}").get_json()

    assert len(exact["comments"]) == 3 and exact["next_cursor"] is None
    assert len(first["comments"]) == 2 and first["next_cursor"]
    assert len(last["comments"]) == 1 and last["next_cursor"] is None
    ids = [c["id"] for c in first["comments"] + last["comments"]]
    assert sorted(ids, reverse=sort == "newest") == ids and len(set(ids)) == 3


def _cursor(raw: str) -> str:
    """A cursor made by hand, the way the service encodes its own."""
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("n:1", 200),
        ("n:0", 400),
        (f"n:{2**31 - 1}", 200),  # the largest id a comment can have
        (f"n:{2**31}", 400),
        (f"n:{2**62}", 400),
        ("n:" + "5".zfill(22), 200),  # 32 characters once encoded: the longest taken
        ("n:" + "5".zfill(23), 400),  # 34 characters
        ("o:5", 400),  # a cursor of the other sort order
        ("n:-5", 400),
        ("n:5:6", 400),
    ],
)
def test_a_cursor_is_taken_only_within_its_bounds(
    client: FlaskClient, raw: str, status: int
) -> None:
    response = client.get(comments_url("a1") + f"?cursor={_cursor(raw)}")

    assert response.status_code == status, response.get_json()
    if status == 400:
        error = response.get_json()
        assert (error["error"], error["parameter"]) == ("invalid_parameter", "cursor")
        assert "'cursor' must be a next_cursor" in error["message"]


def test_cursors_are_url_safe_text_without_padding(client: FlaskClient) -> None:
    for i in range(12):
        assert post_comment(client, "a1", body=f"{LONG_BODY} ({i})").status_code == 201
    cursors = [
        client.get(comments_url("a1") + f"?limit={limit}&sort={sort}").get_json()["next_cursor"]
        for limit in range(1, 12)
        for sort in ("newest", "oldest")
    ]

    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", cursor) for cursor in cursors), cursors


# --- padding: each threshold from both sides -------------------------------------------

# 74 characters made of exactly six different letters, no runs, no repeated words.
SIX_LETTERS = "abc fed cab bad face bead deaf cafe fade dab acb bca ebb added faced decaf"
WORDS = ["ridiculous", "government", "policies"]
# A 31-character sentence 21 times: 650 bytes that zlib squeezes to about 7 %.
PASSAGE = ("The council voted again today. " * 21).strip()
PROSE = (
    "The council voted again today on the new bus lanes along the river road, and the "
    "mayor said the plan would be reviewed after a year of traffic counts. Shopkeepers "
    "on Mill Street worry about deliveries in the morning; cyclists say the lanes are "
    "overdue. Nobody at the meeting asked about the bridge, which closes for repairs in "
    "spring and will send every lorry through the old town for three months or more. "
    "Perhaps the next meeting will take that up, before the diggers arrive in March."
)


def test_six_different_letters_are_too_few_and_seven_are_enough(client: FlaskClient) -> None:
    refused = post_comment(client, "a1", body=SIX_LETTERS)
    accepted = post_comment(client, "a1", body=SIX_LETTERS + " ga")

    assert body_errors(refused) == [
        "Your comment uses too few different characters to be read as text."
    ]
    assert accepted.status_code == 201


def test_three_words_over_and_over_are_refused_from_the_tenth_word(client: FlaskClient) -> None:
    ten = " ".join((WORDS * 4)[:10])
    nine = " ".join((WORDS * 3)[:9])

    refused = post_comment(client, "a1", body=ten)
    accepted = post_comment(client, "a1", body=nine)

    assert body_errors(refused) == ["Your comment repeats the same few words over and over."]
    assert accepted.status_code == 201


def test_a_passage_repeated_to_fill_the_box_is_refused_and_prose_is_not(
    client: FlaskClient,
) -> None:
    refused = post_comment(client, "a1", body=PASSAGE)
    accepted = post_comment(client, "a1", body=PROSE * 2)

    assert body_errors(refused) == ["Your comment repeats the same passage over and over."]
    assert accepted.status_code == 201


RUNS = "Your comment reaches the minimum length only by repeating characters or spaces: "
WORD_RUNS = (
    "Your comment reaches the minimum length only by repeating words: "
    "please write 50 characters of real text."
)
FEW_WORDS = "Your comment repeats the same few words over and over."
SAME_PASSAGE = "Your comment repeats the same passage over and over."
ANSWER = "Readers deserve a clear answer on the budget very very"
OX = ("ox in a bog " * 40)[:400].strip()  # 400 bytes, 134 words, squeezed to 25 by zlib


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ("Great point" + "!" * 60, RUNS + "without them it has 14 of the 50 needed."),
        (ANSWER, WORD_RUNS),  # 54 characters, 5 of them a repeated word: 49
        (ANSWER + ".", None),  # 50 without the repeat: enough
        (" ".join(WORDS[1:] * 4), FEW_WORDS),  # 8 words, 2 of them different
        (" ".join((WORDS * 34)[:100]), FEW_WORDS),
        (" ".join((WORDS * 34)[:101]), SAME_PASSAGE),  # past 100 words zlib judges
        (OX, SAME_PASSAGE),
        (OX[:-1], None),  # 399 bytes: too short to judge by compression
    ],
    ids=["runs", "word-runs", "word-runs-50", "8-words", "100-words", "101-words", "400b", "399b"],
)
def test_padding_is_judged_at_each_threshold(
    client: FlaskClient, body: str, refusal: str | None
) -> None:
    response = post_comment(client, "a1", body=body)

    if refusal is None:
        assert response.status_code == 201, response.get_json()
    else:
        assert body_errors(response) == [refusal]


# --- the sender hash needs the secret; the log's hash is another one -------------------


def _sender_of_a_post(folder: Any, secret: str, address: str = "203.0.113.9") -> str:
    folder.mkdir()
    app = make_app(folder, SECRET_KEY=secret)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert post_comment(client, "a1").status_code == 201
    (comment,) = stored(app)
    return comment.sender_hash


def test_the_sender_hash_cannot_be_made_without_the_secret_key(tmp_path: Any) -> None:
    ours = _sender_of_a_post(tmp_path / "a", "ours-" + "k" * 40)
    again = _sender_of_a_post(tmp_path / "b", "ours-" + "k" * 40)
    theirs = _sender_of_a_post(tmp_path / "c", "theirs-" + "k" * 40)

    assert ours == again  # stable, so bans and "everything from this sender" work
    assert ours != theirs  # and nobody without the key can compute it from an address


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("comments.request")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


def test_the_request_log_cannot_be_joined_to_the_senders_of_comments(
    app: Flask, client: FlaskClient, log_lines: list[str]
) -> None:
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    post_comment(client, "a1")

    logged = {json.loads(line)["client"] for line in log_lines}
    (comment,) = stored(app)
    assert len(logged) == 1
    assert not comment.sender_hash.startswith(logged.pop())


# --- the minimum fill time ----------------------------------------------------------


@pytest.fixture
def default_fill_app(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """An app with the documented default COMMENTS_MIN_FILL_SECONDS (make_app sets 0)."""
    monkeypatch.delenv("COMMENTS_MIN_FILL_SECONDS", raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/comments.db",
            "RATELIMIT_ENABLED": False,
            "DUPLICATE_WINDOW": 0,
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize(("seconds", "status", "reason"), [(2.9, 202, "too_fast"), (3, 201, None)])
def test_a_post_within_three_seconds_of_the_form_is_held(
    default_fill_app: Flask, seconds: float, status: int, reason: str | None
) -> None:
    client = default_fill_app.test_client()
    with time_machine.travel(PERIOD_START, tick=False) as traveller:
        token = form_token(client, "a1")
        traveller.shift(seconds)
        response = post_comment(client, "a1", token=token)

    assert response.status_code == status
    (comment,) = stored(default_fill_app)
    assert comment.reason == reason


# --- admin passwords cost what RFC 9106 says ---------------------------------------------


def test_admin_passwords_are_hashed_with_argon2id_at_full_cost(app: Flask) -> None:
    with app.app_context():
        accounts.set_password("ann", "correct horse battery staple")
        db.session.commit()
        stored_hash = db.session.scalar(db.select(Admin.password_hash))

    used = argon2.extract_parameters(stored_hash)
    profile = argon2.profiles.RFC_9106_LOW_MEMORY
    assert used.type is argon2.Type.ID
    assert (used.time_cost, used.memory_cost, used.parallelism) == (
        profile.time_cost,
        profile.memory_cost,
        profile.parallelism,
    )
