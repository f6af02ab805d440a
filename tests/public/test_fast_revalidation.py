"""The listing's WSGI layer (widget/public/revalidate.py) answers exactly as
Flask does: every request is made twice, through the layer and with the layer
stood aside, and the status, body, headers, log line and metrics compared.
Each case also says which way the layer went, so a layer that always fell
through would fail here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import update

from widget import cache
from widget.extensions import db, limiter
from widget.models import Article
from widget.moderation.tokens import form_token_problem

from ..conftest import REDIS_URL, comments_url, make_app, need_redis, post_comment

READER = "203.0.113.9"
URL = comments_url("a1")
ROUTE = "/api/v1/articles/<any_id:article_id>/comments"
_TOKEN = re.compile(r'"token":"([^"]+)"')


def answered(app: Flask, lines: list[str], fast: bool, method: str, url: str, **kw: Any):
    """One request: (status, headers, body with the token masked, log line,
    metrics counted, token, whether Flask answered it)."""
    layer = app.extensions["comments.fast_listing"]
    layer.enabled = fast
    calls = {"n": 0}
    inner = layer.wsgi_app

    def counted(environ: dict[str, Any], start_response: Any) -> Any:
        calls["n"] += 1  # the layer handed the request on to Flask
        return inner(environ, start_response)

    layer.wsgi_app = counted
    before = len(lines)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = kw.pop("remote_addr", READER)
    environ = kw.pop("environ", {})
    client.environ_base.update(environ)
    try:
        response = client.open(url, method=method, **kw)
    finally:
        layer.wsgi_app = inner
        layer.enabled = True
    body = response.get_data(as_text=True)
    token = _TOKEN.search(body)
    log = json.loads(lines[before])
    assert len(lines) == before + 1
    del log["ts"], log["ms"]
    return {
        "status": response.status,
        "headers": list(response.headers.items()),
        "body": _TOKEN.sub('"token":"-"', body),
        "log": log,
        "token": token[1] if token else None,
        "flask": calls["n"] == 1,
    }


def requests_counted(method: str, status: int) -> dict[str, float]:
    """comments_http_requests_total by route, for this method and status."""
    counted: dict[str, float] = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name == "comments_http_requests_total"
                and labels["method"] == method
                and labels["status"] == str(status)
            ):
                counted[labels["route"]] = sample.value
    return counted


def compare(app: Flask, lines: list[str], method: str, url: str, **kw: Any) -> dict[str, Any]:
    """The layer's answer, checked against Flask's; returns the layer's."""
    flask_answer = answered(app, lines, False, method, url, **dict(kw))
    status = int(flask_answer["status"][:3])
    counted = requests_counted(method, status)
    fast_answer = answered(app, lines, True, method, url, **dict(kw))
    assert flask_answer["flask"]
    for part in ("status", "headers", "body", "log"):
        assert fast_answer[part] == flask_answer[part], part
    after = requests_counted(method, status)
    grown = [route for route in after if after[route] != counted.get(route, 0.0)]
    assert len(grown) == 1 and after[grown[0]] == counted.get(grown[0], 0.0) + 1
    assert grown[0] == ROUTE or fast_answer["flask"]  # the layer counts the listing's rule
    if fast_answer["token"] is not None:
        assert fast_answer["token"] != flask_answer["token"]  # one token per answer
        with app.test_request_context():
            article_id = fast_answer["log"]["article_id"]
            assert form_token_problem(fast_answer["token"], article_id) is None
    return fast_answer


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def etag_of(app: Flask, url: str = URL) -> str:
    return app.test_client().get(url).headers["ETag"]


def test_a_cached_page_and_its_304_are_answered_by_the_layer_as_flask_would(
    app: Flask, lines: list[str]
) -> None:
    client = app.test_client()
    post_comment(client, "a1", body="A first comment " + "long enough to be posted. " * 3)
    etag = etag_of(app)

    page = compare(app, lines, "GET", URL)
    not_modified = compare(app, lines, "GET", URL, headers={"If-None-Match": etag})

    assert not page["flask"] and page["status"] == "200 OK"
    assert "A first comment" in page["body"]
    assert not not_modified["flask"] and not_modified["status"] == "304 NOT MODIFIED"
    assert ("Access-Control-Allow-Origin", "*") in not_modified["headers"]
    assert page["log"]["article_id"] == "a1"


@pytest.mark.parametrize(
    "sent",
    [
        "{etag}",
        "{strong}",
        '"nope", {etag}',
        '"nope",{strong} ,W/"other"',
        "*",
        " * ",
    ],
)
def test_every_if_none_match_that_names_the_page_is_a_fast_304(
    app: Flask, lines: list[str], sent: str
) -> None:
    etag = etag_of(app)
    header = sent.format(etag=etag, strong=etag.removeprefix("W/"))

    for method in ("GET", "HEAD"):
        answer = compare(app, lines, method, URL, headers={"If-None-Match": header})
        assert answer["status"] == "304 NOT MODIFIED" and not answer["flask"]


@pytest.mark.parametrize("sent", ['W/"stale-1"', '"0"', "", "W/", '"*"'])
def test_an_etag_that_does_not_match_gets_the_page(app: Flask, lines: list[str], sent: str) -> None:
    etag_of(app)  # the page is cached

    answer = compare(app, lines, "GET", URL, headers={"If-None-Match": sent})

    assert answer["status"] == "200 OK" and not answer["flask"]


@pytest.mark.parametrize(
    "query",
    ["", "?", "?sort=oldest", "?sort=top&limit=5", "?limit=5&sort=newest", "?limit=007"],
)
@pytest.mark.parametrize("origin", [None, "https://news.example", "null"])
def test_the_query_strings_the_view_takes_with_or_without_origin(
    app: Flask, lines: list[str], query: str, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    etag_of(app, URL + query)

    for method in ("GET", "HEAD"):
        answer = compare(app, lines, method, URL + query, headers=headers)
        assert answer["status"] == "200 OK" and not answer["flask"]
        assert (answer["body"] == "") == (method == "HEAD")


@pytest.mark.parametrize(
    "url",
    [
        URL + "?sort=best",
        URL + "?limit=0",
        URL + "?limit=101",
        URL + "?limit=12345678901",
        URL + "?limit=five",
        URL + "?sort=top&sort=top",
        URL + "?limit=5&limit=5",
        URL + "?sort=%74op",
        URL + "?sort=top&",
        URL + "?utm_source=mail",
        URL + "?sort",
        URL + "?cursor=",
        URL + "?cursor=abc",
        "/api/v1/articles/-a1/comments",
        "/api/v1/articles/a%201/comments",
        "/api/v1/articles/a1/b/comments",
        "/api/v1/articles/%C3%A91/comments",
        "/api/v1/articles/" + "a" * 129 + "/comments",
        URL + "/",
    ],
)
def test_anything_unusual_is_answered_by_flask(app: Flask, lines: list[str], url: str) -> None:
    etag = etag_of(app)

    answer = compare(app, lines, "GET", url, headers={"If-None-Match": etag})

    assert answer["flask"]
    assert answer["status"][:3] in {"200", "304", "400", "404"}


def test_a_cache_miss_goes_to_flask_and_the_next_request_is_fast(
    app: Flask, lines: list[str]
) -> None:
    first = answered(app, lines, True, "GET", comments_url("fresh"))
    second = answered(app, lines, True, "GET", comments_url("fresh"))

    assert first["flask"] and not second["flask"]
    assert first["body"] == second["body"]


def test_a_new_comment_is_never_hidden_behind_a_stale_304(app: Flask, lines: list[str]) -> None:
    client = app.test_client()
    old = etag_of(app)
    compare(app, lines, "GET", URL, headers={"If-None-Match": old})

    post_comment(client, "a1", body="The comment that changes the page, long enough to post.")
    first = answered(app, lines, True, "GET", URL, headers={"If-None-Match": old})
    # compare() asks Flask first (the new page is cached by now), then the layer.
    answer = compare(app, lines, "GET", URL, headers={"If-None-Match": old})

    assert first["status"] == "200 OK" and first["flask"]  # a new version: not cached yet
    assert answer["status"] == "200 OK" and not answer["flask"]
    assert "changes the page" in answer["body"]
    assert ("ETag", old) not in answer["headers"]


def test_a_missing_and_a_closed_article(app: Flask, lines: list[str]) -> None:
    post_comment(app.test_client(), "a1")
    with app.app_context():
        db.session.execute(update(Article).where(Article.id == "a1").values(closed=True))
        db.session.commit()
    for url in (URL, comments_url("never-seen")):
        etag = etag_of(app, url)
        assert not compare(app, lines, "GET", url)["flask"]
        assert not compare(app, lines, "GET", url, headers={"If-None-Match": etag})["flask"]


def test_with_the_page_cache_off_only_the_304_is_fast(tmp_path, lines: list[str]) -> None:
    app = make_app(tmp_path, PAGE_CACHE_SIZE=0)
    etag = etag_of(app)

    page = compare(app, lines, "GET", URL)
    not_modified = compare(app, lines, "GET", URL, headers={"If-None-Match": etag})

    assert page["flask"] and not not_modified["flask"]


def test_behind_a_trusted_proxy_and_under_a_prefix(tmp_path, lines: list[str]) -> None:
    app = make_app(tmp_path, TRUSTED_PROXIES=1)
    etag = etag_of(app)
    environ = {"SCRIPT_NAME": "/comments"}
    forwarded = {"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}

    page = compare(app, lines, "GET", URL, environ=environ, headers=forwarded)
    not_modified = compare(
        app, lines, "GET", URL, environ=environ, headers={**forwarded, "If-None-Match": etag}
    )
    other = compare(app, lines, "GET", URL, headers={"X-Forwarded-For": "198.51.100.5"})

    assert not page["flask"] and not not_modified["flask"]
    assert page["log"]["client"] == not_modified["log"]["client"] != other["log"]["client"]


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_private_network_request_is_left_to_flask_cors(
    app: Flask, lines: list[str], value: str
) -> None:
    etag_of(app)
    headers = {"Access-Control-Request-Private-Network": value, "Origin": "https://a.example"}
    assert compare(app, lines, "GET", URL, headers=headers)["flask"]


def test_the_language_asked_for_changes_nothing(app: Flask, lines: list[str]) -> None:
    etag_of(app)
    answer = compare(app, lines, "GET", URL, headers={"Accept-Language": "de, fr;q=0.5"})
    assert not answer["flask"]


# --- with rate limits on ------------------------------------------------------

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def limited(tmp_path) -> Iterator[Flask]:
    storage = f"sqlite:///{tmp_path / 'ratelimits.db'}"
    with time_machine.travel(START, tick=False):
        app = make_app(
            tmp_path,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=storage,
            READ_LIMITS="4/minute;6/hour",
        )
        yield app
    with app.app_context():
        db.engine.dispose()


def one(app: Flask, lines: list[str], fast: bool, headers: dict[str, str] | None = None, **kw):
    return answered(app, lines, fast, "GET", URL, headers=headers or {}, **kw)


@pytest.mark.parametrize(
    "ways", ["ffff", "FFFF", "fFfF", "FfFf", "ffFF", "FFff"], ids=lambda ways: ways
)
def test_the_request_past_the_limit_is_429_whichever_path_counted_the_others(
    limited: Flask, lines: list[str], ways: str
) -> None:
    """f: through the layer, F: through Flask. The first request fills the
    page cache (through Flask either way) and counts too."""
    etag = one(limited, lines, False)["headers"]
    tag = dict(etag)["ETag"]
    answers = [
        one(limited, lines, way == "f", {"If-None-Match": tag} if n % 2 else {})
        for n, way in enumerate(ways[:3])
    ]
    past = [one(limited, lines, way == "f") for way in ("f", "F")]

    assert [a["status"][:3] for a in answers] == ["200", "304", "200"]
    assert [not a["flask"] for a in answers] == [way == "f" for way in ways[:3]]
    assert [a["status"][:3] for a in past] == ["429", "429"]
    assert past[0]["flask"]  # the layer leaves the refusal to Flask
    assert past[0]["headers"] == past[1]["headers"] and past[0]["body"] == past[1]["body"]
    assert ("Retry-After", "60") in past[0]["headers"]


def test_each_client_has_its_own_read_limit_in_the_layer_too(
    limited: Flask, lines: list[str]
) -> None:
    for _ in range(4):
        one(limited, lines, True)

    assert one(limited, lines, True)["status"][:3] == "429"
    other = one(limited, lines, True, remote_addr="203.0.113.10")
    assert other["status"][:3] == "200" and not other["flask"]


def test_the_hourly_limit_is_counted_by_the_layer_across_minutes(
    limited: Flask, lines: list[str]
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        statuses = []
        for _minute in range(3):
            statuses += [one(limited, lines, True)["status"][:3] for _ in range(3)]
            traveller.shift(61)

    # 4 a minute, 6 an hour: the hourly window refuses the 7th on.
    assert statuses == ["200"] * 6 + ["429"] * 3
    refused = one(limited, lines, False)
    assert refused["status"][:3] == "429"


def test_limit_headers_if_ever_turned_on_keep_every_listing_on_flask(
    limited: Flask, lines: list[str]
) -> None:
    # Flask-Limiter reads RATELIMIT_HEADERS_ENABLED once per process (the
    # first app): set on the singleton, as a deployment that sets it would.
    limiter._headers_enabled = True
    try:
        one(limited, lines, True)
        answer = one(limited, lines, True)
        assert answer["flask"]
        assert dict(answer["headers"])["X-RateLimit-Limit"] == "4"
    finally:
        limiter._headers_enabled = False  # the singleton outlives this app


def test_with_redis_a_change_made_by_another_instance_is_never_answered_stale(
    tmp_path, lines: list[str], redis_prefix: str
) -> None:
    need_redis()
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    one, other = make_app(tmp_path, **config), make_app(tmp_path, **config)
    try:
        etag = etag_of(one)  # Flask reads the version and keeps it
        assert not compare(one, lines, "GET", URL, headers={"If-None-Match": etag})["flask"]

        post_comment(other.test_client(), "a1")
        changed = answered(one, lines, True, "GET", URL, headers={"If-None-Match": etag})

        assert changed["status"] == "200 OK" and changed["flask"]
        assert '"total":1' in changed["body"]
        assert not compare(one, lines, "GET", URL)["flask"]
    finally:
        for app in (one, other):
            with app.app_context():
                cache.versions().close()
