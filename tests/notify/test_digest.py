"""The admins' digest through a real SMTP server: the first as soon as
something waits, then at most one every 15 minutes, listing held and reported
comments with links into the admin area, reader text defanged."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import LONG_BODY, posted, reader
from widget.models import utcnow
from widget.moderation import actions
from widget.moderation.selection import Selection

from .conftest import ADMIN, MailServer, drain, notify_app

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def app(tmp_path: Path, smtp: MailServer) -> Flask:
    app = notify_app(tmp_path, smtp)
    app.config["MODERATION"] = "pre"  # every new comment waits for an admin
    return app


def _hold(client: FlaskClient, body: str = LONG_BODY, **fields: object) -> int:
    return posted(client, status=202, body=body, **fields)["id"]


def _report(app: Flask, comment_id: int, n: int) -> None:
    response = reader(app, f"198.51.100.{n + 1}").post(
        f"/api/v1/articles/a1/comments/{comment_id}/reports",
        json={
            "voter": f"voter-number-{n:04d}-abcdef",
            "reason": "abuse",
            "details": "Calls another reader names.",
        },
    )
    assert response.status_code == 202, response.get_json()


def test_the_first_digest_goes_at_once_and_lists_what_waits_with_admin_links(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    held = _hold(client, author="Spam Bot", body="Cheap pills at pills.example, " + LONG_BODY)
    drain(app)
    [digest] = smtp.to(ADMIN)
    assert digest["Subject"] == "Comments waiting: 1 held, 0 reported"
    assert digest["Auto-Submitted"] == "auto-generated"
    text = digest.get_content()
    assert f"#{held} on a1 by Spam Bot" in text
    assert "Cheap pills at pills[.]example" in text
    assert f"https://comments.news.example/admin/comments/{held}" in text
    assert "https://comments.news.example/admin/comments?status=pending" in text
    links = re.findall(r"\w+://\S+", text)
    assert all(link.startswith("https://comments.news.example/admin/") for link in links)


def test_more_waiting_within_15_minutes_makes_one_later_digest_of_everything(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    start = utcnow()
    _hold(client)
    drain(app)
    with time_machine.travel(start + timedelta(minutes=5)):
        second = _hold(reader(app, "203.0.113.2"), body="Another held one. " + LONG_BODY)
        app.config["MODERATION"] = "post"
        published = posted(reader(app, "203.0.113.3"), body="A fine comment. " + LONG_BODY)["id"]
        for n in range(3):
            _report(app, published, n)
        drain(app)
        assert len(smtp.to(ADMIN)) == 1
    with time_machine.travel(start + timedelta(minutes=14, seconds=50)):
        drain(app)
        assert len(smtp.to(ADMIN)) == 1
    with time_machine.travel(start + timedelta(minutes=15, seconds=5)):
        drain(app)
    assert len(smtp.to(ADMIN)) == 2
    latest = smtp.to(ADMIN)[-1]
    # Three reports held the fine comment: it is both held and reported.
    assert latest["Subject"] == "Comments waiting: 3 held, 1 reported"
    text = latest.get_content()
    assert f"#{second} on a1" in text and "3 reports" in text
    assert "https://comments.news.example/admin/reports" in text


def test_no_digest_when_the_queue_emptied_before_it_was_due(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    start = utcnow()
    first = _hold(client)
    drain(app)
    with time_machine.travel(start + timedelta(minutes=1)):
        second = _hold(reader(app, "203.0.113.2"), body="Another held one. " + LONG_BODY)
    with app.app_context():
        actions.change_status(Selection.of(ids=[first, second]), "approve", "ann")
    with time_machine.travel(start + timedelta(minutes=16)):
        drain(app)
    assert len(smtp.to(ADMIN)) == 1


def test_without_admin_addresses_there_is_no_digest(tmp_path: Path, smtp: MailServer) -> None:
    app = notify_app(tmp_path, smtp, ADMIN_EMAILS=[])
    app.config["MODERATION"] = "pre"
    _hold(app.test_client())
    assert drain(app) == 0
    assert smtp.received == []


def test_a_digest_given_up_on_does_not_block_the_next(
    app: Flask, client: FlaskClient, smtp: MailServer
) -> None:
    smtp.refuse_with = "550 5.1.1 No such mailbox"
    _hold(client)
    drain(app)
    assert smtp.received == []
    smtp.refuse_with = None
    second = _hold(reader(app, "203.0.113.2"), body="Another held one. " + LONG_BODY)
    drain(app)
    [digest] = smtp.to(ADMIN)
    assert digest["Subject"] == "Comments waiting: 2 held, 0 reported"
    assert f"#{second} on a1" in digest.get_content()
