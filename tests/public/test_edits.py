"""PATCH and DELETE /api/v1/articles/<id>/comments/<cid>: the author, with the
edit token the post was answered with, changes or removes a comment while the
window is open (contract 1.1, "Author edits")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from widget.extensions import db
from widget.models import Comment, body_hash
from widget.moderation import actions, bans, rules
from widget.moderation.selection import Selection
from widget.public import edits

from ..conftest import (
    LONG_BODY,
    assert_refused,
    comments_url,
    make_app,
    post_comment,
    posted,
    stored_comment,
)

pytestmark = pytest.mark.usefixtures("backend")  # every test on SQLite and PostgreSQL

ARTICLE = "a1"
NEW_BODY = "A corrected comment: the minister said Tuesday, not Thursday, as I wrote first."
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PUBLIC_KEYS = {
    "id",
    "parent_id",
    "author",
    "body",
    "created_at",
    "edited_at",
    "likes",
    "verified",
    "staff",
    "editable_until",
}


def url(comment_id: object, article_id: str = ARTICLE) -> str:
    return f"/api/v1/articles/{article_id}/comments/{comment_id}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def edit(client: FlaskClient, comment: dict[str, Any], body: str = NEW_BODY, **fields: Any):
    return client.patch(
        url(comment["id"]), json={"body": body, **fields}, headers=bearer(comment["edit_token"])
    )


def delete(client: FlaskClient, comment: dict[str, Any]):
    return client.delete(url(comment["id"]), headers=bearer(comment["edit_token"]))


def listing(client: FlaskClient) -> dict[str, Any]:
    return client.get(comments_url(ARTICLE)).get_json()


# --- editing ----------------------------------------------------------------------


def test_an_edit_in_the_window_is_listed_with_its_time_and_a_new_etag(
    app: Flask, client: FlaskClient
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        comment = posted(client)
        before = client.get(comments_url(ARTICLE))
        traveller.shift(60)

        response = edit(client, comment)

    assert response.status_code == 200
    answer = response.get_json()
    assert set(answer) == PUBLIC_KEYS
    assert answer["body"] == NEW_BODY
    assert answer["author"] == "Priya S"  # no author given: the name stays
    assert answer["edited_at"] == "2026-03-01T12:01:00Z"
    assert answer["editable_until"] == comment["editable_until"] == "2026-03-01T12:15:00Z"
    after = client.get(comments_url(ARTICLE), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # not 304: the reader's copy is stale
    assert after.headers["ETag"] != before.headers["ETag"]
    (listed,) = after.get_json()["comments"]
    assert listed["body"] == NEW_BODY
    assert listed["edited_at"] == "2026-03-01T12:01:00Z"
    assert after.get_json()["total"] == 1
    row = stored_comment(app, comment["id"])
    assert row.edit_count == 1
    assert row.body_hash == body_hash(NEW_BODY)  # the duplicate defence finds the new text


def test_an_edit_may_change_the_name_and_is_trimmed_as_a_post_is(client: FlaskClient) -> None:
    comment = posted(client)

    response = edit(client, comment, body=f"  {NEW_BODY}\n", author="  Priya Sharma ")

    assert response.status_code == 200
    assert response.get_json()["author"] == "Priya Sharma"
    assert listing(client)["comments"][0]["body"] == NEW_BODY


def test_editing_a_reply_keeps_it_in_its_thread(client: FlaskClient) -> None:
    parent = posted(client)
    reply = posted(client, parent_id=parent["id"], author="Rohit P")

    response = edit(client, reply)

    assert response.status_code == 200
    assert response.get_json()["parent_id"] == parent["id"]
    (top,) = listing(client)["comments"]
    assert top["reply_count"] == 1
    assert top["replies"][0]["body"] == NEW_BODY
    assert top["replies"][0]["reply_to"] == {"id": parent["id"], "author": "Priya S"}


def test_the_window_closes_after_edit_window_seconds(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        comment = posted(client)
        traveller.shift(900)  # the last second of the window
        assert edit(client, comment).status_code == 200
        traveller.shift(1)

        late_edit = edit(client, comment, body=f"{NEW_BODY} Again.")
        late_delete = delete(client, comment)

    assert_refused(late_edit, 403, "edit_window_closed")
    assert_refused(late_delete, 403, "edit_window_closed")
    assert listing(client)["comments"][0]["body"] == NEW_BODY


def test_the_window_closed_by_the_operator_closes_it_for_earlier_comments(
    app: Flask, client: FlaskClient
) -> None:
    with time_machine.travel(START, tick=False):
        comment = posted(client)
        app.config["EDIT_WINDOW"] = 0

        response = edit(client, comment)

    assert_refused(response, 403, "edit_window_closed")


def test_edit_window_zero_hands_out_no_token_and_allows_no_edit(tmp_path: Any) -> None:
    client = make_app(tmp_path, EDIT_WINDOW=0).test_client()

    comment = posted(client)

    assert comment["edit_token"] is None and comment["editable_until"] is None
    for token in ("null", "None", "x" * 32):
        response = client.patch(url(comment["id"]), json={"body": NEW_BODY}, headers=bearer(token))
        assert_refused(response, 403, "not_author")


@pytest.mark.parametrize("status", ["published", "pending"])
def test_a_reply_shown_or_waiting_closes_the_window(client: FlaskClient, status: str) -> None:
    comment = posted(client)
    token = {} if status == "published" else {"token": None}  # no form token: held
    posted(client, status=201 if status == "published" else 202, parent_id=comment["id"], **token)

    assert_refused(edit(client, comment), 403, "edit_window_closed")
    assert_refused(delete(client, comment), 403, "edit_window_closed")
    assert listing(client)["comments"][0]["body"] == LONG_BODY.strip()


def test_a_reply_marked_as_spam_does_not_close_the_window(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)
    spam = posted(client, parent_id=comment["id"])
    with app.app_context():
        actions.change_status(Selection(ids=(spam["id"],)), "spam", "test")

    assert edit(client, comment).status_code == 200


def test_five_edits_then_no_more_but_delete_still_works(client: FlaskClient) -> None:
    comment = posted(client)
    for n in range(5):
        assert edit(client, comment, body=f"{NEW_BODY} ({n})").status_code == 200

    sixth = edit(client, comment, body=f"{NEW_BODY} (sixth)")

    assert_refused(sixth, 403, "edit_limit_reached")
    assert "5 times" in sixth.get_json()["message"]
    assert listing(client)["comments"][0]["body"] == f"{NEW_BODY} (4)"
    assert delete(client, comment).status_code == 204


def test_an_edit_racing_another_change_stores_nothing_stale(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment = posted(client)
    for n in range(4):
        assert edit(client, comment, body=f"{NEW_BODY} ({n})").status_code == 200
    screen = edits._screen

    def meanwhile_edited(*args: Any) -> Any:
        verdict = screen(*args)
        with db.engine.begin() as other:  # another request's fifth edit lands first
            other.execute(update(Comment).values(edit_count=Comment.edit_count + 1))
        return verdict

    monkeypatch.setattr(edits, "_screen", meanwhile_edited)

    assert_refused(edit(client, comment), 403, "edit_limit_reached")
    assert stored_comment(app, comment["id"]).edit_count == 5


def test_an_edit_racing_a_moderator_changes_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment = posted(client)
    screen = edits._screen

    def meanwhile_spammed(*args: Any) -> Any:
        verdict = screen(*args)
        with db.engine.begin() as other:  # a moderator marks it as spam first
            other.execute(update(Comment).values(status="spam"))
        return verdict

    monkeypatch.setattr(edits, "_screen", meanwhile_spammed)

    assert_refused(edit(client, comment), 404, "not_found")
    row = stored_comment(app, comment["id"])
    assert (row.status, row.body, row.edit_count) == ("spam", LONG_BODY.strip(), 0)


# --- screened like a post ------------------------------------------------------------


def test_an_edit_that_is_held_leaves_the_listing_202(app: Flask, client: FlaskClient) -> None:
    kept = posted(client, author="Anna K")
    comment = posted(client)
    with app.app_context():
        rules.block_phrase("miracle pills", "hold", "test")

    response = edit(client, comment, body=f"{NEW_BODY} Buy miracle pills.")

    assert response.status_code == 202
    answer = response.get_json()
    assert answer["status"] == "pending"
    assert answer["body"] == f"{NEW_BODY} Buy miracle pills."
    assert set(answer) == PUBLIC_KEYS | {"status"}
    page = listing(client)
    assert [c["id"] for c in page["comments"]] == [kept["id"]]
    assert page["total"] == 1
    assert client.get("/api/v1/counts?article_id=a1").get_json()["counts"] == {"a1": 1}
    row = stored_comment(app, comment["id"])
    assert (row.status, row.reason) == ("pending", "blocked_phrase")


def test_a_reply_that_is_held_leaves_its_thread(app: Flask, client: FlaskClient) -> None:
    parent = posted(client)
    reply = posted(client, parent_id=parent["id"])
    with app.app_context():
        rules.block_phrase("miracle pills", "hold", "test")

    assert edit(client, reply, body=f"{NEW_BODY} Buy miracle pills.").status_code == 202

    page = listing(client)
    assert page["total"] == 1
    assert page["comments"][0]["reply_count"] == 0
    assert page["comments"][0]["replies"] == []


@pytest.mark.parametrize("body", [NEW_BODY, f"{NEW_BODY} Buy miracle pills."])
def test_an_edit_never_releases_a_held_comment(app: Flask, client: FlaskClient, body: str) -> None:
    comment = posted(client, status=202, token=None)  # held: token_missing
    with app.app_context():
        rules.block_phrase("miracle pills", "hold", "test")

    response = edit(client, comment, body=body)

    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    assert listing(client)["total"] == 0
    row = stored_comment(app, comment["id"])
    # Still waiting for the reason it first waited for.
    assert (row.status, row.reason, row.body) == ("pending", "token_missing", body)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Too short.", "at least"),
        ("ha " * 40, "repeat"),
        (f"{NEW_BODY} Visit casino royale.", "does not accept"),
    ],
)
def test_an_edit_is_validated_and_refused_as_a_post_is(
    app: Flask, client: FlaskClient, body: str, problem: str
) -> None:
    comment = posted(client)
    with app.app_context():
        rules.block_phrase("casino royale", "reject", "test")

    response = edit(client, comment, body=body)

    assert_refused(response, 422, "validation_failed")
    assert problem in " ".join(response.get_json()["fields"]["body"])
    assert stored_comment(app, comment["id"]).edit_count == 0
    assert listing(client)["comments"][0]["body"] == LONG_BODY.strip()


def test_an_edit_with_a_bad_name_is_refused(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)

    response = edit(client, comment, author="\u202eevil")

    assert_refused(response, 422, "validation_failed")
    assert list(response.get_json()["fields"]) == ["author"]


def test_the_duplicate_defence_ignores_the_comment_itself(tmp_path: Any) -> None:
    client = make_app(tmp_path, DUPLICATE_WINDOW=86400).test_client()
    other = posted(client, body=f"{LONG_BODY} Someone else's words.")
    comment = posted(client)

    renamed = edit(client, comment, body=LONG_BODY, author="Priya Sharma")
    copied = edit(client, comment, body=other["body"])

    assert renamed.status_code == 200
    assert_refused(copied, 422, "validation_failed")


def test_a_banned_client_cannot_edit(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)
    with app.app_context():
        bans.ban(stored_comment(app, comment["id"]).sender_hash, None, "test")

    assert_refused(edit(client, comment), 403, "sender_banned")


def test_a_banned_author_cannot_edit_from_another_address(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)
    with app.app_context():
        bans.ban(stored_comment(app, comment["id"]).sender_hash, None, "test")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"

    assert_refused(edit(client, comment), 403, "sender_banned")
    assert listing(client)["comments"][0]["body"] == LONG_BODY.strip()


def test_the_author_is_no_first_commenter_from_another_address(
    app: Flask, client: FlaskClient
) -> None:
    comment = posted(client)
    with app.app_context():
        rules.set_hold_first_comment(True, "test")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"  # the author on another network

    assert edit(client, comment).status_code == 200


def test_no_edit_on_a_closed_article(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)
    with app.app_context():
        actions.set_closed(ARTICLE, True, "test")

    assert_refused(edit(client, comment), 403, "comments_closed")


# --- deleting -------------------------------------------------------------------------


def test_a_deleted_comment_leaves_the_listing_204(app: Flask, client: FlaskClient) -> None:
    kept = posted(client, author="Anna K")
    comment = posted(client)
    before = client.get(comments_url(ARTICLE))

    response = delete(client, comment)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    after = client.get(comments_url(ARTICLE))
    assert after.headers["ETag"] != before.headers["ETag"]
    assert [c["id"] for c in after.get_json()["comments"]] == [kept["id"]]
    assert after.get_json()["total"] == 1
    assert stored_comment(app, comment["id"]).status == "deleted"
    assert_refused(delete(client, comment), 404, "not_found")
    assert_refused(edit(client, comment), 404, "not_found")


def test_a_deleted_reply_leaves_its_thread(client: FlaskClient) -> None:
    parent = posted(client)
    reply = posted(client, parent_id=parent["id"])

    assert delete(client, reply).status_code == 204

    page = listing(client)
    assert page["total"] == 1
    assert (page["comments"][0]["reply_count"], page["comments"][0]["replies"]) == (0, [])


def test_a_held_comment_can_be_deleted(app: Flask, client: FlaskClient) -> None:
    comment = posted(client, status=202, token=None)

    assert delete(client, comment).status_code == 204
    assert stored_comment(app, comment["id"]).status == "deleted"


def test_a_deleted_comment_whose_thread_lives_on_becomes_a_placeholder(
    app: Flask, client: FlaskClient
) -> None:
    top = posted(client)
    first = posted(client, parent_id=top["id"], author="Rohit P")
    second = posted(client, parent_id=first["id"], author="Anna K")
    with app.app_context():  # the only direct reply goes: the window reopens
        actions.change_status(Selection(ids=(first["id"],)), "delete", "test")

    assert delete(client, top).status_code == 204

    page = listing(client)
    (placeholder,) = page["comments"]
    assert placeholder["id"] == top["id"]
    assert (placeholder["deleted"], placeholder["author"], placeholder["body"]) == (
        True,
        None,
        None,
    )
    assert placeholder["reply_count"] == 1
    assert [r["id"] for r in placeholder["replies"]] == [second["id"]]
    assert page["total"] == 1


# --- who may --------------------------------------------------------------------------


def _headers_for(case: str, comment: dict[str, Any], other: dict[str, Any]) -> dict[str, str]:
    token = comment["edit_token"]
    return {
        "none": {},
        "empty": {"Authorization": ""},
        "wrong": bearer("A" * len(token)),
        "another comment's": bearer(other["edit_token"]),
        "no scheme": {"Authorization": token},
        "basic": {"Authorization": f"Basic {token}"},
        "bearer only": {"Authorization": "Bearer"},
        "cut short": bearer(token[:-1]),
        "longer": bearer(f"{token}A"),
        "with a NUL": {"Authorization": f"Bearer {token}\x00"},
        "not ASCII": {"Authorization": f"Bearer {token[:-1]}\u00e9"},
        "huge": bearer(token + "A" * 100_000),
        "hash itself": bearer(hashlib.sha256(token.encode()).hexdigest()),
    }[case]


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "empty",
        "wrong",
        "another comment's",
        "no scheme",
        "basic",
        "bearer only",
        "cut short",
        "longer",
        "with a NUL",
        "not ASCII",
        "huge",
        "hash itself",
    ],
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_only_the_token_of_this_comment_may_change_it(
    app: Flask, client: FlaskClient, case: str, method: str
) -> None:
    comment = posted(client)
    other = posted(client, author="Anna K")

    response = client.open(
        url(comment["id"]),
        method=method,
        json={"body": NEW_BODY},
        headers=_headers_for(case, comment, other),
    )

    assert_refused(response, 403, "not_author")
    row = stored_comment(app, comment["id"])
    assert (row.status, row.body, row.edit_count) == ("published", LONG_BODY.strip(), 0)


def test_the_scheme_is_case_insensitive(client: FlaskClient) -> None:
    comment = posted(client)

    response = client.patch(
        url(comment["id"]),
        json={"body": NEW_BODY},
        headers={"Authorization": f"bearer  {comment['edit_token']} "},
    )

    assert response.status_code == 200


def test_a_late_request_with_a_wrong_token_learns_only_that(client: FlaskClient) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        comment = posted(client)
        traveller.shift(timedelta(hours=1))

        response = client.patch(
            url(comment["id"]), json={"body": NEW_BODY}, headers=bearer("x" * 32)
        )

    assert_refused(response, 403, "not_author")


def test_only_the_hash_of_the_token_is_stored(app: Flask, client: FlaskClient) -> None:
    comment = posted(client)
    edit(client, comment)
    token = comment["edit_token"]

    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                assert token not in repr(tuple(row)), table.name
        row = db.session.get(Comment, comment["id"])
        assert row is not None
        assert row.edit_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 32


def test_a_comment_on_another_article_or_removed_is_not_found(
    app: Flask, client: FlaskClient
) -> None:
    comment = posted(client)
    spam = posted(client)
    with app.app_context():
        actions.change_status(Selection(ids=(spam["id"],)), "spam", "test")

    elsewhere = client.patch(
        url(comment["id"], "a2"), json={"body": NEW_BODY}, headers=bearer(comment["edit_token"])
    )

    assert_refused(elsewhere, 404, "not_found")
    assert_refused(edit(client, spam), 404, "not_found")
    assert_refused(delete(client, spam), 404, "not_found")


# --- hostile requests -------------------------------------------------------------------


def _raw(client: FlaskClient, comment: dict[str, Any], body: bytes, content_type: str):
    return client.patch(
        url(comment["id"]),
        data=body,
        headers=bearer(comment["edit_token"]),
        content_type=content_type,
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"body": "' + b"x" * 70_000 + b'"}', "application/json", 413, "payload_too_large"),
        (b'{"body": 42}', "application/json", 422, "validation_failed"),
        (b'{"body": ["list"]}', "application/json", 422, "validation_failed"),
        (b'{"body": {"a": 1}}', "application/json", 422, "validation_failed"),
        (b'{"author": []}', "application/json", 422, "validation_failed"),
        (b"{}", "application/json", 422, "validation_failed"),
        (b'{"body": null}', "application/json", 422, "validation_failed"),
        (b'{"body": "A long enough comment with a NUL \\u0000 in it, to be refused."}',
         "application/json", 422, "validation_failed"),
        (b'{"body": "' + b"y" * 30_000 + b'"}', "application/json", 422, "validation_failed"),
    ],
)  # fmt: skip
def test_bad_bodies_get_the_error_a_post_gets(
    app: Flask, client: FlaskClient, body: bytes, content_type: str, status: int, code: str
) -> None:
    comment = posted(client)

    response = _raw(client, comment, body, content_type)

    assert_refused(response, status, code)
    assert stored_comment(app, comment["id"]).body == LONG_BODY.strip()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": 42}, "body"),
        ({"body": True}, "body"),
        ({"body": NEW_BODY, "author": ["P"]}, "author"),
    ],
)
def test_what_is_not_text_is_named(
    client: FlaskClient, payload: dict[str, Any], field: str
) -> None:
    comment = posted(client)

    response = client.patch(url(comment["id"]), json=payload, headers=bearer(comment["edit_token"]))

    assert_refused(response, 422, "validation_failed")
    assert response.get_json()["fields"] == {field: ["Must be text."]}


@pytest.mark.parametrize(
    "field", ["parent_id", "email", "token", "website", "status", "edit_count", "x" * 500]
)
def test_an_edit_changes_only_body_and_author(app: Flask, client: FlaskClient, field: str) -> None:
    comment = posted(client)

    response = edit(client, comment, **{field: 1})

    assert_refused(response, 422, "validation_failed")
    assert list(response.get_json()["fields"]) == [field[:64]]
    assert stored_comment(app, comment["id"]).edit_count == 0


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/articles/-bad/comments/1", 400, "invalid_article_id"),
        (f"/api/v1/articles/{'a' * 129}/comments/1", 400, "invalid_article_id"),
    ],
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_bad_addresses_are_json_errors(
    client: FlaskClient, path: str, status: int, code: str, method: str
) -> None:
    comment = posted(client)

    response = client.open(
        path, method=method, json={"body": NEW_BODY}, headers=bearer(comment["edit_token"])
    )

    assert_refused(response, status, code)


def test_other_methods_are_refused_in_json(client: FlaskClient) -> None:
    comment = posted(client)

    response = client.put(url(comment["id"]), json={"body": NEW_BODY})

    assert_refused(response, 405, "method_not_allowed")
    assert {"PATCH", "DELETE"} <= set(response.headers["Allow"].replace(" ", "").split(","))


def test_pages_elsewhere_may_not_edit_and_learn_nothing(tmp_path: Any) -> None:
    client = make_app(tmp_path, ALLOWED_ORIGINS=["https://news.example.com"]).test_client()
    comment = posted(client)
    elsewhere = {**bearer(comment["edit_token"]), "Origin": "https://evil.example"}

    patched = client.patch(url(comment["id"]), json={"body": NEW_BODY}, headers=elsewhere)
    deleted = client.delete(url(comment["id"]), headers=elsewhere)
    missing = client.delete(url(999), headers=elsewhere)

    for response in (patched, deleted, missing):
        assert_refused(response, 403, "origin_not_allowed")
    allowed = {**bearer(comment["edit_token"]), "Origin": "https://news.example.com"}
    assert (
        client.patch(url(comment["id"]), json={"body": NEW_BODY}, headers=allowed).status_code
        == 200
    )


def test_the_box_may_send_patch_and_delete_with_the_token(tmp_path: Any) -> None:
    client = make_app(tmp_path, ALLOWED_ORIGINS=["https://news.example.com"]).test_client()

    preflight = client.options(
        url(1),
        headers={
            "Origin": "https://news.example.com",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://news.example.com"
    allowed = preflight.headers["Access-Control-Allow-Methods"]
    assert "PATCH" in allowed and "DELETE" in allowed
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_posts_edits_and_deletes_share_one_posting_budget(tmp_path: Any) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, POST_LIMITS="4/minute")
    client = app.test_client()
    with time_machine.travel(START, tick=False):
        first, second = posted(client), posted(client, author="Anna K")
        assert edit(client, first).status_code == 200
        assert delete(client, first).status_code == 204

        refused_edit = edit(client, second)  # a fifth write within the minute
        refused_post = post_comment(client, ARTICLE, author="Third")

    assert_refused(refused_edit, 429, "rate_limited")
    assert_refused(refused_post, 429, "rate_limited")
    assert stored_comment(app, second["id"]).edited_at is None
