"""Real receivers on loopback: an SMTP server (aiosmtpd) and an HTTPS webhook
receiver, both with certificates from a test CA (trustme) that the service
trusts through ``SSL_CERT_FILE``, as an operator's would through the system store."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask

from tests.conftest import make_app
from tests.servers import free_port
from widget.extensions import db
from widget.notify import worker

SMTP_USER, SMTP_PASSWORD = "mailer", "p@ss word"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MAIL_FROM = "comments@news.example"
ADMIN = "desk@news.example"


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, path


@pytest.fixture
def trusted(test_ca: tuple[trustme.CA, Path], monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """The service trusts the test CA (and only it) for this test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca[1]))
    return test_ca[0]


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


# --- SMTP -------------------------------------------------------------------------


@dataclass
class MailServer:
    url: str
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # as it came over the wire
    refuse_with: str | None = None  # an SMTP reply to every RCPT, e.g. "550 no such user"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        self.raw.append(envelope.original_content)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.received, self.envelopes, strict=True) if address in rcpt]


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 235 or 535


def start_smtp(ca: trustme.CA, *, implicit_tls: bool = False) -> tuple[Controller, MailServer]:
    port = free_port()
    scheme = "smtps" if implicit_tls else "smtp"
    mailbox = MailServer(f"{scheme}://{SMTP_USER}:p%40ss%20word@127.0.0.1:{port}")
    if implicit_tls:  # aiosmtpd cannot tell that this connection is TLS: it is
        tls: dict[str, Any] = {"ssl_context": server_context(ca), "auth_require_tls": False}
    else:
        tls = {"tls_context": server_context(ca), "require_starttls": True}
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_required=True,
        **tls,
    )
    controller.start()
    return controller, mailbox


@pytest.fixture
def smtp(trusted: trustme.CA) -> Iterator[MailServer]:
    """An SMTP server that requires STARTTLS and a password, as a real relay does."""
    controller, mailbox = start_smtp(trusted)
    yield mailbox
    controller.stop()


# --- webhooks ------------------------------------------------------------------------


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to answer, in turn; then 200
    hang: threading.Event | None = None  # set: requests wait for it before answering
    arrived: threading.Event = field(default_factory=threading.Event)

    def events(self, event_type: str) -> list[dict[str, Any]]:
        return [d.event for d in self.deliveries if d.event["type"] == event_type]


def start_receiver(ca: trustme.CA) -> tuple[ThreadingHTTPServer, Receiver]:
    port = free_port()
    receiver = Receiver(f"https://127.0.0.1:{port}/hooks/comments")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.deliveries.append(Delivery(dict(self.headers.items()), body))
            receiver.arrived.set()
            if receiver.hang is not None:
                receiver.hang.wait(30)
            status = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.socket = server_context(ca).wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver


@pytest.fixture
def receiver(trusted: trustme.CA) -> Iterator[Receiver]:
    server, found = start_receiver(trusted)
    yield found
    if found.hang is not None:
        found.hang.set()
    server.shutdown()
    server.server_close()


# --- the service --------------------------------------------------------------------


def notify_app(
    tmp_path: Path,
    smtp: MailServer | None = None,
    receiver: Receiver | None = None,
    **overrides: Any,
) -> Flask:
    """An app that mails through ``smtp`` and posts events to ``receiver``."""
    import base64

    settings: dict[str, Any] = {"PUBLIC_URL": "https://comments.news.example"}
    if smtp is not None:
        settings.update(SMTP_URL=smtp.url, MAIL_FROM=MAIL_FROM, ADMIN_EMAILS=[ADMIN])
    if receiver is not None:
        settings.update(
            WEBHOOK_URLS=[receiver.url],
            WEBHOOK_SECRET=base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_")),
            WEBHOOK_ALLOW_PRIVATE=True,
        )
    settings.update(overrides)
    return make_app(tmp_path, **settings)


def drain(app: Flask) -> int:
    """What the worker would do now: send every due message."""
    with app.app_context():
        try:
            return worker.drain("test-host:1:test")
        finally:
            db.session.remove()


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
