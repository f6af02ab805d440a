"""Posting and reading limits per client, with time frozen (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from flask.testing import FlaskClient

from ..conftest import comments_url, make_app, post_comment

# Every test here on SQLite and on PostgreSQL, like the rest of the API tests.
pytestmark = pytest.mark.usefixtures("backend")

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
READER = {"REMOTE_ADDR": "127.0.0.10"}
OTHER_READER = {"REMOTE_ADDR": "127.0.0.11"}


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def limited_client(tmp_path, environ: dict[str, str], **config) -> FlaskClient:
    # The storage a deployment gets when it sets none: the machine-wide file.
    storage = f"sqlite:///{tmp_path / 'ratelimits.db'}"
    app = make_app(
        tmp_path, **{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage, **config}
    )
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def test_the_post_beyond_the_limit_is_429_with_retry_after(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER)

    statuses = [post_comment(client, "a1", author=f"R{i}").status_code for i in range(5)]
    refused = post_comment(client, "a1", author="One too many")

    assert statuses == [201] * 5
    assert refused.status_code == 429
    data = refused.get_json()
    assert data["error"] == "rate_limited"
    assert 1 <= data["retry_after"] <= 60
    assert refused.headers["Retry-After"] == str(data["retry_after"])
    assert "try again" in data["message"].lower()
    assert client.get(comments_url("a1")).get_json()["total"] == 5

    traveller.shift(61)
    assert post_comment(client, "a1", author="After a minute").status_code == 201


def test_the_hourly_window_holds_after_the_minute_resets(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, POST_LIMITS="2/minute;3/hour")

    assert post_comment(client, "a1").status_code == 201
    assert post_comment(client, "a1").status_code == 201
    traveller.shift(61)
    assert post_comment(client, "a1").status_code == 201
    traveller.shift(61)
    refused = post_comment(client, "a1")

    assert refused.status_code == 429
    assert refused.get_json()["retry_after"] > 60


def test_a_second_client_is_unaffected(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, POST_LIMITS="2/minute")
    for _ in range(3):
        post_comment(client, "a1")

    other = client.application.test_client()
    other.environ_base.update(OTHER_READER)

    assert post_comment(client, "a1").status_code == 429
    assert post_comment(other, "a1").status_code == 201


def test_a_spoofed_x_forwarded_for_does_not_reset_the_limit(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, POST_LIMITS="2/minute")
    post_comment(client, "a1")
    post_comment(client, "a1")

    for spoof in ("127.0.0.99", "127.0.0.98, 127.0.0.97", "unknown"):
        response = post_comment(client, "a1", headers={"X-Forwarded-For": spoof})
        assert response.status_code == 429, spoof


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, POST_LIMITS="1/minute", TRUSTED_PROXIES=1)

    first = post_comment(client, "a1", headers={"X-Forwarded-For": "127.0.1.1"})
    same = post_comment(client, "a1", headers={"X-Forwarded-For": "127.0.1.1"})
    other = post_comment(client, "a1", headers={"X-Forwarded-For": "127.0.1.2"})

    assert (first.status_code, same.status_code, other.status_code) == (201, 429, 201)


def test_reads_are_limited_more_loosely_and_separately(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, READ_LIMITS="3/minute", POST_LIMITS="1/minute")
    token = client.get(comments_url("a1")).get_json()["form"]["token"]

    assert post_comment(client, "a1", token=token).status_code == 201
    assert post_comment(client, "a1", token=token).status_code == 429
    statuses = [client.get(comments_url("a1")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get(comments_url("a1")).get_json()["error"] == "rate_limited"


def test_a_429_keeps_the_cors_headers_so_the_box_can_read_it(tmp_path, traveller) -> None:
    origin = "https://news.example.com"
    client = limited_client(tmp_path, READER, POST_LIMITS="1/minute", ALLOWED_ORIGINS=[origin])
    post_comment(client, "a1", headers={"Origin": origin})

    refused = post_comment(client, "a1", headers={"Origin": origin})

    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == origin
    assert "Retry-After" in refused.headers.get("Access-Control-Expose-Headers", "")


def test_limits_can_be_switched_off(tmp_path, traveller) -> None:
    client = limited_client(tmp_path, READER, POST_LIMITS="1/minute", RATELIMIT_ENABLED=False)
    assert [post_comment(client, "a1").status_code for _ in range(3)] == [201] * 3
