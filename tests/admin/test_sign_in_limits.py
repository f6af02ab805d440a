"""The sign-in limits at their edges: names that name no one, a form with no
name at all, the Retry-After countdown, and what the limits file shows of a
name (tests/admin/test_admin_signin.py has the limits themselves)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from werkzeug.test import TestResponse

from ..admin_support import NAME, PASSWORD, create_admin, csrf_token, login
from ..conftest import make_app
from .test_admin_signin import ACCOUNT_LIMITED

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def limited(tmp_path: Any) -> Flask:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    create_admin(app)
    return app


def addresses() -> Iterator[str]:
    n = 0
    while True:
        yield f"198.51.{n // 250}.{n % 250 + 1}"
        n += 1


def from_address(app: Flask, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_without_a_name(app: Flask, address: str) -> TestResponse:
    """A hand-made form with no name field, as a script might send it."""
    client = from_address(app, address)
    token = csrf_token(client.get("/admin/login").get_data(as_text=True), "/admin/login")
    return client.post("/admin/login", data={"csrf_token": token, "password": "a guess"})


def test_names_that_name_no_one_share_one_bucket_no_admin_is_in(limited: Flask) -> None:
    fresh = addresses()
    with time_machine.travel(START, tick=False):
        blank = [login(from_address(limited, next(fresh)), name, "a guess") for name in ["  "] * 5]
        junk = [login(from_address(limited, next(fresh)), "x" * 81, "a guess") for _ in range(4)]
        missing = post_without_a_name(limited, next(fresh))  # the tenth failure
        refused = post_without_a_name(limited, next(fresh))
        admin = login(from_address(limited, next(fresh)))

    assert [r.status_code for r in blank + junk + [missing]] == [200] * 10
    assert refused.status_code == 429
    assert ACCOUNT_LIMITED in refused.get_data(as_text=True)
    assert admin.status_code == 302  # no admin's sign-in is paused


def test_retry_after_counts_down_to_one_second(tmp_path: Any) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    create_admin(app)
    client = from_address(app, "192.0.2.60")
    with time_machine.travel(START, tick=False) as traveller:
        for i in range(5):
            assert login(client, NAME, f"guess {i}").status_code == 200
        traveller.shift(30)
        half = login(client, NAME, PASSWORD)
        traveller.shift(29.5)
        last = login(client, NAME, PASSWORD)
        traveller.shift(1.5)  # a minute and a second after the first guess
        after = login(client, NAME, PASSWORD)

    assert (half.status_code, half.headers["Retry-After"]) == (429, "30")
    assert (last.status_code, last.headers["Retry-After"]) == (429, "1")
    assert after.status_code == 302


def account_buckets(tmp_path: Path, secret: str) -> list[str]:
    """The per-account buckets a failed sign-in as ann leaves in the limits file."""
    (tmp_path / secret).mkdir()
    path = tmp_path / secret / "limits.db"
    app = make_app(
        tmp_path / secret,
        SECRET_KEY=secret,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{path}",
    )
    create_admin(app)
    assert login(from_address(app, "192.0.2.70"), NAME, "a wrong guess").status_code == 200
    with sqlite3.connect(path) as connection:
        keys = [key for (key,) in connection.execute("SELECT DISTINCT key FROM hits")]
    return [key for key in keys if key.endswith("/10/15/minute")]


def test_the_limits_file_names_an_account_by_a_hash_keyed_with_the_secret(tmp_path: Path) -> None:
    """Whoever reads the limits file (or Redis) without the secret key cannot
    check guessed admin names against it."""
    (here,) = account_buckets(tmp_path, "one-secret-key")
    (there,) = account_buckets(tmp_path, "another-secret-key")

    assert NAME not in here.split("/")
    assert here != there
