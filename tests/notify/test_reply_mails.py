"""Reply mails as a reader lives them, through a real SMTP server (STARTTLS and
a password): the confirmation first and nothing else, a mail per reply once
confirmed, one-click unsubscribe, and the headers mail clients act on."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import LONG_BODY, assert_refused, post_comment, posted, reader
from widget.extensions import db
from widget.models import Status, utcnow
from widget.moderation import actions
from widget.moderation.selection import Selection
from widget.notify import subscriptions
from widget.notify.models import OutboxMessage, State

from .conftest import MAIL_FROM, MailServer, drain, notify_app

pytestmark = pytest.mark.usefixtures("backend")
PRIYA = "priya@reader.example"
REPLY = "Thanks Priya, see https://evil.example/phish and www.bad.example for the rest of it."


@pytest.fixture
def app(tmp_path: Path, smtp: MailServer) -> Flask:
    return notify_app(tmp_path, smtp)


def _watched(client: FlaskClient, email: str = PRIYA, **fields: object) -> int:
    return posted(client, email=email, notify_replies=True, **fields)["id"]


def _reply(app: Flask, parent_id: int, body: str = REPLY, address: str = "203.0.113.9") -> int:
    return posted(reader(app, address), author="Rohit P", body=body, parent_id=parent_id)["id"]


def _link(mail: EmailMessage, path: str) -> str:
    found = re.search(rf"https://comments\.news\.example({path}\?token=\S+)", mail.get_content())
    assert found, mail.get_content()
    return found.group(1)


def _confirmed(app: Flask, client: FlaskClient, smtp: MailServer) -> int:
    """A comment of Priya's, her address confirmed for reply mails."""
    comment_id = _watched(client)
    drain(app)
    _confirm(client, smtp.to(PRIYA)[0])
    return comment_id


def _confirm(client: FlaskClient, mail: EmailMessage) -> None:
    response = client.post(_link(mail, "/mail/confirm"))
    assert response.status_code == 200 and "Reply emails confirmed" in response.text


def test_a_reader_is_sent_only_the_confirmation_until_they_confirm(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    comment_id = _watched(client)
    _reply(app, comment_id)
    drain(app)
    assert [m["Subject"] for m in smtp.to(PRIYA)] == ["Confirm reply emails"]
    confirmation = smtp.to(PRIYA)[0]
    assert confirmation["From"] == MAIL_FROM and confirmation["To"] == PRIYA

    # Opening the link (or a scanner fetching it) confirms nothing: a button does.
    page = client.get(_link(confirmation, "/mail/confirm"))
    assert page.status_code == 200 and "<button" in page.text and PRIYA in page.text
    _reply(app, comment_id, body="A second answer, written after the page was only opened.")
    drain(app)
    assert len(smtp.to(PRIYA)) == 1

    _confirm(client, confirmation)
    _reply(app, comment_id, body="A third answer, which arrives after the address was confirmed.")
    drain(app)
    assert [m["Subject"] for m in smtp.to(PRIYA)] == [
        "Confirm reply emails",
        "Rohit P replied to your comment",
    ]


def test_a_reply_mail_says_what_was_answered_with_no_reader_written_link(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    comment_id = _confirmed(app, client, smtp)
    _reply(app, comment_id)
    drain(app)
    mail = smtp.to(PRIYA)[-1]
    text = mail.get_content()
    assert "Rohit P replied to your comment on a1" in text
    assert "A considered reply about the article" in text  # what they wrote
    assert "Thanks Priya, see https[:]//evil[.]example/phish and www[.]bad[.]example" in text
    links = re.findall(r"\w+://\S+", text)
    assert links and all(link.startswith("https://comments.news.example/mail/") for link in links)
    assert mail.get_content_type() == "text/plain"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<[^<>@\s]+@news\.example>", mail["Message-ID"])
    assert mail["Date"].datetime is not None and mail["Date"].datetime.utcoffset() == timedelta(0)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # On the wire, unfolded and unencoded, as RFC 8058 clients read it.
    raw = smtp.raw[-1].decode()
    assert "\r\nList-Unsubscribe: <https://comments.news.example/mail/unsubscribe?token=" in raw
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    assert (
        mail["List-Unsubscribe"]
        == f"<https://comments.news.example{_link(mail, '/mail/unsubscribe')}>"
    )


def test_one_click_unsubscribe_stops_the_mails(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    comment_id = _confirmed(app, client, smtp)
    _reply(app, comment_id)
    drain(app)
    link = smtp.to(PRIYA)[-1]["List-Unsubscribe"].strip("<>")
    path = urlsplit(link)
    target = f"{path.path}?{path.query}"
    page = app.test_client().get(target)
    assert page.status_code == 200 and "<button" in page.text and "Unsubscribe" in page.text
    # What a mail client sends for RFC 8058: a POST with no cookie and no CSRF token.
    answer = app.test_client().post(target, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "Unsubscribed" in answer.text
    _reply(
        app, comment_id, body="An answer after the reader unsubscribed, which must not be mailed."
    )
    drain(app)
    assert len(smtp.to(PRIYA)) == 2


def test_forged_expired_and_replaced_links_do_nothing(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    _watched(client)
    drain(app)
    link = _link(smtp.to(PRIYA)[0], "/mail/confirm")
    for bad in (
        "/mail/confirm?token=forged",
        "/mail/confirm",
        link[:-3] + "abc",
        "/mail/unsubscribe?token=%00",
        "/mail/unsubscribe?token=" + link.split("=")[1],
    ):
        response = client.post(bad)
        assert response.status_code == 400 and "not valid" in response.text, bad
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        # A day later a new comment sends a new link, and the old one stops working.
        _watched(client, body="Another comment, a day later, with reply emails asked for again.")
        drain(app)
        assert len(smtp.to(PRIYA)) == 2
        replaced = client.post(link)
        assert replaced.status_code == 400 and "newer one" in replaced.text
    newer = _link(smtp.to(PRIYA)[1], "/mail/confirm")
    with time_machine.travel(utcnow() + timedelta(hours=25 + 49)):
        expired = client.post(newer)
        assert expired.status_code == 400 and "expired" in expired.text
    with time_machine.travel(utcnow() + timedelta(hours=26)):
        _confirm(client, smtp.to(PRIYA)[1])


def test_an_address_gets_one_confirmation_a_day_however_often_it_is_given(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    for n in range(3):
        _watched(reader(app, f"198.51.100.{n + 1}"), body=f"Comment number {n} " + LONG_BODY)
    _watched(client, email="PRIYA@Reader.Example ")
    drain(app)
    assert len(smtp.to(PRIYA)) == 1


def test_replies_to_a_confirmed_address_are_capped_per_day(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    comment_id = _confirmed(app, client, smtp)
    for n in range(subscriptions.DAILY_CAP + 3):
        _reply(
            app, comment_id, body=f"Reply number {n}: " + LONG_BODY, address=f"203.0.113.{n + 1}"
        )
    drain(app)
    assert len(smtp.to(PRIYA)) == 1 + subscriptions.DAILY_CAP
    with time_machine.travel(utcnow() + timedelta(days=1)):
        _reply(app, comment_id, body="A reply the next day, under a fresh daily cap. " + LONG_BODY)
        drain(app)
    assert len(smtp.to(PRIYA)) == 2 + subscriptions.DAILY_CAP


def test_nobody_is_mailed_their_own_reply_or_a_held_one_until_it_is_approved(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    comment_id = _confirmed(app, client, smtp)
    posted(client, email=PRIYA, parent_id=comment_id, body="Adding to my own point. " + LONG_BODY)
    app.config["MODERATION"] = "pre"  # every new comment waits for an admin
    held = posted(
        reader(app, "203.0.113.50"),
        "a1",
        202,
        parent_id=comment_id,
        author="Rohit P",
        body="A reply held for a decision " + LONG_BODY,
    )["id"]
    drain(app)
    assert len(smtp.to(PRIYA)) == 1
    with app.app_context():
        actions.change_status(Selection.of(ids=[held]), "approve", "ann")
    drain(app)
    assert [m["Subject"] for m in smtp.to(PRIYA)][1:] == ["Rohit P replied to your comment"]
    # Approving it again (after an edit held it, say) mails nobody twice.
    with app.app_context():
        actions.set_status(Selection.of(ids=[held]), Status.PENDING)
        db.session.commit()
        actions.change_status(Selection.of(ids=[held]), "approve", "ann")
    drain(app)
    assert len(smtp.to(PRIYA)) == 2


def test_the_post_refuses_a_malformed_request_for_reply_mails(client: FlaskClient) -> None:
    for fields, field in (
        ({"notify_replies": "yes", "email": PRIYA}, "notify_replies"),
        ({"notify_replies": 1, "email": PRIYA}, "notify_replies"),
        ({"notify_replies": True}, "email"),
        ({"notify_replies": True, "email": ""}, "email"),
        ({"notify_replies": True, "email": "not-an-address"}, "email"),
    ):
        data = assert_refused(post_comment(client, "a1", **fields), 422, "validation_failed")
        assert field in data["fields"], fields
    assert posted(client, notify_replies=False)["id"]


def test_without_smtp_nothing_is_recorded(tmp_path: Path) -> None:
    app = notify_app(tmp_path)
    posted(app.test_client(), email=PRIYA, notify_replies=True)
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 0


def test_a_refused_recipient_is_given_up(app: Flask, client: FlaskClient, smtp: MailServer) -> None:
    smtp.refuse_with = "550 5.1.1 No such user"
    _watched(client)
    drain(app)
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert row.state == State.FAILED and "550" in (row.last_error or "")


def test_a_mail_waits_while_the_relay_is_down_and_goes_when_it_is_back(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    working = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    _watched(client)
    drain(app)
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert (row.state, row.attempts) == (State.WAITING, 1)
        assert "SMTP" in (row.last_error or "")
        assert timedelta(0) < row.due_at - utcnow() <= timedelta(seconds=5)  # the first retry
    app.config["SMTP_URL"] = working
    drain(app)
    assert smtp.received == []  # not due yet
    with time_machine.travel(utcnow() + timedelta(seconds=6)):
        drain(app)
    assert [m["Subject"] for m in smtp.to(PRIYA)] == ["Confirm reply emails"]


def test_a_reply_approved_again_does_not_use_up_the_daily_cap(
    app: Flask, client: FlaskClient, smtp: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriptions, "DAILY_CAP", 2)
    comment_id = _confirmed(app, client, smtp)
    first = _reply(app, comment_id, body="The first answer. " + LONG_BODY)
    with app.app_context():  # held again (an edit, say) and approved again: mailed once
        actions.set_status(Selection.of(ids=[first]), Status.PENDING)
        db.session.commit()
        actions.change_status(Selection.of(ids=[first]), "approve", "ann")
    _reply(app, comment_id, body="The second answer. " + LONG_BODY, address="203.0.113.20")
    _reply(
        app, comment_id, body="The third answer, over the cap. " + LONG_BODY, address="203.0.113.21"
    )
    drain(app)
    assert len(smtp.to(PRIYA)) == 1 + 2
