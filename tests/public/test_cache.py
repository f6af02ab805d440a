"""The read path's version cache (widget/cache.py): never stale across
processes, and no database work at all for a warm page or a 304."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from widget import cache

from ..conftest import (
    PG_URL,
    REDIS_URL,
    comments_url,
    make_app,
    pg_config,
    post_comment,
    statements,
)


def kind(app: Flask) -> str:
    with app.app_context():
        return cache.versions().kind


def test_a_warm_page_and_a_304_read_no_comment_rows(app: Flask, backend: str) -> None:
    client = app.test_client()
    post_comment(client, "a1")
    etag = client.get(comments_url("a1")).headers["ETag"]

    with statements(app) as seen:
        page = client.get(comments_url("a1"))
        revalidated = client.get(comments_url("a1"), headers={"If-None-Match": etag})

    assert (page.status_code, revalidated.status_code) == (200, 304)
    assert not any("comments" in statement for statement in seen), seen
    if backend == "sqlite":
        # The version is read from the file directly: the engine is not used.
        assert kind(app) == "sqlite" and seen == []
    else:
        assert kind(app) == "database"


def test_two_processes_on_one_sqlite_file_never_serve_a_stale_listing(tmp_path) -> None:
    writer = make_app(tmp_path)
    reader = make_app(tmp_path)  # the same file: another worker process, in effect
    assert kind(reader) == "sqlite"
    a, b = writer.test_client(), reader.test_client()
    post_comment(a, "a1")
    first = b.get(comments_url("a1"))
    assert first.get_json()["total"] == 1

    post_comment(a, "a1", author="Second")
    again = b.get(comments_url("a1"), headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert [c["author"] for c in again.get_json()["comments"]] == ["Second", "Priya S"]


@pytest.fixture
def pair(tmp_path, pg_schema: str, redis_prefix: str) -> tuple[Flask, Flask]:
    """Two apps sharing one PostgreSQL schema and one Redis, as two instances would."""
    config = {
        **pg_config(pg_schema),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
    }
    first, second = make_app(tmp_path, **config), make_app(tmp_path, **config)
    yield first, second
    for app in (first, second):
        with app.app_context():
            cache.versions().close()


@pytest.mark.postgres
@pytest.mark.redis
def test_with_redis_a_change_on_one_instance_shows_on_the_other_at_once(pair) -> None:
    one, other = pair
    assert kind(one) == kind(other) == "redis"
    a, b = one.test_client(), other.test_client()
    post_comment(a, "a1")
    listed = b.get(comments_url("a1"))
    assert listed.get_json()["total"] == 1
    etag = listed.headers["ETag"]

    with statements(other) as seen:
        assert b.get(comments_url("a1"), headers={"If-None-Match": etag}).status_code == 304
        assert b.get(comments_url("a1")).status_code == 200
    assert seen == [], "a warm instance reads nothing from the database"

    post_comment(a, "a1", author="Second")
    fresh = b.get(comments_url("a1"), headers={"If-None-Match": etag})

    assert fresh.status_code == 200
    assert fresh.get_json()["total"] == 2
    assert fresh.get_json()["comments"][0]["author"] == "Second"


@pytest.mark.postgres
@pytest.mark.redis
def test_a_lost_subscription_never_leaves_a_stale_version(pair, pg_schema: str) -> None:
    one, other = pair
    b = other.test_client()
    post_comment(one.test_client(), "a1")
    etag = b.get(comments_url("a1")).headers["ETag"]  # cached in `other` now

    # Drop other's subscription, then change the article behind everyone's
    # back (nothing is published), as if the message had been lost.
    with other.app_context():
        name = cache.versions()._channel.replace(":", "-")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ids = [c["id"] for c in client.client_list() if c["name"] == name and "sub" in c["flags"]]
        ids = ids or [c["id"] for c in client.client_list() if c["name"] == name]
        assert ids
        for client_id in ids:
            client.client_kill_filter(_id=client_id)
    finally:
        client.close()
    engine = create_engine(PG_URL, poolclass=NullPool, **_search_path(pg_schema))
    with engine.begin() as connection:
        connection.execute(text("UPDATE comments SET status = 'deleted', listed = false"))
        connection.execute(text("UPDATE articles SET published_count = 0, version = version + 1"))
    engine.dispose()

    after = b.get(comments_url("a1"), headers={"If-None-Match": etag})

    assert after.status_code == 200
    assert after.get_json()["total"] == 0 and after.get_json()["comments"] == []


def _search_path(schema: str) -> dict[str, Any]:
    return {"connect_args": {"options": f"-csearch_path={schema}"}}
