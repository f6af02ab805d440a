"""Moderation acts on what the admin named and nothing else, and says so.

Written against deliberate breaks (``make mutate``): closing one article must
not close the others, a ban must not touch another sender's ban or mark
comments as spam unless asked, and the audit log must record what was done.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import AuditEntry, Ban, Comment

from ..admin_support import signed_in
from ..conftest import LONG_BODY, post_comment

# --- closing, bans: each acts on its own target only ------------------------------


def test_closing_one_article_leaves_the_others_open(app: Flask, client: FlaskClient) -> None:
    assert post_comment(client, "a2").status_code == 201
    runner = app.test_cli_runner()

    closed = runner.invoke(args=["article", "close", "a1"])
    again = runner.invoke(args=["article", "close", "a1"])

    assert (closed.output, again.output) == (
        "Comments on a1 are now closed.\n",
        "Comments on a1 are already closed.\n",
    )
    assert post_comment(client, "a1").status_code == 403
    assert post_comment(client, "a2", body=f"{LONG_BODY} again").status_code == 201


def _sender(app: Flask, address: str) -> str:
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = address
    assert post_comment(reader, "a1", body=f"{LONG_BODY} from {address}").status_code == 201
    with app.app_context():
        return db.session.scalar(
            db.select(Comment.sender_hash).where(Comment.body.endswith(address))
        )


def test_a_ban_shows_on_the_banned_senders_page_only_and_lifts(app: Flask) -> None:
    troll, reader = _sender(app, "203.0.113.9"), _sender(app, "198.51.100.7")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ban", troll, "--forever"]).exit_code == 0
    admin = signed_in(app)

    def ban_shown(sender: str) -> bool:
        return "Lift the ban" in admin.get(f"/admin/senders/{sender}").get_data(as_text=True)

    assert (ban_shown(troll), ban_shown(reader)) == (True, False)
    assert runner.invoke(args=["unban", reader]).output == f"{reader} was not banned.\n"
    assert runner.invoke(args=["unban", troll]).output == f"Lifted the ban on {troll}.\n"
    assert ban_shown(troll) is False


def test_each_ban_acts_on_its_own_sender_and_is_recorded_as_it_was_given(app: Flask) -> None:
    troll, reader = _sender(app, "203.0.113.9"), _sender(app, "198.51.100.7")
    runner = app.test_cli_runner()
    for args in (
        ["ban", troll, "--days", "1", "--note", "flooding"],
        ["ban", reader, "--days", "30", "--spam"],
        ["ban", troll, "--forever"],  # replaces the troll's own ban, not the reader's
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output

    with app.app_context():
        statuses = dict(db.session.execute(db.select(Comment.sender_hash, Comment.status)).all())
        bans = dict(db.session.execute(db.select(Ban.sender_hash, Ban.expires_at)).all())
        audit = db.session.execute(
            db.select(AuditEntry.action, AuditEntry.detail, AuditEntry.count).order_by(
                AuditEntry.id
            )
        ).all()
    assert statuses == {troll: "published", reader: "spam"}  # --spam only where given
    assert bans.keys() == {troll, reader} and bans[troll] is None and bans[reader] is not None
    assert [tuple(entry) for entry in audit] == [
        ("ban", f"sender {troll} for 1 day (flooding)", 0),
        ("ban", f"sender {reader} for 30 days; their comments marked as spam", 1),
        ("ban", f"sender {troll} until lifted", 0),
    ]


def test_rule_changes_apply_to_the_next_post_and_are_recorded(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    for args in (
        ["rules", "block", "rubbish"],
        ["rules", "block", "rubbish", "--reject"],  # the same phrase: now refused
        ["rules", "hold-first", "on"],
        ["rules", "hold-first", "off"],
        ["rules", "pre-moderation", "on"],
        ["rules", "pre-moderation", "default"],
        ["rules", "unblock", "rubbish"],
    ):
        assert runner.invoke(args=args).exit_code == 0, args
        if args[1:] == ["block", "rubbish", "--reject"]:
            refused = post_comment(client, "a1", body=f"{LONG_BODY} Utter rubbish.")
            assert refused.status_code == 422
    published = post_comment(client, "a1", body=f"{LONG_BODY} Utter rubbish.")

    assert published.status_code == 201  # unblocked, switches back to their defaults
    assert runner.invoke(args=["rules", "unblock", "rubbish"]).output == (
        "'rubbish' was not blocked.\n"
    )
    with app.app_context():
        audit = db.session.execute(
            db.select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
        ).all()
    assert [tuple(entry) for entry in audit] == [
        ("block_phrase", "hold: rubbish"),
        ("block_phrase", "reject: rubbish"),
        ("hold_first_comment", "on"),
        ("hold_first_comment", "off"),
        ("pre_moderation", "on"),
        ("pre_moderation", "default (COMMENTS_MODERATION)"),
        ("unblock_phrase", "rubbish"),
    ]


def test_every_held_comment_waits_in_the_admins_queue(app: Flask, client: FlaskClient) -> None:
    links = " ".join(f"https://example.com/{i}" for i in range(3))
    assert post_comment(client, "a1", body=f"{LONG_BODY} {links}").status_code == 202
    app.test_cli_runner().invoke(args=["rules", "block", "rubbish"])
    assert post_comment(client, "a1", body=f"{LONG_BODY} rubbish").status_code == 202
    app.test_cli_runner().invoke(args=["rules", "pre-moderation", "on"])
    assert post_comment(client, "a1", body=f"{LONG_BODY} (waits)").status_code == 202

    with app.app_context():
        held = db.session.execute(
            db.select(Comment.status, Comment.reason).order_by(Comment.id)
        ).all()
    assert [tuple(row) for row in held] == [
        ("pending", "too_many_links"),
        ("pending", "blocked_phrase"),
        ("pending", "pre_moderation"),
    ]
