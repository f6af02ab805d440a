"""Fixtures in the flaskr style: an app per test on its own SQLite file."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget import create_app
from widget.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"
LONG_BODY = "A considered reply about the article, long enough to pass the minimum. "


def need(condition: bool, what: str) -> None:
    """Skip when a service is missing on a laptop; fail loudly in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} is not available")


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def make_app(tmp_path: Any, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/comments.db",
        "MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path: Any) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def comments_url(article_id: str) -> str:
    return f"/api/v1/articles/{article_id}/comments"


def form_token(client: FlaskClient, article_id: str) -> str:
    return client.get(comments_url(article_id)).get_json()["form"]["token"]


def post_comment(
    client: FlaskClient, article_id: str, headers: dict[str, str] | None = None, **fields: Any
):
    """Post as the box does: with a token from the listing."""
    payload: dict[str, Any] = {"author": "Priya S", "body": LONG_BODY}
    if "token" not in fields:
        payload["token"] = form_token(client, article_id)
    payload.update(fields)
    return client.post(comments_url(article_id), json=payload, headers=headers or {})
