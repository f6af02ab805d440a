"""The production path on PostgreSQL: ``flask --app wsgi db upgrade`` from an
empty schema gives exactly the tables the models describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from widget import create_app
from widget.extensions import db

from ..conftest import PG_URL, pg_url

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


def flask(schema: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env.update(
        COMMENTS_DATABASE_URL=pg_url(schema),
        COMMENTS_SECRET_KEY="migrations-test-secret-of-32-chars-or-more",
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_db_upgrade_from_empty_creates_every_table_and_matches_the_models(
    pg_schema: str,
) -> None:
    upgrade = flask(pg_schema, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr

    engine = create_engine(PG_URL, poolclass=NullPool)
    try:
        tables = set(inspect(engine).get_table_names(schema=pg_schema))
    finally:
        engine.dispose()
    # Every model module is imported by create_app; run alone, nothing else has.
    create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 32,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    assert set(db.metadata.tables) | {"alembic_version"} == tables

    # Alembic compares the migrated schema with the models: nothing left to migrate.
    check = flask(pg_schema, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr

    again = flask(pg_schema, "db", "upgrade")  # idempotent, as `make serve` runs it each boot
    assert again.returncode == 0, again.stderr
