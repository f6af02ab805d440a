"""When an admin session stops working: sign-out (everywhere it was copied),
30 idle minutes, 12 hours whatever happens, and a deleted admin."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from ..admin_support import NAME, flashes, login, signed_in, submit

COOKIE = "comments_admin"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding the same cookie (copied, stolen, or kept)."""
    other = app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return other


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app: Flask) -> None:
    client = signed_in(app)
    kept = copy_of(client, app)
    assert kept.get("/admin/").status_code == 200  # the copy works, until…

    submit(client, "/admin/", "/admin/logout")

    refused = kept.get("/admin/comments")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/admin/login")
    assert "Your session has ended. Sign in again." in flashes(kept.get(refused.location))
    assert client.get("/admin/").status_code == 302


def test_signing_out_ends_the_admins_other_sessions(app: Flask) -> None:
    laptop = signed_in(app)
    phone = app.test_client()
    assert login(phone).status_code == 302

    submit(laptop, "/admin/", "/admin/logout")

    assert phone.get("/admin/").status_code == 302
    assert login(phone).status_code == 302  # signing in again works at once
    assert phone.get("/admin/").status_code == 200


def test_a_session_ends_after_thirty_idle_minutes(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        kept = copy_of(client, app)
        traveller.shift(29 * 60)
        assert client.get("/admin/").status_code == 200
        traveller.shift(29 * 60)  # 58 minutes in, but active a minute ago
        assert client.get("/admin/").status_code == 200
        assert kept.get("/admin/").status_code == 302  # its last-seen is the sign-in
        traveller.shift(30 * 60)
        idle = client.get("/admin/")

    assert idle.status_code == 302
    assert idle.headers["Location"].startswith("/admin/login")


def test_a_session_lasts_twelve_hours_however_active(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        for _ in range(28):  # a request every 25 minutes: never idle, 11 h 40 min
            traveller.shift(25 * 60)
            assert client.get("/admin/").status_code == 200
        traveller.shift(20 * 60 + 1)
        assert client.get("/admin/").status_code == 302


def test_last_seen_is_rewritten_at_most_once_a_minute(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        client.get("/admin/")  # the first page stores its CSRF token
        traveller.shift(50)
        quiet = client.get("/admin/")
        traveller.shift(11)
        refreshed = client.get("/admin/")

    assert quiet.status_code == refreshed.status_code == 200
    assert "Set-Cookie" not in quiet.headers  # no write for every request
    assert refreshed.headers["Set-Cookie"].startswith(f"{COOKIE}=")


def test_deleting_an_admin_ends_their_sessions_at_once(app: Flask) -> None:
    client = signed_in(app)
    assert client.get("/admin/").status_code == 200

    result = app.test_cli_runner().invoke(args=["delete-admin", NAME])

    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    assert login(app.test_client()).status_code == 200  # the name is gone
