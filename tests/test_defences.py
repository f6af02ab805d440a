"""Every defence on posting, each with a comment it lets through and one it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget import moderation
from widget.defences import REASONS, padding_problem
from widget.extensions import db
from widget.models import Comment, body_hash

from .conftest import LONG_BODY, form_token, make_app, post_comment

DAY = 86400


def stored(app: Flask) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment).order_by(Comment.id)))


def reader(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_every_reason_code_is_explained() -> None:
    assert set(REASONS) >= {
        "token_missing",
        "token_invalid",
        "token_expired",
        "token_wrong_article",
        "too_fast",
        "honeypot",
        "blocked_phrase",
        "too_many_links",
        "pre_moderation",
        "first_comment",
    }


# --- form token ---------------------------------------------------------------------


def test_a_valid_token_publishes_a_missing_one_holds(app: Flask, client: FlaskClient) -> None:
    assert post_comment(client, "a1").status_code == 201
    held = post_comment(client, "a1", token=None, author="No token")

    assert held.status_code == 202 and held.get_json()["status"] == "pending"
    assert stored(app)[1].reason == "token_missing"


def test_too_fast_is_held_in_time_is_published(tmp_path) -> None:
    app = make_app(tmp_path, MIN_FILL_SECONDS=3)
    client = app.test_client()
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False) as traveller:
        token = form_token(client, "a1")
        too_fast = post_comment(client, "a1", token=token)
        traveller.shift(3)
        in_time = post_comment(client, "a1", token=token, author="Patient")
        traveller.shift(6 * 3600)
        stale = post_comment(client, "a1", token=token, author="Slow")

    assert (too_fast.status_code, in_time.status_code, stale.status_code) == (202, 201, 202)
    assert [c.reason for c in stored(app)] == ["too_fast", None, "token_expired"]


# --- honeypot ---------------------------------------------------------------------------


def test_an_empty_honeypot_passes(app: Flask, client: FlaskClient) -> None:
    assert post_comment(client, "a1", website="").status_code == 201


@pytest.mark.parametrize("value", ["http://spam.example", "x", 1, True, ["a"]])
def test_a_filled_honeypot_is_quietly_marked_as_spam(
    app: Flask, client: FlaskClient, value: object
) -> None:
    response = post_comment(client, "a1", website=value)

    # Answered like any held comment: the bot cannot tell it was caught.
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    (comment,) = stored(app)
    assert (comment.status, comment.reason) == ("spam", "honeypot")
    assert client.get("/api/v1/articles/a1/comments").get_json()["total"] == 0


# --- links ------------------------------------------------------------------------------------


def test_two_links_pass_three_are_held(app: Flask, client: FlaskClient) -> None:
    two = f"See https://a.example/x and www.b.example for more. {LONG_BODY}"
    three = f"http://a.example https://b.example www.c.example are all great. {LONG_BODY}"

    assert post_comment(client, "a1", body=two).status_code == 201
    assert post_comment(client, "a1", body=three).status_code == 202
    assert stored(app)[1].reason == "too_many_links"


# --- duplicates -------------------------------------------------------------------------------


@pytest.fixture
def strict_app(tmp_path) -> Flask:
    """The duplicate defence on, as in production (conftest turns it off)."""
    return make_app(tmp_path, DUPLICATE_WINDOW=DAY)


def test_the_same_text_on_the_article_again_within_a_day_is_422(strict_app: Flask) -> None:
    client = strict_app.test_client()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as traveller:
        assert post_comment(client, "a1").status_code == 201
        again = post_comment(client, "a1", author="Another name")
        other_sender = post_comment(reader(strict_app, "192.0.2.5"), "a1")  # a copy-paste wave
        fresh = post_comment(client, "a1", body=LONG_BODY + " And one more thought.")
        traveller.shift(DAY - 60)
        still = post_comment(client, "a1")
        traveller.shift(61)
        next_day = post_comment(client, "a1")

    for refused in (again, other_sender, still):
        assert refused.status_code == 422
        assert refused.get_json()["error"] == "validation_failed"
        assert "already posted" in refused.get_json()["fields"]["body"][0]
    assert fresh.status_code == 201
    assert next_day.status_code == 201


def test_the_same_text_on_another_article_passes(strict_app: Flask) -> None:
    client = strict_app.test_client()
    assert post_comment(client, "a1").status_code == 201
    assert post_comment(client, "a2").status_code == 201
    assert post_comment(reader(strict_app, "192.0.2.7"), "a3").status_code == 201


def test_a_comment_stored_any_other_way_is_found_by_its_hash(strict_app: Flask) -> None:
    # The hash the defence looks texts up by is filled in on any insert, not
    # only by the API (seeding, imports, the admin's tools).
    with strict_app.app_context():
        db.session.add(
            Comment(article_id="a1", author="A", body=LONG_BODY.strip(), sender_hash="s")
        )
        db.session.commit()
        assert stored(strict_app)[0].body_hash == body_hash(LONG_BODY.strip())
    assert post_comment(strict_app.test_client(), "a1").status_code == 422


def test_the_duplicate_window_can_be_turned_off(app: Flask, client: FlaskClient) -> None:
    assert app.config["DUPLICATE_WINDOW"] == 0
    assert post_comment(client, "a1").status_code == 201
    assert post_comment(client, "a1").status_code == 201


def test_the_default_window_is_a_day(tmp_path) -> None:
    from widget import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert app.config["DUPLICATE_WINDOW"] == DAY


# --- padding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        LONG_BODY,
        "Zoë’s café 🙂 déjà vu, naïve señor 👍 ça va? Très bo",  # noqa: RUF001
        "これは記事についての長いコメントです。とても興味深い内容でした。"
        "筆者の丁寧な取材に感謝します。ありがとうございます。",
        "Это очень интересная статья, спасибо автору за подробный разбор темы.",
        "مقالة رائعة جدا، شكرا للكاتب على هذا التحليل المفصل والمفيد للقراء.",
        "Sooo good!!! I loved this piece and I'll share it with my whole family.",
        "No, no, no. The minister said the opposite last week; check the record.",
        "Markup is text: <script>alert(1)</script> <b>bold</b> &amp; &lt; are not interpreted.",
        "Line one\nLine two\r\nLine three\twith a tab, all kept exactly as the reader typed them.",
        "The council's budget looks balanced only because the pension shortfall was moved "
        "off the books last spring. Your reporter spotted it, but the piece stops short of "
        "asking who signed off on the change. Three years ago the same trick hid a deficit "
        "in the transport fund, and residents paid for it with a sudden fare rise. I would "
        "like to see the minutes of the finance committee published in full, along with the "
        "auditor's letter, before anyone calls this a prudent plan.",
        "🙂👍🏽🇰🇷👨‍👩‍👧🎉🔥💯🙏✨🌍🚀📰🗞️💬🤔😂😍😢😡👏🙌🤝💡📈📉🧠🫶🏼🙂👍🏽🇰🇷👨‍👩‍👧🎉🔥💯🙏✨🌍",
    ],
)
def test_real_text_is_not_padding(text: str) -> None:
    assert padding_problem(text, 50) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Nice." + "!" * 60, "repeating characters"),
        ("Nice article" + " " * 50 + "really", "repeating characters"),
        ("é" * 25 + "🙂" * 25, "repeating characters"),
        ("good " * 12 + "article", "repeating words"),
        ("ab ba " * 15, "too few different characters"),
        ("so true wow " * 6 + "yes", "same few words"),
        ("The quick brown fox jumps over the lazy dog. " * 40, "same passage"),
    ],
)
def test_padding_is_refused_with_a_reason(text: str, words: str) -> None:
    problem = padding_problem(text, 50)
    assert problem is not None and words in problem


def test_padding_is_a_422_that_says_why(app: Flask, client: FlaskClient) -> None:
    response = post_comment(client, "a1", body="Great!" + "!" * 60)

    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert "repeating characters" in data["fields"]["body"][0]
    assert "50 needed" in data["fields"]["body"][0]
    assert stored(app) == []


# --- blocked phrases --------------------------------------------------------------------------


def block(app: Flask, phrase: str, action: str) -> None:
    with app.app_context():
        moderation.block_phrase(phrase, action, "test")


def test_a_held_phrase_holds_and_a_rejected_one_refuses(app: Flask, client: FlaskClient) -> None:
    block(app, "free money", "hold")
    block(app, "Ｓｐａｍｗｏｒｄ", "reject")  # noqa: RUF001 (fullwidth: normalised on the way in)

    assert post_comment(client, "a1", body=f"Money for free? {LONG_BODY}").status_code == 201
    held = post_comment(client, "a1", body=f"Get FREE\nmoney here! {LONG_BODY}")
    refused = post_comment(client, "a1", body=f"Buy spamword now. {LONG_BODY}")
    in_name = post_comment(client, "a1", author="SpamWord Shop", body=f"{LONG_BODY} name")
    inside_a_word = post_comment(client, "a1", body=f"Antispamwords are fine. {LONG_BODY}")

    assert held.status_code == 202
    with app.app_context():
        assert db.session.get(Comment, held.get_json()["id"]).reason == "blocked_phrase"
    assert refused.status_code == 422 and in_name.status_code == 422
    assert "does not accept" in refused.get_json()["fields"]["body"][0]
    assert inside_a_word.status_code == 201


# --- bans ---------------------------------------------------------------------------------------


def test_a_banned_sender_is_403_and_others_pass(app: Flask) -> None:
    banned, other = reader(app, "198.51.100.20"), reader(app, "198.51.100.21")
    post_comment(banned, "a1", author="Before the ban")
    with app.app_context():
        sender = db.session.scalar(db.select(Comment.sender_hash))
        moderation.ban(sender, 7, "test")

    refused = post_comment(banned, "a1", body=f"{LONG_BODY} again")
    allowed = post_comment(other, "a1")

    assert refused.status_code == 403
    assert refused.get_json()["error"] == "sender_banned"
    assert set(refused.get_json()) == {"error", "message"}
    assert allowed.status_code == 201
    assert len(stored(app)) == 2


def test_an_expired_ban_lets_the_sender_back(app: Flask) -> None:
    client = reader(app, "198.51.100.22")
    post_comment(client, "a1")
    with app.app_context():
        sender = db.session.scalar(db.select(Comment.sender_hash))
        moderation.ban(sender, 1, "test")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1, minutes=1)):
        assert post_comment(client, "a1", body=f"{LONG_BODY} later").status_code == 201


# --- pre-moderation and first comments -------------------------------------------------------


def test_pre_moderation_from_the_environment(tmp_path) -> None:
    app = make_app(tmp_path, MODERATION="pre")
    response = post_comment(app.test_client(), "a1")

    assert response.status_code == 202
    assert stored(app)[0].reason == "pre_moderation"


def test_the_admin_switch_overrides_the_environment(tmp_path) -> None:
    app = make_app(tmp_path, MODERATION="pre")
    with app.app_context():
        moderation.set_pre_moderation(False, "test")
    assert post_comment(app.test_client(), "a1").status_code == 201
    with app.app_context():
        moderation.set_pre_moderation(True, "test")
    assert post_comment(app.test_client(), "a1").status_code == 202


def test_a_first_comment_is_held_when_the_switch_is_on(app: Flask) -> None:
    regular, newcomer = reader(app, "203.0.113.1"), reader(app, "203.0.113.2")
    assert post_comment(regular, "a1").status_code == 201  # switch off: published
    with app.app_context():
        moderation.set_hold_first_comment(True, "test")

    assert post_comment(regular, "a1", author="Regular").status_code == 201
    first = post_comment(newcomer, "a1", author="Newcomer")
    assert first.status_code == 202
    assert stored(app)[-1].reason == "first_comment"


# --- order ---------------------------------------------------------------------------------------


def test_a_ban_outranks_everything_else(app: Flask) -> None:
    client = reader(app, "203.0.113.50")
    post_comment(client, "a1")
    with app.app_context():
        moderation.ban(db.session.scalar(db.select(Comment.sender_hash)), None, "test")

    response = post_comment(client, "a1", body="x" * 60, website="bot")

    assert response.status_code == 403


def test_the_honeypot_outranks_holds(app: Flask, client: FlaskClient) -> None:
    response = post_comment(client, "a1", token=None, website="bot")

    assert response.status_code == 202
    assert (stored(app)[0].status, stored(app)[0].reason) == ("spam", "honeypot")


# --- rules kept in memory ---------------------------------------------------------


def test_rule_changes_made_elsewhere_apply_to_the_next_post(tmp_path) -> None:
    """Each process keeps the switches and phrases in memory; a change made by
    another process (another instance, the CLI) applies to its very next post."""
    app = make_app(tmp_path)
    other = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    client = app.test_client()
    assert post_comment(client, "a1", author="Before").status_code == 201  # rules loaded

    with other.app_context():
        moderation.block_phrase("crypto deal", "reject", "admin")
    assert post_comment(client, "a1", body=LONG_BODY + " Crypto deal!").status_code == 422

    with other.app_context():
        moderation.unblock_phrase("crypto deal", "admin")
        moderation.set_pre_moderation(True, "admin")
    held = post_comment(client, "a1", body=LONG_BODY + " Crypto deal!")
    assert held.status_code == 202 and stored(app)[-1].reason == "pre_moderation"

    with other.app_context():
        moderation.set_pre_moderation(None, "admin")
        moderation.set_hold_first_comment(True, "admin")
    newcomer = reader(app, "203.0.113.9")
    assert post_comment(newcomer, "a1", author="New").status_code == 202
    assert stored(app)[-1].reason == "first_comment"
