"""The rules page (switches, blocked phrases, bans, closed articles) and the
audit log, checked through the public API they govern."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import AuditEntry, Ban, BlockedPhrase, Comment

from ..admin_support import csrf_token, flashes, login, signed_in, submit
from ..conftest import LONG_BODY, make_app, post_comment

RULES = "/admin/rules"


def audit(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.actor, e.action, e.count) for e in entries]


def sender_of(app: Flask, author: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Comment.sender_hash).where(Comment.author == author))


# --- closing an article ----------------------------------------------------------


def test_close_and_reopen_an_article(app: Flask, admin: FlaskClient) -> None:
    reader = app.test_client()
    assert post_comment(reader, "story-9", author="Before").status_code == 201
    before = reader.get("/api/v1/articles/story-9/comments").headers["ETag"]

    response = submit(admin, RULES, "/admin/rules/articles/close", {"article_id": "story-9"})

    assert response.headers["Location"] == "/admin/rules#articles"
    assert "Comments on story-9 are closed." in flashes(admin.get(RULES))
    refused = post_comment(reader, "story-9", author="After")
    assert refused.status_code == 403 and refused.get_json()["error"] == "comments_closed"
    listing = reader.get("/api/v1/articles/story-9/comments")
    assert listing.get_json()["total"] == 1  # what was published stays listed
    assert listing.headers["ETag"] != before
    assert 'action="/admin/rules/articles/reopen"' in admin.get(RULES).get_data(as_text=True)

    submit(admin, RULES, "/admin/rules/articles/reopen", {"article_id": "story-9"})

    assert post_comment(reader, "story-9", author="Reopened").status_code == 201
    assert [a for _, a, _ in audit(app)] == ["close_article", "reopen_article"]


def test_an_article_nobody_commented_on_can_be_closed(app: Flask, admin: FlaskClient) -> None:
    submit(admin, RULES, "/admin/rules/articles/close", {"article_id": "not-yet"})

    assert post_comment(app.test_client(), "not-yet").status_code == 403


@pytest.mark.parametrize("article_id", ["", "-leading-dash", "a" * 129, "spaces here", "é"])
def test_a_bad_article_id_is_a_400(app: Flask, admin: FlaskClient, article_id: str) -> None:
    response = submit(admin, RULES, "/admin/rules/articles/close", {"article_id": article_id})

    assert response.status_code == 400
    assert audit(app)[1:] == []


# --- switches ----------------------------------------------------------------------


def save_settings(admin: FlaskClient, pre: str, first: str = "off"):
    return submit(
        admin,
        RULES,
        "/admin/rules/settings",
        {"pre_moderation": pre, "hold_first_comment": first},
    )


def test_pre_moderation_switch_holds_every_comment(app: Flask, admin: FlaskClient) -> None:
    reader = app.test_client()
    save_settings(admin, "on")

    held = post_comment(reader, "a1")
    assert held.status_code == 202 and held.get_json()["status"] == "pending"
    with app.app_context():
        assert db.session.scalar(db.select(Comment.reason)) == "pre_moderation"

    save_settings(admin, "default")
    assert post_comment(reader, "a1", author="Published").status_code == 201
    assert [a for _, a, _ in audit(app)] == ["pre_moderation", "pre_moderation"]


def test_the_admin_switch_overrides_comments_moderation(tmp_path) -> None:
    app = make_app(tmp_path, MODERATION="pre")
    admin = signed_in(app)
    reader = app.test_client()
    assert post_comment(reader, "a1").status_code == 202  # the default: pre

    save_settings(admin, "off")
    assert post_comment(reader, "a1", author="Now published").status_code == 201

    save_settings(admin, "default")
    assert post_comment(reader, "a1", author="Held again").status_code == 202
    assert "COMMENTS_MODERATION=pre" in admin.get(RULES).get_data(as_text=True)


def test_hold_a_senders_first_comment(app: Flask, admin: FlaskClient) -> None:
    newcomer = app.test_client()
    newcomer.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    save_settings(admin, "default", "on")

    first = post_comment(newcomer, "a1", author="New")
    second = post_comment(newcomer, "a1", author="New again")
    assert (first.status_code, second.status_code) == (202, 202)  # nothing approved yet
    with app.app_context():
        assert set(db.session.scalars(db.select(Comment.reason))) == {"first_comment"}

    submit(
        admin,
        "/admin/comments",
        "/admin/comments/bulk",
        {"action": "approve", "scope": "selected", "ids": [first.get_json()["id"]]},
    )
    assert post_comment(newcomer, "a1", author="Known now").status_code == 201

    save_settings(admin, "default", "off")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    assert post_comment(stranger, "a1", author="Stranger").status_code == 201


@pytest.mark.parametrize(
    "data",
    [
        {"pre_moderation": "maybe", "hold_first_comment": "off"},
        {"pre_moderation": "on", "hold_first_comment": "yes"},
        {},
    ],
)
def test_bad_settings_are_a_400(app: Flask, admin: FlaskClient, data: dict) -> None:
    response = submit(admin, RULES, "/admin/rules/settings", data)

    assert response.status_code == 400
    assert audit(app)[1:] == []


# --- blocked phrases -------------------------------------------------------------------


def test_blocked_phrases_hold_or_reject(app: Flask, admin: FlaskClient) -> None:
    reader = app.test_client()
    submit(admin, RULES, "/admin/rules/phrases", {"phrase": "Crypto  Giveaway", "action": "hold"})
    submit(admin, RULES, "/admin/rules/phrases", {"phrase": "buy followers", "action": "reject"})
    html = admin.get(RULES).get_data(as_text=True)
    assert "crypto giveaway" in html and "buy followers" in html

    held = post_comment(reader, "a1", body=f"Join the CRYPTO giveaway today. {LONG_BODY}")
    rejected = post_comment(reader, "a1", body=f"You can buy   followers here. {LONG_BODY}")
    clean = post_comment(reader, "a1", body=f"Cryptography giveaways are dull. {LONG_BODY}")

    assert held.status_code == 202
    assert rejected.status_code == 422
    assert "does not accept" in rejected.get_json()["fields"]["body"][0]
    assert clean.status_code == 201  # whole words only
    with app.app_context():
        rule_id = db.session.scalar(
            db.select(BlockedPhrase.id).where(BlockedPhrase.phrase == "buy followers")
        )

    submit(admin, RULES, f"/admin/rules/phrases/{rule_id}/delete")

    again = post_comment(reader, "a1", body=f"You can buy followers here. {LONG_BODY} (2)")
    assert again.status_code == 201
    assert [a for _, a, _ in audit(app)] == ["block_phrase", "block_phrase", "unblock_phrase"]


@pytest.mark.parametrize(
    "data",
    [
        {"phrase": "", "action": "hold"},
        {"phrase": "   ", "action": "hold"},
        {"phrase": "x" * 201, "action": "hold"},
        {"phrase": "nul\x00byte", "action": "hold"},
        {"phrase": "fine", "action": "delete"},
    ],
)
def test_bad_phrases_are_a_400(app: Flask, admin: FlaskClient, data: dict) -> None:
    response = submit(admin, RULES, "/admin/rules/phrases", data)

    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(BlockedPhrase.id))) == 0


def test_removing_a_phrase_that_is_gone_is_harmless(admin: FlaskClient) -> None:
    html = admin.get(RULES).get_data(as_text=True)
    token = csrf_token(html, "/admin/rules/phrases")
    assert (
        admin.post("/admin/rules/phrases/42/delete", data={"csrf_token": token}).status_code == 302
    )
    huge = admin.post(
        "/admin/rules/phrases/99999999999999999999/delete", data={"csrf_token": token}
    )
    assert huge.status_code == 404


# --- bans --------------------------------------------------------------------------------


def test_ban_a_sender_until_lifted(app: Flask, admin: FlaskClient) -> None:
    troll = app.test_client()
    troll.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    post_comment(troll, "a1", author="Troll")
    sender = sender_of(app, "Troll")

    submit(admin, RULES, "/admin/bans", {"sender": sender, "duration": "forever", "note": "abuse"})

    refused = post_comment(troll, "a1", body=f"{LONG_BODY} again")
    assert refused.status_code == 403
    assert refused.get_json() == {
        "error": "sender_banned",
        "message": "Comments from your connection are blocked on this site for now.",
    }
    assert post_comment(app.test_client(), "a1", author="Others").status_code == 201
    html = admin.get(RULES).get_data(as_text=True)
    assert sender in html and "abuse" in html and "until lifted" in html
    with app.app_context():
        assert db.session.scalar(db.select(Ban.expires_at)) is None

    submit(admin, RULES, f"/admin/bans/{sender}/lift")

    assert post_comment(troll, "a1", body=f"{LONG_BODY} forgiven").status_code == 201
    assert [a for _, a, _ in audit(app)] == ["ban", "unban"]


def test_a_ban_expires(app: Flask, admin: FlaskClient) -> None:
    troll = app.test_client()
    troll.environ_base["REMOTE_ADDR"] = "192.0.2.67"
    post_comment(troll, "a1", author="Troll")
    sender = sender_of(app, "Troll")

    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        submit(admin, RULES, "/admin/bans", {"sender": sender, "duration": "1"})
        assert post_comment(troll, "a1", body=f"{LONG_BODY} again").status_code == 403
        traveller.shift(timedelta(hours=23))
        assert post_comment(troll, "a1", body=f"{LONG_BODY} still").status_code == 403
        traveller.shift(timedelta(hours=1, seconds=1))
        assert post_comment(troll, "a1", body=f"{LONG_BODY} a day later").status_code == 201
        login(admin)  # a day is longer than a session
        assert "expired" in admin.get(RULES).get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"sender": "", "duration": "7"},
        {"sender": "abc", "duration": "8"},
        {"sender": "abc", "duration": "-1"},
        {"sender": "' OR 1=1 --", "duration": "7"},
        {"sender": "a" * 65, "duration": "7"},
        {"sender": "abc", "duration": "7", "note": "n" * 201},
    ],
)
def test_bad_bans_are_a_400(app: Flask, admin: FlaskClient, data: dict) -> None:
    response = submit(admin, RULES, "/admin/bans", data)

    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ban.id))) == 0


# --- audit log -----------------------------------------------------------------------------


def test_the_audit_log_says_who_did_what_when_to_how_many(app: Flask, admin: FlaskClient) -> None:
    for i in range(3):
        post_comment(app.test_client(), "a1", author=f"R{i}")
    submit(
        admin,
        "/admin/comments?article=a1",
        "/admin/comments/bulk?article=a1",
        {"action": "spam", "scope": "matching"},
    )
    submit(admin, "/admin/comments/empty-spam", "/admin/comments/empty-spam")

    html = admin.get("/admin/audit").get_data(as_text=True)

    assert audit(app) == [("ann", "spam", 3), ("ann", "empty_spam", 3)]
    assert html.count("<td>ann</td>") == 2
    assert "matching article=a1" in html
    assert "empty spam" in html and ">3</td>" in html
    assert datetime.now(UTC).strftime("%Y-%m-%d") in html


def test_the_audit_log_pages(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        db.session.add_all(AuditEntry(actor="cli", action="ban", detail=f"#{i}") for i in range(60))
        db.session.commit()

    assert "Page 1 of 2" in admin.get("/admin/audit").get_data(as_text=True)
    for page in ("2", "0", "-5", "x", "9" * 5000, "99999"):
        assert admin.get(f"/admin/audit?page={page}").status_code == 200
