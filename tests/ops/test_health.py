"""/healthz: 503 while the database does not answer, 200 again by itself after."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from widget import create_app
from widget.extensions import db

from ..conftest import PG_URL, REDIS_URL, RUN_PREFIX, need_postgres, need_redis


def test_healthz_is_ok_when_the_database_answers(app: Flask) -> None:
    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def redis_app(url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": url,
        }
    )


def test_healthz_is_degraded_naming_redis_when_redis_does_not_answer() -> None:
    app = redis_app(f"redis://127.0.0.1:{closed_port()}/0")

    started = time.monotonic()
    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "down": ["redis"]}
    assert time.monotonic() - started < 2


def test_healthz_is_ok_when_the_configured_redis_answers() -> None:
    need_redis()
    response = redis_app(REDIS_URL).test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_app() -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": (
                f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test?connect_timeout=2"
            ),
            "RATELIMIT_ENABLED": False,
        }
    )


def test_healthz_is_503_json_when_the_database_is_unreachable() -> None:
    app = unreachable_app()

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == "database_unavailable"
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def own_database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database of this test's own, which the test can shut."""
    need_postgres()
    name = f"{RUN_PREFIX}hz_{secrets.token_hex(3)}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name, PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_healthz_goes_503_when_postgres_stops_answering_and_recovers_by_itself(
    own_database: tuple[str, str],
) -> None:
    name, url = own_database
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        assert client.get("/healthz").status_code == 200  # a pooled connection now exists

        # The database goes away: no new connections, and the pooled one is cut.
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        down = [client.get("/healthz") for _ in range(2)]
        assert [r.status_code for r in down] == [503, 503]
        assert down[0].get_json()["error"] == "database_unavailable"

        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        # No restart, no intervention: the next request reconnects (pool_pre_ping).
        assert client.get("/healthz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
        admin.dispose()
