"""The ``flask`` commands: the admin area's actions, for scripts."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from flask.testing import FlaskCliRunner

from widget import create_app
from widget.extensions import db
from widget.models import Admin, Article, AuditEntry, Ban, Comment

from ..admin_support import cheap_hashing, login  # noqa: F401 (autouse fixture)
from ..conftest import LONG_BODY, post_comment


def statuses(app: Flask) -> Counter[str]:
    with app.app_context():
        return Counter(db.session.scalars(db.select(Comment.status)))


def sender_of(app: Flask, author: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Comment.sender_hash).where(Comment.author == author))


def actions(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.actor, e.action, e.count) for e in rows]


# --- create-admin ---------------------------------------------------------------------


def test_create_admin_with_a_password_then_sign_in(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-admin", "ann", "--password", "a long passphrase"])

    assert result.exit_code == 0, result.output
    assert "Created admin ann." in result.output
    assert login(app.test_client(), "ann", "a long passphrase").status_code == 302


def test_create_admin_prompts_twice_without_echo(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-admin", "bo"], input="first try\nother\nsecret pw 1\n" * 1)

    # The two entries differ: asked again, not created.
    assert "do not match" in result.output
    assert "first try" not in result.output  # hidden input is never echoed

    result = runner.invoke(args=["create-admin", "bo"], input="secret pass 1\nsecret pass 1\n")
    assert result.exit_code == 0, result.output
    assert "Created admin bo." in result.output
    assert "secret pass 1" not in result.output
    assert login(app.test_client(), "bo", "secret pass 1").status_code == 302


def test_create_admin_again_resets_the_password(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["create-admin", "ann", "--password", "the old password"])
    result = runner.invoke(args=["create-admin", "ann", "--password", "the new password"])

    assert "Reset the password of admin ann." in result.output
    assert login(app.test_client(), "ann", "the old password").status_code == 200
    assert login(app.test_client(), "ann", "the new password").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Admin.id))) == 1
    assert [a for _, a, _ in actions(app)] == ["create_admin", "reset_password"]


def test_create_admin_refuses_bad_names(runner: FlaskCliRunner) -> None:
    for name in ("", "   ", "x" * 81, "tab\there"):
        result = runner.invoke(args=["create-admin", name, "--password", "a long password"])
        assert result.exit_code != 0, name
        assert "printable characters" in result.output


def test_create_admin_needs_a_password_of_twelve_characters(
    app: Flask, runner: FlaskCliRunner
) -> None:
    for password in ("eleven char", " " * 12, "x" * 1025):
        refused = runner.invoke(args=["create-admin", "cy", "--password", password])
        assert refused.exit_code == 1, password
        assert "Error: A password has at" in refused.output
    prompted = runner.invoke(args=["create-admin", "cy"], input="short pw\nshort pw\n")
    assert prompted.exit_code == 1 and "at least 12 characters" in prompted.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Admin.id))) == 0
    assert actions(app) == []

    accepted = runner.invoke(args=["create-admin", "cy", "--password", "twelve chars"])
    assert accepted.exit_code == 0, accepted.output
    assert login(app.test_client(), "cy", "twelve chars").status_code == 302
    reset = runner.invoke(args=["create-admin", "cy", "--password", "too short"])
    assert reset.exit_code == 1  # a reset is held to the same rule
    assert login(app.test_client(), "cy", "twelve chars").status_code == 302


def test_delete_admin(app: Flask, runner: FlaskCliRunner) -> None:
    for name in ("ann", "bo"):
        runner.invoke(args=["create-admin", name, "--password", f"{name}'s long password"])

    result = runner.invoke(args=["delete-admin", "ann"])

    assert result.exit_code == 0, result.output
    assert result.output == "Deleted admin ann.\n"
    assert login(app.test_client(), "ann", "ann's long password").status_code == 200
    assert login(app.test_client(), "bo", "bo's long password").status_code == 302
    assert actions(app)[-1] == ("cli", "delete_admin", 0)
    last = runner.invoke(args=["delete-admin", "bo"])
    assert last.exit_code == 0
    assert "No admin is left: create one with" in last.output


def test_delete_admin_of_an_unknown_name_is_a_clear_error(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["create-admin", "ann", "--password", "a long passphrase"])

    for name in ("nobody", "Ann", "", "x" * 81):
        result = runner.invoke(args=["delete-admin", name])
        assert result.exit_code == 1, name
        assert result.output.startswith("Error: "), result.output
        assert "Traceback" not in result.output
    assert login(app.test_client(), "ann", "a long passphrase").status_code == 302


def test_commands_say_when_the_database_is_not_ready(tmp_path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db",
        }
    )
    args = ["create-admin", "ann", "--password", "a long password"]
    result = app.test_cli_runner().invoke(args=args)

    assert result.exit_code != 0
    assert "db upgrade" in result.output
    assert "Traceback" not in result.output


# --- comments ------------------------------------------------------------------------------


def test_comments_spam_by_sender_keeps_counts_exact(app: Flask, runner: FlaskCliRunner) -> None:
    bot = app.test_client()
    bot.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    for i in range(4):
        post_comment(bot, f"a{i % 2}", author=f"Bot{i}", body=f"{LONG_BODY} {i}")
    post_comment(app.test_client(), "a0", author="Reader")

    result = runner.invoke(args=["comments", "spam", "--sender", sender_of(app, "Bot0")])

    assert result.exit_code == 0, result.output
    assert "Marked as spam: 4 comments." in result.output
    assert statuses(app) == {"spam": 4, "published": 1}
    counts = app.test_client().get("/api/v1/counts?article_id=a0&article_id=a1").get_json()
    assert counts == {"counts": {"a0": 1, "a1": 0}}

    approved = runner.invoke(args=["comments", "approve", "--status", "spam", "--article", "a1"])
    assert "Approved: 2 comments." in approved.output
    deleted = runner.invoke(args=["comments", "delete", "--id", "1", "--id", "5"])
    assert "Deleted: 2 comments." in deleted.output
    assert actions(app) == [("cli", "spam", 4), ("cli", "approve", 2), ("cli", "delete", 2)]


def test_comments_commands_need_a_filter_or_all(app: Flask, runner: FlaskCliRunner) -> None:
    post_comment(app.test_client(), "a1")

    refused = runner.invoke(args=["comments", "delete"])
    assert refused.exit_code != 0 and "--all" in refused.output
    assert statuses(app) == {"published": 1}

    everything = runner.invoke(args=["comments", "delete", "--all"])
    assert "Deleted: 1 comment." in everything.output


def test_comments_commands_refuse_bad_filters(runner: FlaskCliRunner) -> None:
    for args in (
        ["--status", "bogus"],
        ["--article", "bad id!"],
        ["--sender", "' OR 1=1"],
        ["--search", "x" * 201],
        ["--id", "0"],
    ):
        result = runner.invoke(args=["comments", "spam", *args])
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
        assert "Error" in result.output


def test_spam_purge(app: Flask, runner: FlaskCliRunner) -> None:
    for i in range(3):
        post_comment(app.test_client(), "a1", author=f"R{i}")
    runner.invoke(args=["comments", "spam", "--search", "R1"])

    result = runner.invoke(args=["spam", "purge"])

    assert "Removed 1 spam comment." in result.output
    assert statuses(app) == {"published": 2}


# --- articles, bans, rules -------------------------------------------------------------------


def test_article_close_and_reopen(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["article", "close", "story-1"])
    assert "Comments on story-1 are now closed." in result.output
    assert post_comment(app.test_client(), "story-1").status_code == 403
    again = runner.invoke(args=["article", "close", "story-1"])
    assert "already closed" in again.output

    runner.invoke(args=["article", "reopen", "story-1"])
    assert post_comment(app.test_client(), "story-1").status_code == 201
    with app.app_context():
        assert db.session.get(Article, "story-1").closed is False
    bad = runner.invoke(args=["article", "close", "../etc"])
    assert bad.exit_code != 0 and "article ID" in bad.output


def test_ban_by_hash_or_address_then_unban(app: Flask, runner: FlaskCliRunner) -> None:
    troll = app.test_client()
    troll.environ_base["REMOTE_ADDR"] = "192.0.2.13"
    post_comment(troll, "a1", author="Troll")
    sender = sender_of(app, "Troll")

    result = runner.invoke(args=["ban", sender, "--days", "3", "--spam", "--note", "wave"])

    assert result.exit_code == 0, result.output
    assert f"Banned {sender} until" in result.output
    assert "Marked 1 comment as spam." in result.output
    assert post_comment(troll, "a1", body=f"{LONG_BODY} 2").status_code == 403

    assert "Lifted the ban" in runner.invoke(args=["unban", sender]).output
    assert post_comment(troll, "a1", body=f"{LONG_BODY} 3").status_code == 201

    by_address = runner.invoke(args=["ban", "--address", "192.0.2.13", "--forever"])
    assert f"Banned {sender} until lifted." in by_address.output
    assert post_comment(troll, "a1", body=f"{LONG_BODY} 4").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(Ban.expires_at)) is None


def test_ban_refuses_bad_input(runner: FlaskCliRunner) -> None:
    for args in (
        [],
        ["abc", "--address", "1.2.3.4"],
        ["abc", "--days", "0"],
        ["abc", "--days", "99999"],
        ["not a hash"],
        ["--address", "not-an-ip"],
        ["--address", "192.0.2.0/33"],
        ["--address", "2001:db8::/129"],
    ):
        result = runner.invoke(args=["ban", *args])
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
    refused = runner.invoke(args=["ban", "--address", "192.0.2.1; rm -rf /"])
    assert refused.exit_code == 1
    assert "is neither an IP address nor a CIDR range" in refused.output


def test_rules_switches_and_phrases(app: Flask, runner: FlaskCliRunner) -> None:
    reader = app.test_client()
    assert "Pre-moderation: on." in runner.invoke(args=["rules", "pre-moderation", "on"]).output
    assert post_comment(reader, "a1").status_code == 202
    runner.invoke(args=["rules", "pre-moderation", "default"])
    assert post_comment(reader, "a1", author="B").status_code == 201

    runner.invoke(args=["rules", "hold-first", "on"])
    newcomer = app.test_client()
    newcomer.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    assert post_comment(newcomer, "a1", author="C").status_code == 202
    runner.invoke(args=["rules", "hold-first", "off"])

    runner.invoke(args=["rules", "block", "Casino Bonus", "--reject"])
    refused = post_comment(reader, "a1", body=f"Casino   bonus inside! {LONG_BODY}")
    assert refused.status_code == 422
    shown = runner.invoke(args=["rules", "show"]).output
    assert "pre-moderation: off (COMMENTS_MODERATION)" in shown
    assert "hold first comment: off" in shown
    assert "blocked (reject): casino bonus" in shown

    runner.invoke(args=["rules", "unblock", "casino bonus"])
    assert post_comment(reader, "a1", body=f"Casino bonus inside! {LONG_BODY}").status_code == 201
    bad = runner.invoke(args=["rules", "pre-moderation", "sometimes"])
    assert bad.exit_code != 0


def test_audit_prints_the_latest_entries(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["article", "close", "story-2"])
    runner.invoke(args=["spam", "purge"])

    output = runner.invoke(args=["audit", "--limit", "5"]).output.splitlines()

    assert len(output) == 2
    assert "empty_spam" in output[0] and "close_article" in output[1]
    assert all("cli" in line for line in output)


def test_comments_spam_likely_spam_marks_only_what_the_filter_scored_as_likely(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        for author, score in (("Over", 0.995), ("At", 0.99), ("Under", 0.9899), ("Unscored", None)):
            db.session.add(
                Comment(
                    article_id="a1",
                    author=author,
                    body=LONG_BODY,
                    sender_hash=author,
                    spam_score=score,
                )
            )
        db.session.commit()

    result = runner.invoke(args=["comments", "spam", "--likely-spam"])

    assert result.exit_code == 0, result.output
    assert "Marked as spam: 2 comments." in result.output
    with app.app_context():
        spam = set(db.session.scalars(db.select(Comment.author).where(Comment.status == "spam")))
    assert spam == {"Over", "At"}
