"""Helpers for the admin tests: an admin account, a signed-in client, and
forms posted with the real CSRF token scraped from the rendered page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from widget.admin import accounts
from widget.extensions import db

NAME = "ann"
PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'\b(type|name|value)="([^"]*)"')


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id with tiny parameters: the same code path, a fraction of the time.

    test_admin_auth.py checks the real parameters separately.
    """
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    accounts._dummy_hash.cache_clear()
    yield
    accounts._dummy_hash.cache_clear()


def create_admin(app: Flask, name: str = NAME, password: str = PASSWORD) -> None:
    with app.app_context():
        accounts.set_password(name, password)
        db.session.commit()


def form_html(html: str, action: str) -> str:
    """The markup of the form that posts to ``action`` (a path, query allowed)."""
    for match in re.finditer(r"<form\b[^>]*>.*?</form>", html, re.DOTALL):
        found = re.search(r'action="([^"]*)"', match.group(0))
        if found and unescape(found.group(1)) == action:
            return match.group(0)
    raise AssertionError(f"no form posts to {action}")


def csrf_token(html: str, action: str) -> str:
    found = _TOKEN.search(form_html(html, action))
    assert found, f"the form posting to {action} has no CSRF token"
    return found.group(1)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """Every hidden input of the form posting to ``action``, as a browser sends them."""
    fields = {}
    for tag in _INPUT.findall(form_html(html, action)):
        attributes = {key: unescape(value) for key, value in _ATTRIBUTE.findall(tag)}
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def submit(
    client: FlaskClient, page: str, action: str, data: dict[str, Any] | None = None
) -> TestResponse:
    """GET ``page``, post its form that posts to ``action`` (token and hidden
    fields included, as a browser would) with ``data`` filled in."""
    html = client.get(page).get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html, action), **hidden_fields(html, action)}
    return client.post(action, data={**payload, **(data or {})})


def login(client: FlaskClient, name: str = NAME, password: str = PASSWORD) -> TestResponse:
    return submit(client, "/admin/login", "/admin/login", {"name": name, "password": password})


def signed_in(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def flashes(response: TestResponse) -> list[str]:
    html = response.get_data(as_text=True)
    return [unescape(m) for m in re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.DOTALL)]
