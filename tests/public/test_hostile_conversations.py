"""The hostile-input tables, run against every route conversations added:
replies, edits and deletes, likes and reports. Each answer is the JSON error
the contract names, never a 500 or a page, and nothing is stored or changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget.extensions import db
from widget.models import Comment, Like, Report

from ..conftest import LONG_BODY, assert_refused, comments_url, post_comment
from .test_hostile_input import HOSTILE_IDS
from .test_likes import set_status

VOTER = "v" * 20


def state(app: Flask) -> tuple[list[tuple[Any, ...]], int, int]:
    with app.app_context():
        comments = [
            (c.id, c.status, c.body, c.author, c.likes, c.edited_at)
            for c in db.session.scalars(select(Comment).order_by(Comment.id))
        ]
        likes = len(db.session.scalars(select(Like.id)).all())
        reports = len(db.session.scalars(select(Report.id)).all())
    return comments, likes, reports


@pytest.fixture
def target(app: Flask, client: FlaskClient) -> Iterator[dict[str, Any]]:
    """A published comment with its edit token; the test must leave it as it was."""
    posted = post_comment(client, "a1").get_json()
    before = state(app)
    yield posted
    assert state(app) == before


def writes(comment_id: int | str, token: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, headers) of every write about one comment."""
    base = f"{comments_url('a1')}/{comment_id}"
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        ("PATCH", base, bearer),
        ("POST", f"{base}/likes", {}),
        ("DELETE", f"{base}/likes", {}),
        ("POST", f"{base}/reports", {}),
    ]


BAD_BODIES = [
    pytest.param(b"", id="empty"),
    pytest.param(b"{", id="cut-short"),
    pytest.param(b"[]", id="array"),
    pytest.param(b"null", id="null"),
    pytest.param(b'"voter"', id="string"),
    pytest.param(b'{"voter": "a", "voter": "b"}', id="duplicate-key"),
    pytest.param(b'{"body": NaN}', id="NaN"),
    pytest.param(b'{"voter": "\xff\xfe"}', id="non-utf8"),
    pytest.param(b'{"x":' * 10_000 + b"1" + b"}" * 10_000, id="nested-10000-deep"),
    pytest.param(b"\x00" * 100, id="nul-bytes"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_body_that_is_not_a_json_object_is_400_on_every_write(
    client: FlaskClient, target: dict[str, Any], body: bytes
) -> None:
    for method, path, headers in writes(target["id"], target["edit_token"]):
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=headers
        )
        assert_refused(response, 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_not_labelled_json_is_415_on_every_write(
    client: FlaskClient, target: dict[str, Any], content_type: str
) -> None:
    for method, path, headers in writes(target["id"], target["edit_token"]):
        response = client.open(
            path, method=method, data=b'{"voter": "x"}', content_type=content_type, headers=headers
        )
        assert_refused(response, 415, "unsupported_media_type")


def test_a_10_mb_body_is_413_on_every_write(client: FlaskClient, target: dict[str, Any]) -> None:
    huge = b'{"voter": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    for method, path, headers in writes(target["id"], target["edit_token"]):
        response = client.open(
            path, method=method, data=huge, content_type="application/json", headers=headers
        )
        assert_refused(response, 413, "payload_too_large")


@pytest.mark.parametrize("article_id", [i for i in HOSTILE_IDS if "/" not in i][:30])
def test_a_hostile_article_id_is_400_on_every_new_route(
    client: FlaskClient, target: dict[str, Any], article_id: str
) -> None:
    base = f"{comments_url(article_id)}/{target['id']}"
    requests = [
        ("GET", f"{base}/replies", None),
        ("PATCH", base, {"body": LONG_BODY}),
        ("DELETE", base, None),
        ("POST", f"{base}/likes", {"voter": VOTER}),
        ("DELETE", f"{base}/likes", {"voter": VOTER}),
        ("POST", f"{base}/reports", {"voter": VOTER, "reason": "spam"}),
    ]
    for method, path, body in requests:
        headers = {"Authorization": f"Bearer {target['edit_token']}"}
        response = client.open(path, method=method, json=body, headers=headers)
        assert_refused(response, 400, "invalid_article_id")


@pytest.mark.parametrize(
    "comment_id",
    [
        "0",
        "-1",
        "1.5",
        "1e3",
        "0x1",
        "%00",
        "%20",
        "a",
        "999",
        "2147483648",
        str(2**64),
        "9" * 400,
        "\uff11",
        "\u0661",
    ],  # full-width and Arabic-Indic 1
)
def test_a_hostile_comment_id_is_a_json_404_on_every_new_route(
    client: FlaskClient, target: dict[str, Any], comment_id: str
) -> None:
    base = f"{comments_url('a1')}/{comment_id}"
    for method, path in [
        ("GET", f"{base}/replies"),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/likes"),
        ("DELETE", f"{base}/likes"),
        ("POST", f"{base}/reports"),
    ]:
        response = client.open(
            path,
            method=method,
            json={"voter": VOTER, "reason": "spam", "body": LONG_BODY},
            # The edit token where it means something; on likes and reports a
            # bearer token is a reader's sign-in (tests/public/test_sso.py).
            headers={"Authorization": f"Bearer {target['edit_token']}"} if path == base else {},
        )
        assert_refused(response, 404, "not_found")


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 8000,
        "Bearer \x00",
        "Bearer tok\u00e9n",
        "Bearer a b",
        "bearer",
        "Token abc",
    ],
)
def test_a_hostile_authorization_is_403_not_author(
    client: FlaskClient, target: dict[str, Any], authorization: str
) -> None:
    base = f"{comments_url('a1')}/{target['id']}"
    headers = {"Authorization": authorization} if authorization else {}
    for method, body in (("PATCH", {"body": LONG_BODY + " changed"}), ("DELETE", None)):
        response = client.open(base, method=method, json=body, headers=headers)
        assert_refused(response, 403, "not_author")


NO_VOTER = object()


@pytest.mark.parametrize(
    "voter",
    [
        NO_VOTER,
        None,
        "",
        "short",
        "x" * 15,
        "x" * 65,
        "a b" * 10,
        "é" * 20,
        "box-voter-000000001\n",
        "box-voter-0000000001' OR '1'='1",
        12345678901234567,
        ["v" * 20],
        "\x00" * 20,
    ],
)
def test_a_hostile_voter_is_422_for_likes_and_reports(
    client: FlaskClient, target: dict[str, Any], voter: Any
) -> None:
    base = f"{comments_url('a1')}/{target['id']}"
    body = {"reason": "spam"} if voter is NO_VOTER else {"voter": voter, "reason": "spam"}
    for method, path in (("POST", "likes"), ("DELETE", "likes"), ("POST", "reports")):
        response = client.open(f"{base}/{path}", method=method, json=body)
        data = assert_refused(response, 422, "validation_failed")
        assert set(data["fields"]) == {"voter"}


@pytest.mark.parametrize("status", ["pending", "spam", "deleted"])
def test_only_a_published_comment_can_be_liked_or_reported(
    app: Flask, client: FlaskClient, status: str
) -> None:
    """Editing is not refused: the author may edit a held comment (test_edits.py)."""
    comment_id = post_comment(client, "a1").get_json()["id"]
    set_status(app, comment_id, status)
    before = state(app)

    base = f"{comments_url('a1')}/{comment_id}"
    for method, path in (("POST", "likes"), ("DELETE", "likes"), ("POST", "reports")):
        response = client.open(
            f"{base}/{path}", method=method, json={"voter": VOTER, "reason": "spam"}
        )
        assert_refused(response, 404, "not_found")
    assert state(app) == before
