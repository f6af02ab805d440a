"""Admin sessions at their edges: the twelfth hour to the second, the minute
after which last-seen is rewritten, how the end is announced, and a cookie
from the release before idle timeouts (tests/admin/test_admin_sessions.py has the
rules themselves)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import time_machine
from flask import Flask

from widget.admin import accounts
from widget.extensions import db
from widget.models import Admin

from ..admin_support import NAME, create_admin, login, signed_in

COOKIE = "comments_admin"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_a_session_ends_at_twelve_hours_to_the_second(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        for _ in range(28):  # 11 h 40 min, never idle
            traveller.shift(25 * 60)
            assert client.get("/admin/").status_code == 200
        traveller.shift(20 * 60 - 1)
        last = client.get("/admin/")
        traveller.shift(1)
        ended = client.get("/admin/")

    assert last.status_code == 200
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/admin/login")


def test_last_seen_is_rewritten_once_a_full_minute_has_passed(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        client.get("/admin/")  # the first page stores its CSRF token
        traveller.shift(59)
        quiet = client.get("/admin/")
        traveller.shift(1)
        refreshed = client.get("/admin/")

    assert "Set-Cookie" not in quiet.headers
    assert refreshed.headers["Set-Cookie"].startswith(f"{COOKIE}=")


def test_an_ended_session_is_announced_as_an_error(app: Flask) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in(app)
        traveller.shift(30 * 60)
        page = client.get("/admin/", follow_redirects=True).get_data(as_text=True)

    assert '<p class="flash flash-error">Your session has ended. Sign in again.</p>' in page


def test_a_cookie_from_before_idle_timeouts_asks_to_sign_in_again(app: Flask) -> None:
    """The release before this one kept no last-seen time in the cookie."""
    create_admin(app)
    client = app.test_client()
    with app.app_context():
        admin = db.session.scalar(db.select(Admin).where(Admin.name == NAME))
        old = {"admin_id": admin.id, "admin_key": accounts.session_key(admin)}
    with client.session_transaction() as session:
        session.update(old, admin_since=int(time.time()))

    refused = client.get("/admin/")

    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/admin/login")
    assert login(client).status_code == 302
    assert client.get("/admin/").status_code == 200
