"""Hostile input everywhere: each gets the contract's 4xx JSON error, never a
500, never a traceback, and never a stored comment.

Most cases go through the WSGI test client. What the test client cannot send
(CR/LF and NUL in headers, lying or absurd Content-Length, broken chunking)
goes over a raw socket to a real gunicorn. gunicorn refuses malformed HTTP
itself, before the app sees it, with its own small HTML page: for those the
test holds it to a 4xx without a traceback, and the app to storing nothing.
"""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget import articles
from widget.extensions import db
from widget.models import Comment, Status

from ..conftest import LONG_BODY, assert_refused, comments_url, form_token
from ..servers import Gunicorn, migrate, raw_http, server_env, split_response

MiB = 1024 * 1024
KiB = 1024


def text(tag: str) -> str:
    """A valid, unique comment body (the defences refuse the same text twice)."""
    return f"{LONG_BODY} [{tag}]"


def rows(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(Comment.id, Comment.article_id, Comment.status, Comment.body)
            )
        ]


@pytest.fixture
def unchanged(app: Flask) -> Iterator[None]:
    """The comments table is exactly as it was before the test's requests."""
    before = rows(app)
    yield
    assert rows(app) == before


def post_raw(client: FlaskClient, body: bytes, content_type: str = "application/json", **kw: Any):
    return client.post(comments_url("a1"), data=body, content_type=content_type, **kw)


# --- bodies that are not a JSON object ---------------------------------------

VALID = json.dumps({"author": "Priya S", "body": LONG_BODY})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"author": "\xff\xfe", "body": "x"}', id="non-utf8-bytes"),
        pytest.param(VALID.replace("Priya", "Zo\u00eb").encode("latin-1"), id="latin-1"),
        pytest.param(VALID.encode("utf-16"), id="utf-16"),
        pytest.param(VALID.encode("utf-32"), id="utf-32"),
        pytest.param(b"\xef\xbb\xbf" + VALID.encode(), id="utf-8-bom"),
        pytest.param(b'{"author": "\xc0\xbcscript\xc0\xbe"}', id="overlong-utf8"),
        pytest.param(b'{"author": "\xed\xa0\x80"}', id="surrogate-as-utf8-bytes"),
        pytest.param(b'{"author": "a\x00b", "body": "x"}', id="raw-nul-in-a-string"),
        pytest.param(b'{"author":\x00"a"}', id="raw-nul-between-tokens"),
        pytest.param(b"\x00" * 1000, id="only-nul-bytes"),
        pytest.param(b'{"author": "line\nbreak"}', id="raw-control-character-in-a-string"),
        pytest.param(b'{"x":' * 10_000 + b"1" + b"}" * 10_000, id="objects-nested-10000-deep"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, id="arrays-nested-30000-deep"),
        pytest.param(b'{"author": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", id="deep-in-a-field"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'[{"author": "a"}]', id="array-of-the-object"),
        pytest.param(b"0", id="number"),
        pytest.param(b"-1.5e10", id="float"),
        pytest.param(b"1e999", id="number-overflowing-to-infinity"),
        pytest.param(b"9" * 5000, id="5000-digit-number"),
        pytest.param(b"null", id="null"),
        pytest.param(b"true", id="true"),
        pytest.param(b'"{\\"author\\": \\"a\\"}"', id="object-inside-a-string"),
        pytest.param(b'{"author": Infinity}', id="Infinity"),
        pytest.param(b'{"author": -Infinity}', id="minus-Infinity"),
        pytest.param(b'{"parent_id": ' + b"9" * 5000 + b"}", id="5000-digit-parent_id"),
        pytest.param(b'{"token": "a", "token": "b"}', id="duplicate-token"),
        pytest.param(b'{"body": "a", "author": "b", "body": "c"}', id="duplicate-body"),
        pytest.param(b'{"author": "a", "x": {"k": 1, "k": 2}}', id="duplicate-key-nested"),
        pytest.param(b'{"author": "a"} {"author": "b"}', id="two-documents"),
        pytest.param(b'{"author": "a",}', id="trailing-comma"),
        pytest.param(b"{'author': 'a'}", id="single-quotes"),
        pytest.param(b'{"author": "a" /* hi */}', id="comment"),
        pytest.param(b'{"author": "a"', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b" \r\n\t ", id="whitespace-only"),
        pytest.param(b"author=a&body=b", id="form-encoded-labelled-json"),
        pytest.param(b"<comment><author>a</author></comment>", id="xml-labelled-json"),
    ],
)
def test_a_body_that_is_not_a_json_object_of_utf8_is_400(
    client: FlaskClient, unchanged: None, body: bytes
) -> None:
    assert len(body) <= 64 * KiB
    assert_refused(post_raw(client, body), 400, "invalid_json")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/json",
        "application/x-json",
        "application/ld+json",
        "application/json-seq",
        "application/jsonp",
        "text/html",
        "application/xml",
        "text/plain; charset=application/json",
        "json",
        "*/*",
    ],
)
def test_a_body_not_labelled_application_json_is_415(
    client: FlaskClient, unchanged: None, content_type: str
) -> None:
    response = post_raw(client, VALID.encode(), content_type=content_type)
    assert_refused(response, 415, "unsupported_media_type")


# --- size and length ---------------------------------------------------------

# What a server hands the app for a chunked request: no length, a terminated stream.
CHUNKED = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
TEN_MB = b'{"author": "a", "body": "' + b"x" * (10 * MiB) + b'"}'


def test_a_10_mb_body_is_413(client: FlaskClient, unchanged: None) -> None:
    assert_refused(post_raw(client, TEN_MB), 413, "payload_too_large")


def test_a_10_mb_body_streamed_without_a_length_is_413(
    client: FlaskClient, unchanged: None
) -> None:
    response = client.post(
        comments_url("a1"),
        input_stream=io.BytesIO(TEN_MB),
        content_type="application/json",
        environ_overrides=CHUNKED,
    )
    assert_refused(response, 413, "payload_too_large")


def test_a_streamed_body_is_refused_past_64_kib_not_cut_to_a_valid_prefix(
    app: Flask, client: FlaskClient
) -> None:
    token = form_token(client, "a1")
    exact = json.dumps({"author": "a", "body": text("streamed"), "token": token}).encode()
    exact += b" " * (64 * KiB - len(exact))  # valid JSON, exactly 64 KiB

    def stream(body: bytes):
        return client.post(
            comments_url("a1"),
            input_stream=io.BytesIO(body),
            content_type="application/json",
            environ_overrides=CHUNKED,
        )

    before = rows(app)
    assert_refused(stream(exact + b"garbage"), 413, "payload_too_large")
    assert rows(app) == before
    assert stream(exact).status_code == 201  # the limit itself is allowed


@pytest.mark.parametrize(
    ("content_length", "status", "code"),
    [
        pytest.param("10", 400, "invalid_json", id="says-fewer-bytes-than-sent"),
        pytest.param(str(10**12), 413, "payload_too_large", id="absurd"),
        pytest.param(str(64 * KiB + 1), 413, "payload_too_large", id="just-over-the-limit"),
        pytest.param("-1", 400, "invalid_json", id="negative"),
        pytest.param("ten", 400, "invalid_json", id="not-a-number"),
    ],
)
def test_a_lying_content_length_is_a_4xx(
    client: FlaskClient, unchanged: None, content_length: str, status: int, code: str
) -> None:
    response = post_raw(
        client, VALID.encode(), environ_overrides={"CONTENT_LENGTH": content_length}
    )
    assert_refused(response, status, code)


# --- fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"author": "a\x00b"}, "author", id="nul-in-author"),
        pytest.param({"body": LONG_BODY + "\x00"}, "body", id="nul-in-body"),
        pytest.param({"email": "a\x00@example.com"}, "email", id="nul-in-email"),
        pytest.param({"author": "\ud800"}, "author", id="lone-high-surrogate-author"),
        pytest.param({"author": "x\udfff"}, "author", id="lone-low-surrogate-author"),
        pytest.param({"body": LONG_BODY + "\udc00\ud800"}, "body", id="reversed-pair-body"),
        pytest.param({"email": "\ud83d@example.com"}, "email", id="lone-surrogate-email"),
        pytest.param({"body": LONG_BODY + "\x1b[31m"}, "body", id="ansi-escape"),
        pytest.param({"author": "del\x7f"}, "author", id="delete-character"),
        pytest.param({"author": "\u200b\u2060\ufeff"}, "author", id="only-invisible"),
        pytest.param({"author": "\U0001f642" * 81}, "author", id="81-emoji"),
        pytest.param({"author": "x" * 10_000}, "author", id="10000-character-author"),
        pytest.param({"body": "x" * 60_000}, "body", id="60000-character-body"),
        pytest.param({"email": "a@b.example\r\nBcc: victim@example.com"}, "email", id="crlf-email"),
        pytest.param({"email": "a" * 250 + "@b.example"}, "email", id="long-email"),
        pytest.param({"email": "<script>@x"}, "email", id="markup-email"),
        pytest.param({"author": None}, "author", id="author-null"),
        pytest.param({"author": {}}, "author", id="author-object"),
        pytest.param({"author": True}, "author", id="author-true"),
        pytest.param({"body": 1.5}, "body", id="body-float"),
        pytest.param({"body": [LONG_BODY]}, "body", id="body-array"),
        pytest.param({"body": None}, "body", id="body-null"),
        pytest.param({"email": []}, "email", id="email-array"),
        pytest.param({"email": True}, "email", id="email-true"),
        pytest.param({"token": []}, "token", id="token-array"),
        pytest.param({"token": {"a": 1}}, "token", id="token-object"),
        pytest.param({"token": False}, "token", id="token-false"),
        pytest.param({"parent_id": 1.0}, "parent_id", id="parent-float"),
        pytest.param({"parent_id": 1.5}, "parent_id", id="parent-fraction"),
        pytest.param({"parent_id": 0}, "parent_id", id="parent-zero"),
        pytest.param({"parent_id": 2**31}, "parent_id", id="parent-past-int32"),
        pytest.param({"parent_id": 2**31 - 1}, "parent_id", id="parent-max-int32-missing"),
        pytest.param({"parent_id": [1]}, "parent_id", id="parent-array"),
        pytest.param({"parent_id": {"id": 1}}, "parent_id", id="parent-object"),
        pytest.param({"parent_id": "1; DROP TABLE comments"}, "parent_id", id="parent-sql"),
    ],
)
def test_a_field_of_the_wrong_type_or_content_is_422_for_that_field(
    client: FlaskClient, unchanged: None, fields: dict[str, Any], field: str
) -> None:
    payload = {"author": "Priya S", "body": text(field), "token": form_token(client, "a1")}
    payload.update(fields)
    body = json.dumps(payload).encode()
    assert len(body) <= 64 * KiB

    data = assert_refused(post_raw(client, body), 422, "validation_failed")

    assert field in data["fields"]


# --- invisible and direction-changing text ------------------------------------------

# Each reorders the text around it, or shows nothing at all.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_MARKS = "\u200e\u200f\u061c"  # fine in comment text, not in names
INVISIBLE = "\u200b\u2060\u00ad\u180e\u2061\u2062\u2063\u2064\u206a\u206f\ufff9\U0001d173"
FILLERS = "\u3164\u115f\u1160\uffa0"
TAGS = "\U000e0001\U000e0020\U000e0041\U000e007f"


def _name_rows() -> list[Any]:
    rows = [
        pytest.param(f"Ines{c}Calloway", id=f"name-with-U+{ord(c):04X}")
        for c in BIDI_CONTROLS + BIDI_MARKS + INVISIBLE + FILLERS + TAGS
    ]
    return [
        *rows,
        pytest.param("\u202eyawollaC senI", id="reversed-to-read-Ines-Calloway"),
        pytest.param("\u2067\u0645\u0631\u064a\u0645\u2069 admin", id="isolate-around-arabic"),
        pytest.param("\u3164", id="only-a-hangul-filler"),
        pytest.param("\u3164\uffa0\u115f\u1160", id="only-fillers"),
        pytest.param("\u200b" * 5 + "\u3164", id="zero-width-spaces-and-a-filler"),
        pytest.param("\U000e0041\U000e0042\U000e0043", id="only-tag-characters"),
        pytest.param("Admin\U000e0041\U000e0042", id="tags-after-a-name"),
        pytest.param("\u200d", id="only-a-joiner"),
        pytest.param("Ines \u200d Calloway", id="joiner-between-spaces"),
        pytest.param("\u0301\u0301", id="only-combining-marks"),
        pytest.param("!!! ...", id="only-punctuation"),
        pytest.param("\U0001f642", id="only-an-emoji"),
        pytest.param("\u2800\u2800", id="only-braille-blanks"),
    ]


@pytest.mark.parametrize("author", _name_rows())
def test_a_name_that_hides_or_reorders_text_or_shows_no_letter_is_422(
    client: FlaskClient, unchanged: None, author: str
) -> None:
    body = json.dumps({"author": author, "body": text("name"), "token": form_token(client, "a1")})

    data = assert_refused(post_raw(client, body.encode()), 422, "validation_failed")

    assert list(data["fields"]) == ["author"]


@pytest.mark.parametrize(
    "author", [pytest.param(f"Ines{c}Calloway", id=f"U+{ord(c):04X}") for c in "\u202e\u3164"]
)
def test_the_refusal_names_the_hidden_character(client: FlaskClient, author: str) -> None:
    response = post_raw(client, json.dumps({"author": author, "body": text("named")}).encode())

    (message,) = response.get_json()["fields"]["author"]
    assert f"U+{ord(author[4]):04X}" in message and "invisible or direction-changing" in message


def _body_rows() -> list[Any]:
    rows = [
        pytest.param(f"{LONG_BODY}x{c}y", id=f"body-with-U+{ord(c):04X}")
        for c in BIDI_CONTROLS + INVISIBLE + TAGS
    ]
    return [
        *rows,
        pytest.param("\U000e0041" * 60, id="only-tag-characters"),
        pytest.param(LONG_BODY + "\U000e0041" * 60, id="a-tail-of-tag-characters"),
        pytest.param("\u3164" * 60, id="only-hangul-fillers"),
        pytest.param("Short, real text." + "\u3164\uffa0" * 20, id="fillers-making-up-the-minimum"),
        pytest.param("Short, real text." + "\u200f" * 40, id="marks-making-up-the-minimum"),
        pytest.param(f"{LONG_BODY} \u200d word", id="joiner-outside-a-word"),
        pytest.param(f"{LONG_BODY}\U0001f3f4\U000e0067\U000e0062", id="flag-without-cancel-tag"),
    ]


@pytest.mark.parametrize("body", _body_rows())
def test_comment_text_that_hides_or_reorders_text_is_422(
    client: FlaskClient, unchanged: None, body: str
) -> None:
    payload = json.dumps({"author": "Priya S", "body": body, "token": form_token(client, "a1")})

    data = assert_refused(post_raw(client, payload.encode()), 422, "validation_failed")

    assert list(data["fields"]) == ["body"]


ZWJ_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
HEART_ON_FIRE = "\u2764\ufe0f\u200d\U0001f525"
PERSIAN_NAME = "\u0639\u0644\u06cc\u200c\u0631\u0636\u0627"  # Ali-Reza, with a ZWNJ
PERSIAN_WORD = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ


@pytest.mark.parametrize(
    ("author", "body"),
    [
        pytest.param("Zo\u00eb", text("name"), id="name-Zoe-diaeresis"),
        pytest.param("Zoe\u0308", text("name"), id="name-with-a-combining-diaeresis"),
        pytest.param("Jos\u00e9", text("name"), id="name-Jose"),
        pytest.param("\u674e\u5c0f\u9f99", text("name"), id="name-chinese"),
        pytest.param("\u0645\u062d\u0645\u062f", text("name"), id="name-arabic"),
        pytest.param("O'Brien", text("name"), id="name-apostrophe"),
        pytest.param(PERSIAN_NAME, text("name"), id="name-persian-zwnj"),
        pytest.param(f"Ana {ZWJ_FAMILY}", text("name"), id="name-with-an-emoji-sequence"),
        pytest.param(f"Fiona {SCOTLAND}", text("name"), id="name-with-a-tagged-flag"),
        pytest.param("R2-D2", text("name"), id="name-letters-and-digits"),
        pytest.param("Priya S", f"{LONG_BODY} {ZWJ_FAMILY} {HEART_ON_FIRE}", id="emoji-zwj"),
        pytest.param("Priya S", f"{LONG_BODY} \u0915\u094d\u200d\u0937", id="hindi-zwj"),
        pytest.param("Priya S", f"{LONG_BODY} \u0915\u094d\u200c\u0937", id="hindi-zwnj"),
        pytest.param("Priya S", f"{LONG_BODY} {PERSIAN_WORD}", id="persian-zwnj"),
        pytest.param("Priya S", f"{LONG_BODY} Go {SCOTLAND}!", id="tagged-flag"),
        pytest.param("Priya S", f"{LONG_BODY} \u05e2\u05d1\u05e8\u05d9\u05ea\u200f.", id="rlm"),
        pytest.param("Priya S", f"{LONG_BODY} \u0600\u0661\u0662", id="arabic-number-sign"),
    ],
)
def test_names_and_text_of_every_script_stay_accepted_byte_exact(
    client: FlaskClient, author: str, body: str
) -> None:
    payload = json.dumps({"author": author, "body": body, "token": form_token(client, "a1")})

    response = post_raw(client, payload.encode())

    assert response.status_code == 201, response.get_json()
    (listed,) = client.get(comments_url("a1")).get_json()["comments"]
    assert (listed["author"], listed["body"]) == (author, body)


def test_a_body_with_infinity_as_parent_id_is_422(client: FlaskClient, unchanged: None) -> None:
    body = json.dumps({"author": "a", "body": text("inf")})[:-1] + ', "parent_id": 1e400}'
    data = assert_refused(post_raw(client, body.encode()), 422, "validation_failed")
    assert list(data["fields"]) == ["parent_id"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("\ud800", id="lone-surrogate"),
        pytest.param("A" * 10_000, id="10000-characters"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("é.é.é", id="non-ascii"),
        pytest.param("..", id="only-separators"),
        pytest.param('{"alg":"none"}', id="json"),
    ],
)
def test_a_hostile_token_is_held_for_moderation_never_published(
    app: Flask, client: FlaskClient, token: str
) -> None:
    """The contract: a post without a valid token is held (202), not refused."""
    body = json.dumps({"author": "Priya S", "body": text(f"token {len(token)}"), "token": token})

    response = post_raw(client, body.encode())

    assert response.status_code == 202, response.get_data(as_text=True)[:300]
    assert response.get_json()["status"] == "pending"
    assert [status for _id, _a, status, _b in rows(app)] == [Status.PENDING]
    assert client.get(comments_url("a1")).get_json()["total"] == 0


def test_unknown_fields_cannot_set_what_the_server_decides(app: Flask, client: FlaskClient) -> None:
    forged = {
        "id": 424242,
        "article_id": "someone-else",
        "status": "published",
        "reason": None,
        "created_at": "1999-01-01T00:00:00Z",
        "sender_hash": "f" * 32,
        "user_agent": "forged",
        "__proto__": {"is_admin": True},
        "constructor": {"prototype": {"x": 1}},
    }
    held = post_raw(client, json.dumps({"author": "a", "body": text("held"), **forged}).encode())
    token = form_token(client, "a1")
    published = post_raw(
        client,
        json.dumps({"author": "a", "body": text("pub"), "token": token, **forged}).encode(),
    )

    assert held.status_code == 202  # "status": "published" does not publish
    assert published.status_code == 201
    comment = published.get_json()
    assert comment["id"] != 424242
    assert comment["created_at"] != "1999-01-01T00:00:00Z"
    with app.app_context():
        stored = db.session.get(Comment, comment["id"])
        assert stored.article_id == "a1"
        assert stored.sender_hash != "f" * 32
        assert stored.user_agent != "forged"


def test_a_nul_in_the_user_agent_is_not_stored(app: Flask, client: FlaskClient) -> None:
    token = form_token(client, "a1")
    response = client.post(
        comments_url("a1"),
        json={"author": "a", "body": text("ua"), "token": token},
        headers={"User-Agent": "Bot\x00/1.0 " + "x" * 100_000},
    )

    assert response.status_code == 201
    with app.app_context():
        user_agent = db.session.get(Comment, response.get_json()["id"]).user_agent
    assert user_agent.startswith("Bot/1.0 ") and len(user_agent) == 512


def test_a_post_without_a_user_agent_is_stored_with_an_empty_one(
    app: Flask, client: FlaskClient
) -> None:
    token = form_token(client, "a1")
    client.environ_base.pop("HTTP_USER_AGENT", None)  # the test client sends one of its own
    response = client.post(
        comments_url("a1"), json={"author": "a", "body": text("no-ua"), "token": token}
    )

    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Comment, response.get_json()["id"]).user_agent == ""


@pytest.mark.parametrize(
    "origin",
    ["null", "https://a.example\r\nSet-Cookie: x=1", "\x00", "https://" + "a" * 10_000, "*"],
)
def test_a_hostile_origin_is_403_and_not_reflected(
    client: FlaskClient, unchanged: None, origin: str
) -> None:
    response = client.post(
        comments_url("a1"),
        json={"author": "a", "body": text("origin"), "token": form_token(client, "a1")},
        environ_overrides={"HTTP_ORIGIN": origin},  # headers= refuses CR/LF itself
    )

    assert_refused(response, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert len(response.get_data()) < 1000


# --- replies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("article_id", "status"),
    [
        pytest.param("other", Status.PUBLISHED, id="published-on-another-article"),
        pytest.param("A1", Status.PUBLISHED, id="published-on-an-article-differing-in-case"),
        pytest.param("a1", Status.SPAM, id="spam"),
        pytest.param("a1", Status.PENDING, id="held"),
        pytest.param("a1", Status.DELETED, id="deleted"),
    ],
)
def test_a_reply_to_a_comment_that_is_not_published_here_is_422(
    app: Flask, client: FlaskClient, article_id: str, status: Status
) -> None:
    with app.app_context():
        parent = Comment(
            article_id=article_id, author="x", body=LONG_BODY, status=status, sender_hash="s"
        )
        db.session.add(parent)
        db.session.commit()
        parent_id = parent.id
    before = rows(app)
    payload = {"author": "a", "body": text("reply"), "token": form_token(client, "a1")}

    response = post_raw(client, json.dumps({**payload, "parent_id": parent_id}).encode())

    data = assert_refused(response, 422, "validation_failed")
    assert list(data["fields"]) == ["parent_id"]
    assert rows(app) == before


# --- the listing's query -----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        *[
            pytest.param(f"limit={value}", "limit", id=f"limit-{name}")
            for name, value in [
                ("plus", "%2B5"),
                ("leading-space", "%205"),
                ("trailing-space", "5%20"),
                ("hex", "0x10"),
                ("exponent", "1e1"),
                ("decimal", "5.0"),
                ("arabic-indic-digit", "%D9%A5"),
                ("minus-zero", "-0"),
                ("huge-negative", "-" + "9" * 40),
                ("5000-digits", "9" * 5000),
                ("nul", "%00"),
                ("digit-then-nul", "5%00"),
                ("list", "1,2"),
                ("json", "%5B5%5D"),
                ("null", "null"),
                ("invalid-percent", "%ZZ"),
                ("invalid-utf8", "%FF"),
            ]
        ],
        *[
            pytest.param(f"sort={value}", "sort", id=f"sort-{name}")
            for name, value in [
                ("upper", "NEWEST"),
                ("padded", "newest%20"),
                ("nul", "newest%00"),
                ("sql", "id%20DESC"),
                ("twice", "newest&sort=oldest"),
            ]
        ],
        pytest.param("cursor=a&cursor=b", "cursor", id="cursor-twice"),
    ],
)
def test_a_hostile_limit_or_sort_is_400_naming_it(
    client: FlaskClient, query: str, parameter: str
) -> None:
    data = assert_refused(client.get(comments_url("a1") + "?" + query), 400, "invalid_parameter")
    assert data["parameter"] == parameter


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        b64(b"o:5"),  # a cursor of the other sort order
        b64(b"n:0"),
        b64(b"n:-1"),
        b64(b"n:abc"),
        b64(b"n:"),
        b64(b":5"),
        b64(b"n:5:6"),
        b64(b"n: 5"),
        b64(b"n:+5"),
        b64(b"n:5\n"),
        b64(b"n:" + b"9" * 20),  # past 2**62
        b64("n:\u0665".encode()),  # an Arabic-Indic five
        b64(b"\xff\xfe\x00\x01"),
        b64(b'{"after": 5}'),
        b64(b"n:1' OR '1'='1"),
        "%00",
        "%C3%A9",
        "n:5",  # the plain text, not encoded
        "====",
        "a",
        "A" * 33,
        "..%2F..%2Fetc%2Fpasswd",
        "%F0%9F%99%82",
        "null",
        "undefined",
    ],
)
def test_a_garbage_cursor_is_400(client: FlaskClient, cursor: str) -> None:
    data = assert_refused(
        client.get(comments_url("a1") + "?sort=newest&cursor=" + cursor), 400, "invalid_parameter"
    )
    assert data["parameter"] == "cursor"


def test_every_one_character_tampering_of_a_real_cursor_is_a_page_or_a_400(
    app: Flask, client: FlaskClient
) -> None:
    """Cursors are positions, not secrets: a tampered one is either another
    valid position (a page of published comments) or refused; never a 500."""
    with app.app_context():
        db.session.add_all(
            Comment(article_id="a1", author=f"R{i}", body=LONG_BODY, sender_hash="s")
            for i in range(12)
        )
        articles.ensure("a1")
        articles.adjust({"a1": 12})
        db.session.commit()
        published = set(db.session.scalars(select(Comment.id)))
    real = client.get(comments_url("a1") + "?limit=5").get_json()["next_cursor"]
    assert real
    outcomes: dict[int, int] = {}
    for position in range(len(real)):
        for replacement in "AZaz09-_=.~%":
            tampered = real[:position] + replacement + real[position + 1 :]
            response = client.get(comments_url("a1") + "?limit=5&cursor=" + tampered)
            outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
            if response.status_code == 200:
                listed = {c["id"] for c in response.get_json()["comments"]}
                assert listed <= published
            else:
                assert_refused(response, 400, "invalid_parameter")
    assert set(outcomes) <= {200, 400}
    assert outcomes.get(400), "some tamperings must be refused"


# --- article ids and paths ---------------------------------------------------

HOSTILE_IDS = [
    "a%2Fb",
    "a%2fb",
    "%2F",
    "a%2F%2Fb",
    "a//b",
    ".",
    "..",
    "...",
    "a/../b",
    "%2e%2e",
    "%2E%2E%2Fadmin",
    "%252e%252e",
    "%252F",
    "%25",
    "%00",
    "a%00",
    "a%0Ab",
    "a%0D%0ASet-Cookie:%20x=1",
    "%C0%AE%C0%AE",
    "%FF",
    "%E2%80%AEa",
    "a%20b",
    "%20a",
    "a+b",
    "a%3Bb",
    "a%3Fb",
    "a%23b",
    "a%5Cb",
    "a'b",
    "a%22b",
    "%3Cscript%3E",
    "~a",
    "_a",
    "-a",
    ":a",
    "%EF%BD%81",  # full-width a
    "%E2%84%AA",  # the Kelvin sign, which case-folds to K
    "a" * 129,
    "a" * 10_000,
]


@pytest.mark.parametrize("article_id", HOSTILE_IDS)
def test_a_hostile_article_id_is_400_for_listing_and_posting(
    client: FlaskClient, unchanged: None, article_id: str
) -> None:
    listing = client.get(comments_url(article_id))
    posting = client.post(
        comments_url(article_id), json={"author": "a", "body": text(article_id[:20])}
    )

    for response in (listing, posting):
        assert_refused(response, 400, "invalid_article_id")


@pytest.mark.parametrize("article_id", [i for i in HOSTILE_IDS if "/" not in i])
def test_a_hostile_article_id_is_400_for_counts(client: FlaskClient, article_id: str) -> None:
    response = client.get("/api/v1/counts?article_id=ok&article_id=" + article_id)
    assert_refused(response, 400, "invalid_article_id")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles//comments",
        "/api/v1//articles/a1/comments",
        "/api//v1/counts",
        "/api/v1/articles/a1/comments/",
        "/api/v1/articles/a1/comments/%2e%2e",
        "/api/v1/articles/a1",
        "/api/v1/articles",
        "/api/v1/counts/",
        "/api/v1/openapi.json/",
        "/api/v1/%2e%2e/admin",
        "/api/v1/articles/a1/comments%00",
        "/api/",
    ],
)
def test_an_odd_path_under_the_api_is_a_json_404_not_a_redirect(
    client: FlaskClient, path: str
) -> None:
    for response in (client.get(path), client.post(path, json={})):
        assert_refused(response, 404, "not_found")


def test_counts_refuse_5000_ids_and_a_renamed_parameter(client: FlaskClient) -> None:
    many = "&".join(["article_id=a"] * 5000)
    assert_refused(client.get(f"/api/v1/counts?{many}"), 400, "invalid_parameter")
    assert_refused(client.get("/api/v1/counts?article_id[]=a"), 400, "invalid_parameter")
    assert_refused(client.get("/api/v1/counts?article_id="), 400, "invalid_article_id")


# --- methods -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/v1/articles/a1/comments"),
        ("TRACE", "/api/v1/articles/a1/comments"),
        ("PROPFIND", "/api/v1/articles/a1/comments"),
        ("FOO", "/api/v1/articles/a1/comments"),
        ("PUT", "/api/v1/counts"),
        ("DELETE", "/api/v1/counts"),
        ("POST", "/api/v1/openapi.json"),
        ("DELETE", "/api/v1/openapi.json"),
        ("POST", "/healthz"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(
    client: FlaskClient, unchanged: None, method: str, path: str
) -> None:
    response = client.open(path, method=method, json={"author": "a", "body": LONG_BODY})

    assert_refused(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]


# --- over a raw socket, to a real gunicorn -----------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    folder = tmp_path_factory.mktemp("hostile")
    env = server_env(folder)
    migrate(env)
    with Gunicorn(env, workers=1, threads=1) as server:
        yield server


def _stored(server: Gunicorn) -> int:
    path = Path(server.env["COMMENTS_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]


POST = b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
JSON_TYPE = b"Content-Type: application/json\r\n"
BODY = json.dumps({"author": "a", "body": text("raw")}).encode()
LENGTH = b"Content-Length: %d\r\n" % len(BODY)


def chunked(body: bytes, size: int = 64 * KiB) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


# name: (request, status). The app answers JSON; gunicorn its own HTML.
RAW_CASES: dict[str, tuple[bytes, int | tuple[int, ...]]] = {
    "header-value-with-bare-CR": (POST + JSON_TYPE + LENGTH + b"X-A: a\rb\r\n\r\n" + BODY, 400),
    "header-value-with-bare-LF": (
        POST + JSON_TYPE + LENGTH + b"X-A: a\nX-B: b\r\n\r\n" + BODY,
        400,
    ),
    "header-value-with-NUL": (
        POST + JSON_TYPE + LENGTH + b"User-Agent: a\x00b\r\n\r\n" + BODY,
        400,
    ),
    "CRLF-smuggled-header": (
        POST
        + JSON_TYPE
        + LENGTH
        + b"Origin: https://evil.example\r\nSet-Cookie: a=b\r\n\r\n"
        + BODY,
        403,
    ),
    "obsolete-line-folding": (POST + JSON_TYPE + LENGTH + b"X-A: a\r\n b\r\n\r\n" + BODY, 400),
    "space-in-a-header-name": (POST + JSON_TYPE + LENGTH + b"X A: a\r\n\r\n" + BODY, 400),
    "content-type-with-NUL": (
        POST + b"Content-Type: application/json\x00\r\n" + LENGTH + b"\r\n" + BODY,
        400,
    ),
    "a-20-KB-header": (POST + JSON_TYPE + LENGTH + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
    "300-headers": (
        POST + JSON_TYPE + LENGTH + b"".join(b"X-%d: a\r\n" % i for i in range(300)) + b"\r\n",
        431,
    ),
    "absurd-content-length": (
        POST + JSON_TYPE + b"Content-Length: " + b"9" * 30 + b"\r\n\r\n",
        413,
    ),
    "negative-content-length": (POST + JSON_TYPE + b"Content-Length: -1\r\n\r\n" + BODY, 400),
    "content-length-not-a-number": (POST + JSON_TYPE + b"Content-Length: 1e3\r\n\r\n" + BODY, 400),
    "two-content-lengths": (
        POST + JSON_TYPE + LENGTH + b"Content-Length: 5\r\n\r\n" + BODY,
        400,
    ),
    "content-length-and-chunked": (
        POST + JSON_TYPE + LENGTH + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(BODY),
        400,
    ),
    "content-length-says-fewer-bytes": (
        POST + JSON_TYPE + b"Content-Length: 10\r\n\r\n" + BODY,
        400,
    ),
    "content-length-says-more-bytes": (
        POST + JSON_TYPE + b"Content-Length: 1000\r\n\r\n" + BODY[:40],
        400,
    ),
    "10-MB-with-content-length": (
        POST + JSON_TYPE + b"Content-Length: %d\r\n\r\n" % len(TEN_MB) + TEN_MB,
        413,
    ),
    "10-MB-chunked-without-length": (
        POST + JSON_TYPE + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(TEN_MB),
        413,
    ),
    "chunk-size-not-hex": (
        POST + JSON_TYPE + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        400,
    ),
    "chunk-extension-with-NUL": (
        POST + JSON_TYPE + b"Transfer-Encoding: chunked\r\n\r\n2;\x00\r\n{}\r\n0\r\n\r\n",
        400,
    ),
    "chunked-body-cut-short": (
        POST + JSON_TYPE + b"Transfer-Encoding: chunked\r\n\r\n100\r\n" + BODY[:40],
        400,
    ),
    "unknown-transfer-encoding": (
        POST + JSON_TYPE + b"Transfer-Encoding: gzip\r\n\r\n" + BODY,
        400,
    ),
    "lower-case-method": (b"post" + POST[4:] + JSON_TYPE + LENGTH + b"\r\n" + BODY, 400),
    "NUL-in-the-request-line": (
        b"GET /api/v1/articles/a\x00b/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        400,
    ),
    "raw-8-bit-path": (
        b"GET /api/v1/articles/\xff\xfe/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        400,
    ),
    "a-20-KB-request-line": (
        b"GET /api/v1/articles/" + b"a" * 20_000 + b"/comments HTTP/1.1\r\nHost: x\r\n\r\n",
        (414, 400),  # gunicorn's limit, or the app's if gunicorn.conf.py lifts it
    ),
    "http-0.9": (b"GET /api/v1/counts?article_id=a\r\n\r\n", 400),
    "http-2-preface": (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    "two-host-headers": (
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
        400,
    ),
}


@pytest.mark.server
@pytest.mark.parametrize("name", list(RAW_CASES))
def test_malformed_http_to_a_real_server_is_a_4xx_and_stores_nothing(
    live: Gunicorn, name: str
) -> None:
    request, expected = RAW_CASES[name]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    before = _stored(live)

    status, headers, body = split_response(raw_http(live.port, request))

    assert status in allowed, body[:300]
    assert b"Traceback" not in body and b'File "' not in body
    assert "set-cookie" not in headers
    if headers.get("content-type", "").startswith("application/json"):
        data = json.loads(body)
        assert data["error"] and data["message"]
    else:  # gunicorn refused it before the app saw it
        assert headers.get("content-type", "").startswith("text/html"), headers
        assert status != 413, "the app's own refusals are JSON"
    assert _stored(live) == before
    assert b'"status":"ok"' in raw_http(
        live.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )


@pytest.mark.server
def test_a_valid_post_over_the_raw_socket_is_stored(live: Gunicorn) -> None:
    """The control for the cases above: the same request, well formed, works."""
    before = _stored(live)
    status, headers, _body = split_response(
        raw_http(live.port, POST + JSON_TYPE + LENGTH + b"\r\n" + BODY)
    )
    assert status == 202  # no token: held
    assert headers["content-type"] == "application/json"
    assert _stored(live) == before + 1
