"""Cross-origin rules: "*" for the public reads, exact origins for writes, no credentials."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import comments_url, make_app, post_comment

# Every test here on SQLite and on PostgreSQL, like the rest of the API tests.
pytestmark = pytest.mark.usefixtures("backend")

ALLOWED = "https://news.example.com"


@pytest.fixture
def cors_app(tmp_path) -> Flask:
    return make_app(tmp_path, ALLOWED_ORIGINS=[ALLOWED, "https://blog.example.org"])


def test_a_post_from_an_allowed_origin_is_echoed_without_credentials(cors_app: Flask) -> None:
    posted = post_comment(cors_app.test_client(), "a1", headers={"Origin": ALLOWED})

    assert posted.status_code == 201
    assert posted.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Credentials" not in posted.headers
    assert "Origin" in posted.headers.get("Vary", "")


PUBLIC_READS = [comments_url("a1"), "/api/v1/counts?article_id=a1", "/api/v1/openapi.json"]
SOME_ORIGINS = [{"Origin": "https://evil.example"}, {"Origin": ALLOWED}, {}]


@pytest.mark.parametrize("url", PUBLIC_READS)
def test_public_reads_answer_every_origin_alike_so_a_cdn_cannot_be_poisoned(
    cors_app: Flask, url: str
) -> None:
    client = cors_app.test_client()
    post_comment(client, "a1")

    answers = [client.get(url, headers=origin) for origin in SOME_ORIGINS]

    for response in answers:
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" not in response.headers.get("Vary", "")
        assert "public" in response.headers["Cache-Control"]
    # One cacheable answer for everyone (the listing's form token aside).
    bodies = [response.get_json() for response in answers]
    for body in bodies:
        body.get("form", {}).pop("token", None)
    assert bodies[0] == bodies[1] == bodies[2]


def test_a_revalidated_listing_answers_every_origin_alike(cors_app: Flask) -> None:
    client = cors_app.test_client()
    etag = client.get(comments_url("a1")).headers["ETag"]

    for origin in SOME_ORIGINS:
        response = client.get(comments_url("a1"), headers={**origin, "If-None-Match": etag})
        assert response.status_code == 304
        assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://news.example.com.evil.io",
        "http://news.example.com",
        "https://news.example.com:8443",
        "null",
        # The service's own origin is http://localhost: look-alikes stay out.
        "http://localhost.evil.io",
        "http://localhost:8443",
    ],
)
def test_other_origins_cannot_post_nor_pass_the_preflight(cors_app: Flask, origin: str) -> None:
    client = cors_app.test_client()

    preflight = client.options(
        comments_url("a1"),
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    posted = post_comment(client, "a1", headers={"Origin": origin})

    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers
    assert posted.status_code == 403
    assert posted.get_json()["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in posted.headers
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


def test_no_origin_may_post_by_default_outside_debug(client: FlaskClient) -> None:
    response = post_comment(client, "a1", headers={"Origin": ALLOWED})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_debug_allows_every_origin(tmp_path) -> None:
    app = make_app(tmp_path, ALLOWED_ORIGINS=["*"])
    response = post_comment(app.test_client(), "a1", headers={"Origin": ALLOWED})
    assert response.status_code == 201
