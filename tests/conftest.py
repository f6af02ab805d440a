"""Fixtures in the flaskr style: an app per test on its own database.

The ``app`` fixture (and so ``client`` and ``runner``) runs every test that
uses it twice: on its own SQLite file, and on PostgreSQL in a schema of its
own, created before the test and dropped after it. PostgreSQL tests skip when
the server is absent, except in CI (``CI=true``), where they fail.

A test that builds its own app with ``make_app(tmp_path, ...)`` gets SQLite,
unless it also asks for the ``backend`` fixture (for a whole module:
``pytestmark = pytest.mark.usefixtures("backend")``), which runs it on both.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from widget import create_app
from widget.extensions import db
from widget.models import Comment

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ("sqlite", "postgres")
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The machine's PostgreSQL (trust auth) and its `test` database; override to
# point the suite elsewhere.
PG_URL = os.environ.get(
    "COMMENTS_TEST_POSTGRES_URL", f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"
)
REDIS_URL = os.environ.get("COMMENTS_TEST_REDIS_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/0")
# Every schema and Redis key this run makes starts with this: ct_<start>_<pid>_.
# The start time lets a later run drop what a killed run left behind.
RUN_PREFIX = f"ct_{int(time.time())}_{os.getpid()}_"
STALE_AFTER_SECONDS = 6 * 3600
# Tests need no durability: not waiting for the WAL flush halves posting time.
PG_TEST_OPTIONS = "-csynchronous_commit=off"
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


# --- PostgreSQL: one schema per test ------------------------------------------

_backend: ContextVar[str] = ContextVar("backend", default="sqlite")
_made_apps: list[Flask] = []
_made_schemas: list[str] = []
_admin: Engine | None = None


def _pg_admin() -> Engine:
    """An autocommit engine for CREATE/DROP SCHEMA; drops stale schemas once."""
    global _admin
    if _admin is None:
        _admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with _admin.connect() as connection:
            names = connection.scalars(
                text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ct\\_%'")
            ).all()
            for name in names:
                if _stale(name):
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            databases = connection.scalars(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'ct\\_%'")
            ).all()
            for name in databases:  # tests/ops/test_health.py makes databases of its own
                if _stale(name):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return _admin


def _stale(name: str) -> bool:
    """A ct_<start>_… name from a run that started long ago (and was killed)."""
    started = name.split("_")[1]
    return started.isdigit() and time.time() - int(started) > STALE_AFTER_SECONDS


def new_pg_schema() -> str:
    """Create an empty schema for the current test; dropped when the test ends.

    Connections into it carry the schema as their application_name, so the
    drop can end any a server process still holds.
    """
    name = f"{RUN_PREFIX}{secrets.token_hex(4)}"
    with _pg_admin().connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    _made_schemas.append(name)
    return name


def drop_pg_schema(name: str) -> None:
    with _pg_admin().connect() as connection:
        # Anything still connected to it (a server a test started) goes first.
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND application_name = :name"
            ),
            {"name": name},
        )
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def pg_url(schema: str) -> str:
    """A COMMENTS_DATABASE_URL that works inside ``schema`` (for server processes)."""
    options = quote(f"-csearch_path={schema} {PG_TEST_OPTIONS}")
    return f"{PG_URL}?options={options}&application_name={schema}"


def pg_config(schema: str) -> dict[str, Any]:
    """App config for ``schema``: the search path is set on every connection."""
    return {
        "SQLALCHEMY_DATABASE_URI": PG_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {
                "options": f"-csearch_path={schema} {PG_TEST_OPTIONS}",
                "application_name": schema,
            },
        },
    }


def need_postgres() -> None:
    need(port_open(PG_HOST, PG_PORT), f"PostgreSQL at {PG_HOST}:{PG_PORT}")


def need_redis() -> None:
    need(port_open(REDIS_HOST, REDIS_PORT), f"Redis at {REDIS_HOST}:{REDIS_PORT}")


def _shared_fixture_group(item: pytest.Item) -> str | None:
    """The xdist group of a test that uses an expensive shared fixture of ours.

    A session fixture of a test package (tests/e2e: gunicorn, page servers,
    Chromium) groups the package; a module fixture (a live server) groups the
    module. One worker then starts it once, instead of every worker starting it.
    """
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    scopes = {
        (definition.scope, definition.baseid)
        for name in item.fixturenames
        for definition in info.name2fixturedefs.get(name, ())
        if definition.baseid.startswith("tests")  # ours, not pytest's or a plugin's
    }
    for scope, baseid in sorted(scopes):
        if scope == "session":
            return baseid
    if any(scope == "module" for scope, _ in scopes):
        return item.nodeid.split("::")[0]
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Used by `pytest -n N --dist loadgroup` (make test); harmless without xdist.
    for item in items:
        group = _shared_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item (``item.rep_call``), so a fixture's
    teardown can check totals only when the test itself passed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        params = [
            pytest.param(b, marks=[getattr(pytest.mark, b)] if b == "postgres" else [])
            for b in BACKENDS
        ]
        metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The database of this run of the test: "sqlite" or "postgres"."""
    name = getattr(request, "param", "sqlite")
    if name == "postgres":
        need_postgres()
    token = _backend.set(name)
    try:
        yield name
    finally:
        _backend.reset(token)
        release_test_databases()


def release_test_databases() -> None:
    """Close every engine make_app opened, then drop the schemas it made."""
    while _made_apps:
        app = _made_apps.pop()
        with app.app_context():
            db.engine.dispose()
    while _made_schemas:
        name = _made_schemas.pop()
        with contextlib.suppress(Exception):
            drop_pg_schema(name)


def make_app(tmp_path: Any, **overrides: Any) -> Flask:
    """An app on a fresh database: SQLite under ``tmp_path``, or a new
    PostgreSQL schema when the test runs on the postgres backend."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/comments.db",
        "MIN_FILL_SECONDS": 0,
        # Tests post the same text many times; tests/moderation/test_defences.py turns
        # the duplicate defence back on.
        "DUPLICATE_WINDOW": 0,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    if _backend.get() == "postgres" and "SQLALCHEMY_DATABASE_URI" not in overrides:
        config.update(pg_config(new_pg_schema()))
    config.update(overrides)
    app = create_app(config)
    _made_apps.append(app)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path: Any, backend: str) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """An empty PostgreSQL schema of this test's own (use with ``pg_config``)."""
    need_postgres()
    try:
        yield new_pg_schema()
    finally:
        release_test_databases()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix no other test or run uses; its keys are deleted after."""
    need_redis()
    import redis

    prefix = f"{RUN_PREFIX}{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


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


def posted(
    client: FlaskClient, article_id: str = "a1", status: int = 201, **fields: Any
) -> dict[str, Any]:
    """Post as the box does, check the answer's status and return its JSON."""
    response = post_comment(client, article_id, **fields)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def stored_comment(app: Flask, comment_id: int) -> Comment:
    """The comment's row as stored now."""
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None, comment_id
        return comment


def reader(app: Flask, address: str) -> FlaskClient:
    """A client from its own address: a sender of its own."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_refused(response: Any, status: int, *codes: str) -> dict[str, Any]:
    """The contract's error: this status, JSON, a known code, words, no internals."""
    raw = response.get_data(as_text=True)
    assert response.status_code == status, raw[:300]
    assert response.mimetype == "application/json", raw[:300]
    data = response.get_json()
    assert data["error"] in codes, data
    assert isinstance(data["message"], str) and data["message"]
    assert "Traceback" not in raw and 'File "' not in raw
    return data


@contextmanager
def statements(app: Flask, containing: str = "") -> Iterator[list[str]]:
    """Every SQL statement (with ``containing`` in it) the app's engine runs
    inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if containing in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- what the service logs ------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def logged(*names: str) -> Iterator[list[str]]:
    """The messages logged to these loggers while the block runs."""
    handler = _Lines()
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """The request log's lines (one JSON object per request) during the test."""
    with logged("comments.request") as found:
        yield found
