"""POST /api/v1/articles/<id>/comments: every status the contract lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Article, Comment

from ..conftest import LONG_BODY, comments_url, form_token, make_app, post_comment


def stored(app: Flask) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment).order_by(Comment.id)))


def test_a_valid_comment_is_published_201_and_listed(app: Flask, client: FlaskClient) -> None:
    response = post_comment(client, "a1", author="  Priya S ", body=f"\n  {LONG_BODY}  \n")

    assert response.status_code == 201
    comment = response.get_json()
    assert comment["author"] == "Priya S"
    assert comment["body"] == LONG_BODY.strip()
    assert "status" not in comment
    # The answer is the comment as listed, plus the edit token only it shows.
    grant = {key: comment.pop(key) for key in ("edit_token", "editable_until")}
    assert len(grant["edit_token"]) >= 32 and grant["editable_until"].endswith("Z")
    assert client.get(comments_url("a1")).get_json()["comments"] == [comment]


def test_a_reply_to_a_published_comment_on_the_same_article(client: FlaskClient) -> None:
    parent = post_comment(client, "a1").get_json()["id"]

    reply = post_comment(client, "a1", parent_id=parent)

    assert reply.status_code == 201
    assert reply.get_json()["parent_id"] == parent


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "token_missing"),
        ("", "token_missing"),
        ("forged.token.value", "token_invalid"),
        ("t\u00f6ken", "token_invalid"),
    ],
)
def test_a_post_without_a_valid_token_is_held_not_refused(
    app: Flask, client: FlaskClient, token: object, reason: str
) -> None:
    response = post_comment(client, "a1", token=token)

    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    assert client.get(comments_url("a1")).get_json()["total"] == 0
    (comment,) = stored(app)
    assert comment.status == "pending"
    assert comment.reason == reason  # what the admin list explains


def test_a_token_for_another_article_is_held(app: Flask, client: FlaskClient) -> None:
    response = post_comment(client, "a1", token=form_token(client, "other"))

    assert response.status_code == 202
    assert stored(app)[0].reason == "token_wrong_article"


def test_a_post_sooner_than_the_minimum_fill_time_is_held(tmp_path) -> None:
    app = make_app(tmp_path, MIN_FILL_SECONDS=3)
    client = app.test_client()
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        token, other = form_token(client, "a1"), form_token(client, "a1")
        traveller.shift(1)
        too_fast = post_comment(client, "a1", token=token)
        traveller.shift(3)
        in_time = post_comment(client, "a1", token=other, author="Patient")

    assert too_fast.status_code == 202
    assert in_time.status_code == 201
    assert stored(app)[0].reason == "too_fast"


def test_a_token_older_than_a_few_hours_is_held(app: Flask, client: FlaskClient) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        token = form_token(client, "a1")
        traveller.shift(timedelta(hours=7))
        response = post_comment(client, "a1", token=token)

    assert response.status_code == 202
    assert stored(app)[0].reason == "token_expired"


def test_pre_moderation_holds_everything(tmp_path) -> None:
    client = make_app(tmp_path, MODERATION="pre").test_client()

    response = post_comment(client, "a1")

    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    assert client.get(comments_url("a1")).get_json()["comments"] == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"null", "application/json"),
        (b'"a string"', "application/json"),
        (b"42", "application/json"),
        (b'{"author": "a", "author": "b"}', "application/json"),
        (b'{"author": NaN}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_invalid_json(
    app: Flask, client: FlaskClient, body: bytes, content_type: str
) -> None:
    response = client.post(comments_url("a1"), data=body, content_type=content_type)

    if len(body) > 64 * 1024:
        assert response.status_code == 413
    else:
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_json"
    assert stored(app) == []


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_json_is_415(
    app: Flask, client: FlaskClient, content_type: str | None
) -> None:
    body = json.dumps({"author": "a", "body": LONG_BODY})
    response = client.post(comments_url("a1"), data=body, content_type=content_type)

    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"
    assert stored(app) == []


def test_json_with_a_charset_is_accepted(client: FlaskClient) -> None:
    body = json.dumps({"author": "a", "body": LONG_BODY, "token": form_token(client, "a1")})
    response = client.post(
        comments_url("a1"), data=body, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


def test_a_body_over_64_kib_is_413(app: Flask, client: FlaskClient) -> None:
    huge = json.dumps({"author": "a", "body": "x" * (65 * 1024)})

    response = client.post(comments_url("a1"), data=huge, content_type="application/json")

    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert stored(app) == []


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"author": ""}, "author", "name"),
        ({"author": "   "}, "author", "name"),
        ({"author": "x" * 81}, "author", "80"),
        ({"body": ""}, "body", "comment"),
        ({"body": " \n\t " * 30}, "body", "comment"),
        ({"body": "\u200b" * 60}, "body", "comment"),
        ({"body": "short"}, "body", "at least 50"),
        ({"body": "  " + "x" * 49 + "   "}, "body", "it has 49"),
        ({"body": "x" * 5001}, "body", "at most 5000"),
        ({"body": LONG_BODY + "\x00"}, "body", "control characters"),
        ({"author": "nul\x07"}, "author", "control characters"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"email": 5}, "email", "text"),
        ({"token": 12}, "token", "text"),
        ({"author": 123}, "author", "text"),
        ({"author": ["a", "b"]}, "author", "text"),
        ({"body": {"text": LONG_BODY}}, "body", "text"),
        ({"parent_id": "7"}, "parent_id", "number"),
        ({"parent_id": True}, "parent_id", "number"),
        ({"parent_id": -1}, "parent_id", "number"),
        ({"parent_id": 2**70}, "parent_id", "number"),
        ({"parent_id": 999}, "parent_id", "not on this article"),
    ],
)
def test_a_field_that_fails_validation_is_422_with_a_message_for_that_field(
    app: Flask, client: FlaskClient, fields: dict, field: str, words: str
) -> None:
    response = post_comment(client, "a1", **fields)

    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert data["message"]
    assert list(data["fields"]) == [field]
    assert words.lower() in " ".join(data["fields"][field]).lower()
    assert stored(app) == []


def test_missing_author_and_body_are_both_reported(client: FlaskClient) -> None:
    response = client.post(comments_url("a1"), json={})

    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"author", "body"}


def test_a_reply_to_a_comment_on_another_article_is_422(client: FlaskClient) -> None:
    elsewhere = post_comment(client, "other").get_json()["id"]

    response = post_comment(client, "a1", parent_id=elsewhere)

    assert response.status_code == 422
    assert "parent_id" in response.get_json()["fields"]


def test_length_is_counted_in_code_points_after_trimming(client: FlaskClient) -> None:
    # 50 code points, 64 UTF-8 bytes (varied: repeated characters are padding).
    exactly_50 = "Zoë's café 🙂 déjà vu, naïve señor 👍 ça va? Très bo"
    assert post_comment(client, "a1", body=f"  {exactly_50}\n").status_code == 201
    assert post_comment(client, "a1", body=exactly_50[:-1]).status_code == 422


@pytest.mark.parametrize(
    "text",
    [
        "Emoji 🙂👍🏽🇰🇷 and a family 👨‍👩‍👧 stay exactly as they were written by me.",
        "Combining marks: e\u0301 a\u0308 n\u0303 and precomposed é ä ñ must not be normalised!",
        "עברית וערבית: مرحبا بالعالم — right-to-left text with \u200f marks must survive intact.",
        "Markup is text: <script>alert(1)</script> <b>bold</b> &amp; &lt; are not interpreted.",
        "Line one\nLine two\r\nLine three\twith a tab, all kept exactly as the reader typed them.",
    ],
)
def test_unicode_is_stored_and_returned_byte_exact(
    app: Flask, client: FlaskClient, text: str
) -> None:
    author = "Zoë ✍️ مريم"
    posted = post_comment(client, "a1", author=author, body=text)

    assert posted.status_code == 201
    listed = client.get(comments_url("a1"))
    (comment,) = listed.get_json()["comments"]
    assert comment["body"] == text
    assert comment["author"] == author
    assert json.dumps(text, ensure_ascii=False)[1:-1].encode() in listed.get_data()
    assert stored(app)[0].body == text


def test_comments_closed_on_an_article_is_403(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        db.session.add(Article(id="closed-1", closed=True, published_count=0, version=0))
        db.session.commit()

    response = post_comment(client, "closed-1")

    assert response.status_code == 403
    assert response.get_json()["error"] == "comments_closed"
    assert stored(app) == []


def test_email_is_kept_for_admins_but_never_shown(app: Flask, client: FlaskClient) -> None:
    response = post_comment(client, "a1", email="  priya@example.com ")

    assert "priya@example.com" not in response.get_data(as_text=True)
    assert stored(app)[0].email == "priya@example.com"


def test_the_sender_address_is_kept_only_as_a_keyed_hash(app: Flask, client: FlaskClient) -> None:
    post_comment(client, "a1", headers={"User-Agent": "TestBrowser/1.0"})
    post_comment(client, "a1", author="Same sender")

    first, second = stored(app)
    assert first.sender_hash == second.sender_hash
    with app.app_context():  # every column of every row, not just the hash
        rows = db.session.execute(db.select(Comment.__table__)).all()
    assert [value for row in rows for value in row if "127.0.0.1" in str(value)] == []
    assert len(first.sender_hash) == 32
    assert first.user_agent == "TestBrowser/1.0"


def test_unknown_fields_are_ignored(app: Flask, client: FlaskClient) -> None:
    assert post_comment(client, "a1", colour="blue", is_admin=True).status_code == 201


# --- one post per form token (issue 9, item 11) ---------------------------------


def test_a_form_token_admits_three_posts_and_later_ones_are_held(
    app: Flask, client: FlaskClient
) -> None:
    token = form_token(client, "a1")

    statuses = []
    for n in range(9):  # nine addresses, one token: a replay, not nine readers
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        statuses.append(post_comment(client, "a1", token=token, author=f"Replay {n}").status_code)

    # Three: the readers a CDN may have handed one cached listing.
    assert statuses == [201] * 3 + [202] * 6
    assert client.get(comments_url("a1")).get_json()["total"] == 3
    assert [c.reason for c in stored(app)] == [None] * 3 + ["token_reused"] * 6


def test_a_form_token_admits_one_post_per_client(app: Flask, client: FlaskClient) -> None:
    token = form_token(client, "a1")

    assert post_comment(client, "a1", token=token).status_code == 201
    assert post_comment(client, "a1", token=token, author="Again").status_code == 202
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert post_comment(client, "a1", token=token, author="Other").status_code == 201
    assert [c.reason for c in stored(app)] == [None, "token_reused", None]


def test_a_token_spelt_another_way_is_still_the_same_token(app: Flask, client: FlaskClient) -> None:
    token = form_token(client, "a1")
    # The signature's last base64 character has two spare bits: flipping one
    # spells the same signature, which still verifies.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]

    assert post_comment(client, "a1", token=token).status_code == 201
    assert post_comment(client, "a1", token=respelt).status_code == 202
    assert stored(app)[1].reason == "token_reused"


def test_a_held_post_uses_up_its_token_too(app: Flask, client: FlaskClient) -> None:
    token = form_token(client, "a1")
    links = "Read http://a.example and http://b.example and http://c.example today"
    post_comment(client, "a1", token=token, body=links)

    assert post_comment(client, "a1", token=token).status_code == 202
    assert [c.reason for c in stored(app)] == ["too_many_links", "token_reused"]


def test_every_listing_hands_out_a_token_of_its_own(app: Flask, client: FlaskClient) -> None:
    # Two readers in the same second (the clock stands still) must not share
    # a token, or the second reader's comment would be held as a replay.
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        first, second = form_token(client, "a1"), form_token(client, "a1")
        posted = [post_comment(client, "a1", token=t).status_code for t in (first, second)]

    assert first != second
    assert posted == [201, 201]


def test_a_token_issued_before_tokens_were_made_unique_still_vouches(
    app: Flask, client: FlaskClient
) -> None:
    from widget.moderation import tokens

    with app.test_request_context():
        old_style = tokens._serializer().dumps("a1")  # a page left open over a deploy

    assert post_comment(client, "a1", token=old_style).status_code == 201


def test_an_api_client_that_omits_the_honeypot_field_is_not_taken_for_a_bot(
    app: Flask, client: FlaskClient
) -> None:
    # The contract's fields do not include "website"; only the box sends it.
    assert post_comment(client, "a1").status_code == 201
    assert post_comment(client, "a1", website="", author="Box").status_code == 201
    assert post_comment(client, "a1", website="http://spam.example").status_code == 202
    assert [c.status for c in stored(app)] == ["published", "published", "spam"]
