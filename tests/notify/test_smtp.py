"""The ways to reach a relay: STARTTLS with a password (the other mail tests),
TLS from the first byte (``smtps://``), and a plain local relay on loopback;
and what a misconfigured relay does to a message (it waits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller

from tests.conftest import posted
from tests.servers import free_port
from widget.extensions import db
from widget.notify import mail
from widget.notify.models import OutboxMessage, State

from .conftest import MailServer, drain, notify_app, start_smtp

PRIYA = "priya@reader.example"


def _confirmation_sent(tmp_path: Path, smtp_url: str, mailbox: MailServer) -> None:
    app = notify_app(tmp_path, mailbox, SMTP_URL=smtp_url)
    posted(app.test_client(), email=PRIYA, notify_replies=True)
    assert drain(app) == 1
    assert [m["Subject"] for m in mailbox.to(PRIYA)] == ["Confirm reply emails"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_speaks_tls_from_the_first_byte(tmp_path: Path, trusted: trustme.CA) -> None:
    controller, mailbox = start_smtp(trusted, implicit_tls=True)
    try:
        _confirmation_sent(tmp_path, mailbox.url, mailbox)
    finally:
        controller.stop()


@contextmanager
def plain_relay() -> Iterator[MailServer]:
    """A relay on loopback that offers no TLS at all (a local MTA, a mail catcher)."""
    port = free_port()
    mailbox = MailServer(f"smtp://127.0.0.1:{port}")
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def test_a_local_relay_without_tls_is_used_on_loopback(tmp_path: Path) -> None:
    with plain_relay() as mailbox:
        _confirmation_sent(tmp_path, mailbox.url, mailbox)


def test_a_wrong_password_keeps_the_message_waiting(tmp_path: Path, smtp: MailServer) -> None:
    app = notify_app(tmp_path, smtp, SMTP_URL=smtp.url.replace("p%40ss", "wrong"))
    posted(app.test_client(), email=PRIYA, notify_replies=True)
    drain(app)
    assert smtp.received == []
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert (row.state, row.attempts) == (State.WAITING, 1)
        assert "535" in (row.last_error or "")


def test_an_untrusted_certificate_is_refused(
    tmp_path: Path, test_ca: tuple[trustme.CA, Path]
) -> None:
    """Without the test CA in SSL_CERT_FILE the relay's certificate is unknown:
    nothing is sent in clear instead."""
    controller, mailbox = start_smtp(test_ca[0])
    try:
        app = notify_app(tmp_path, mailbox)
        posted(app.test_client(), email=PRIYA, notify_replies=True)
        drain(app)
        assert mailbox.received == []
        with app.app_context():
            assert "CERTIFICATE_VERIFY_FAILED" in (
                db.session.query(OutboxMessage).one().last_error or ""
            )
    finally:
        controller.stop()


def test_a_remote_relay_without_starttls_gets_nothing_in_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a loopback relay may be spoken to in clear; this one poses as remote."""
    monkeypatch.setattr(mail, "is_loopback", lambda host: False)
    with plain_relay() as mailbox:
        app = notify_app(tmp_path, mailbox)
        posted(app.test_client(), email=PRIYA, notify_replies=True)
        drain(app)
        assert mailbox.received == []
        with app.app_context():
            error = db.session.query(OutboxMessage).one().last_error or ""
            assert "does not offer STARTTLS" in error
