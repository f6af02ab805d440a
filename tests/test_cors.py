"""Cross-origin rules: exact origins, no credentials, no cookies."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import comments_url, make_app, post_comment

# Every test here on SQLite and on PostgreSQL, like the rest of the API tests.
pytestmark = pytest.mark.usefixtures("backend")

ALLOWED = "https://news.example.com"


@pytest.fixture
def cors_app(tmp_path) -> Flask:
    return make_app(tmp_path, ALLOWED_ORIGINS=[ALLOWED, "https://blog.example.org"])


def test_an_allowed_origin_is_echoed_without_credentials(cors_app: Flask) -> None:
    client = cors_app.test_client()

    listing = client.get(comments_url("a1"), headers={"Origin": ALLOWED})
    posted = post_comment(client, "a1", headers={"Origin": ALLOWED})

    for response in (listing, posted):
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" in response.headers.get("Vary", "")
    assert posted.status_code == 201


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://news.example.com.evil.io",
        "http://news.example.com",
        "https://news.example.com:8443",
        "null",
    ],
)
def test_other_origins_get_no_allow_origin_and_cannot_post(cors_app: Flask, origin: str) -> None:
    client = cors_app.test_client()

    listing = client.get(comments_url("a1"), headers={"Origin": origin})
    posted = post_comment(client, "a1", headers={"Origin": origin})

    assert "Access-Control-Allow-Origin" not in listing.headers
    assert posted.status_code == 403
    assert posted.get_json()["error"] == "origin_not_allowed"
    assert client.get(comments_url("a1")).get_json()["total"] == 0


def test_a_request_without_origin_is_not_a_browser_and_may_post(cors_app: Flask) -> None:
    assert post_comment(cors_app.test_client(), "a1").status_code == 201


def test_the_service_own_origin_may_post_for_the_demo_page(cors_app: Flask) -> None:
    response = post_comment(cors_app.test_client(), "a1", headers={"Origin": "http://localhost"})
    assert response.status_code == 201


def test_the_preflight_allows_a_json_post_from_an_allowed_origin(cors_app: Flask) -> None:
    response = cors_app.test_client().options(
        comments_url("a1"),
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Set-Cookie" not in response.headers


def test_cors_is_scoped_to_the_api(cors_app: Flask) -> None:
    response = cors_app.test_client().get("/healthz", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origin_is_allowed_by_default_outside_debug(client: FlaskClient) -> None:
    response = client.get(comments_url("a1"), headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert post_comment(client, "a1", headers={"Origin": ALLOWED}).status_code == 403


def test_debug_allows_every_origin(tmp_path) -> None:
    app = make_app(tmp_path, ALLOWED_ORIGINS=["*"])
    response = post_comment(app.test_client(), "a1", headers={"Origin": ALLOWED})
    assert response.status_code == 201
