"""Network bans beside other bans: only an active range that holds the client
refuses it (tests/ops/test_clients.py has the ranges themselves)."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment
from widget.moderation import bans

from ..conftest import LONG_BODY, post_comment

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
DAY = 86400


def post_from(app: Flask, address: str, **fields) -> int:
    client: FlaskClient = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    fields.setdefault("body", f"{LONG_BODY} from {address or 'nowhere'}")
    return post_comment(client, "a1", **fields).status_code


def ban(app: Flask, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["ban", *args])
    assert result.exit_code == 0, result.output


def test_an_expired_network_ban_stays_lifted_while_another_network_is_banned(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        ban(app, "--address", "198.51.100.0/24", "--days", "1")
        traveller.shift(DAY + 1)
        ban(app, "--address", "203.0.113.0/24", "--days", "7")

        assert post_from(app, "198.51.100.1") == 201  # its ban is over
        assert post_from(app, "203.0.113.1") == 403  # the other one still holds


def test_a_sender_ban_is_not_a_network_ban(app: Flask) -> None:
    """A ban on one sender beside a network ban refuses that sender alone."""
    assert post_from(app, "192.0.2.10") == 201
    with app.app_context():
        bans.ban(db.session.scalar(db.select(Comment.sender_hash)), 7, "test")
    ban(app, "--address", "198.51.100.0/24", "--days", "7")

    assert post_from(app, "192.0.2.10", body=f"{LONG_BODY} again") == 403
    assert post_from(app, "192.0.2.11") == 201
    assert post_from(app, "198.51.100.7") == 403


def test_a_client_without_an_address_is_in_no_banned_network(app: Flask) -> None:
    """Behind a proxy on a Unix socket with no forwarded address the client is
    unknown: no range holds it, so a network ban does not refuse it."""
    ban(app, "--address", "198.51.100.0/24", "--forever")
    ban(app, "--address", "2001:db8::/32", "--forever")

    assert post_from(app, "") == 201
    assert post_from(app, "198.51.100.1") == 403
