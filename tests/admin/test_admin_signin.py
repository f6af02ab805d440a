"""Signing in: the per-account limit, the long-password guard, what a failed
sign-in logs, and the page that says why sign-in cannot work over plain HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from widget.admin import accounts

from ..admin_support import NAME, PASSWORD, create_admin, csrf_token, login
from ..conftest import logged, make_app

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SAME_MESSAGE = "That name and password do not match an admin."
ACCOUNT_LIMITED = "Too many failed sign-ins with this name."
PLAIN_HTTP = "This page came over plain HTTP"


@pytest.fixture
def limited(tmp_path: Any) -> Flask:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    create_admin(app)
    create_admin(app, "bo", "bo's long password")
    return app


def login_from(app: Flask, address: str, name: str = NAME, password: str = PASSWORD):
    """Sign in from a client of its own, as an attacker rotating addresses would."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return login(client, name, password)


def addresses(first: int) -> Iterator[str]:
    n = first
    while True:
        yield f"198.51.{n // 250}.{n % 250 + 1}"
        n += 1


# --- the per-account limit -------------------------------------------------------


def test_failed_sign_ins_are_limited_per_account_whatever_the_address(limited: Flask) -> None:
    fresh = addresses(0)
    with time_machine.travel(START, tick=False) as traveller:
        guesses = [login_from(limited, next(fresh), NAME, f"guess {i}") for i in range(10)]
        refused = login_from(limited, next(fresh))  # even the right password
        other_account = login_from(limited, next(fresh), "bo", "bo's long password")
        traveller.shift(15 * 60 + 1)
        later = login_from(limited, next(fresh))

    assert [r.status_code for r in guesses] == [200] * 10
    assert refused.status_code == 429
    assert ACCOUNT_LIMITED in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "900"
    assert other_account.status_code == 302
    assert later.status_code == 302


def test_the_account_limit_answers_an_unknown_name_the_same(limited: Flask) -> None:
    fresh = addresses(0)
    answers: dict[str, TestResponse] = {}
    with time_machine.travel(START, tick=False):
        for name in (NAME, "nobody"):
            for i in range(10):
                assert login_from(limited, next(fresh), name, f"guess {i}").status_code == 200
            answers[name] = login_from(limited, next(fresh), name, f"guess {name}")

    known, unknown = answers[NAME], answers["nobody"]
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    strip = re.compile(r'value="[^"]*"')  # the CSRF tokens differ
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )


def test_the_account_limit_counts_failures_only(limited: Flask) -> None:
    fresh = addresses(0)
    with time_machine.travel(START, tick=False):
        signed_in = [login_from(limited, next(fresh)).status_code for _ in range(12)]
        wrong = login_from(limited, next(fresh), NAME, "a wrong guess")

    assert signed_in == [302] * 12
    assert wrong.status_code == 200 and SAME_MESSAGE in wrong.get_data(as_text=True)


def test_the_account_limit_sees_through_spellings_of_one_name(limited: Flask) -> None:
    fresh = addresses(0)
    with time_machine.travel(START, tick=False):
        spellings = [" ann", "ann ", "\uff41\uff4e\uff4e", "Ann", "ann"]  # fullwidth: NFKC
        for i, spelling in enumerate(spellings * 2):
            assert login_from(limited, next(fresh), spelling, f"guess {i}").status_code == 200
        refused = login_from(limited, next(fresh))

    assert refused.status_code == 429


# --- the long-password guard -----------------------------------------------------


class CountingHasher(PasswordHasher):
    """Cheap argon2id that remembers the length of every password it verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.verified: list[int] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(len(password))
        return super().verify(hash, password)


def test_a_very_long_password_is_refused_without_being_hashed(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_admin(app)
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    client = app.test_client()

    answers = [login(client, name, "x" * 2000) for name in (NAME, "nobody")]
    assert hasher.verified == []  # argon2 never ran on 2,000 characters
    wrong = login(client, NAME, "y" * 1024)  # the longest password that is checked

    for response in answers:
        assert response.status_code == 200
        assert SAME_MESSAGE in response.get_data(as_text=True)
    assert wrong.status_code == 200
    assert hasher.verified == [1024]


# --- what a failed sign-in logs ---------------------------------------------------


def test_a_failed_sign_in_logs_the_client_hash_not_the_address(app: Flask) -> None:
    create_admin(app)
    address = "203.0.113.45"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    with logged("comments.request", "widget.admin") as lines:
        login(client, NAME, "a wrong guess")

    warnings = [line for line in lines if "sign-in" in line]
    requests = [json.loads(line) for line in lines if line.startswith("{")]
    (post,) = [r for r in requests if r["method"] == "POST"]
    assert warnings == [f"failed admin sign-in from client {post['client']}"]
    assert address not in "\n".join(lines)


# --- plain HTTP ---------------------------------------------------------------------


def post_login_without_cookie(app: Flask, base_url: str, **headers: str) -> TestResponse:
    """What a browser sends when it dropped the Secure cookie: the form, no cookie."""
    page = app.test_client().get("/admin/login", base_url=base_url, headers=headers)
    token = csrf_token(page.get_data(as_text=True), "/admin/login")
    data = {"csrf_token": token, "name": NAME, "password": PASSWORD}
    return app.test_client().post("/admin/login", base_url=base_url, data=data, headers=headers)


def test_sign_in_over_plain_http_says_what_is_wrong(app: Flask) -> None:
    create_admin(app)
    page = app.test_client().get("/admin/login", base_url="http://news.example")

    refused = post_login_without_cookie(app, "http://news.example")

    for response in (page, refused):
        html = response.get_data(as_text=True)
        assert PLAIN_HTTP in html
        assert "Serve the admin area over HTTPS" in html
        assert "COMMENTS_TRUSTED_PROXIES" in html
    assert refused.status_code == 400
    assert "Signing in needs HTTPS" in refused.get_data(as_text=True)
    assert "reload the page" not in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://localhost",
        "http://localhost:5000",
        "http://127.0.0.1:8000",
        "http://[::1]:5000",
        "https://news.example",
    ],
)
def test_https_and_this_machine_get_no_plain_http_warning(app: Flask, base_url: str) -> None:
    create_admin(app)
    client = app.test_client()
    assert PLAIN_HTTP not in client.get("/admin/login", base_url=base_url).get_data(as_text=True)

    expired = post_login_without_cookie(app, base_url)
    assert expired.status_code == 400
    assert "reload the page" in expired.get_data(as_text=True)
    assert PLAIN_HTTP not in expired.get_data(as_text=True)


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(tmp_path: Any) -> None:
    app = make_app(tmp_path, TRUSTED_PROXIES=1)
    create_admin(app)
    client: FlaskClient = app.test_client()
    proxied = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "198.51.100.7",
        "Referer": "https://news.example/admin/login",  # Flask-WTF checks it over HTTPS
    }

    page = client.get("/admin/login", base_url="http://news.example", headers=proxied)
    token = csrf_token(page.get_data(as_text=True), "/admin/login")
    signed_in = client.post(
        "/admin/login",
        base_url="http://news.example",
        headers=proxied,
        data={"csrf_token": token, "name": NAME, "password": PASSWORD},
    )

    assert PLAIN_HTTP not in page.get_data(as_text=True)
    assert signed_in.status_code == 302
