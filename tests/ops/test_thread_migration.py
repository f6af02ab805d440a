"""Upgrading a 1.0 database threads the comments it already has: every reply
gets its top-level comment, every top-level comment its count of published
replies and whether the listing shows it. On SQLite and PostgreSQL, through
`flask --app wsgi db upgrade` as an operator runs it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ..conftest import pg_url
from ..servers import flask_command, migrate, server_env

BEFORE = "f44bced2acfa"  # the last 1.0 revision


# id, parent_id, status: a thread three deep, a held top-level comment that was
# answered, one answered only by spam, and a lone comment.
ROWS = [
    (1, None, "published"),
    (2, 1, "published"),
    (3, 2, "published"),
    (4, 3, "pending"),
    (5, None, "pending"),
    (6, 5, "published"),
    (7, None, "published"),
    (8, 7, "spam"),
    (9, None, "published"),
]


def upgrade_with_rows(tmp_path: Path, database_url: str) -> dict[int, tuple]:
    env = server_env(tmp_path, DATABASE_URL=database_url)
    flask_command(env, "db", "upgrade", BEFORE, timeout=120)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for comment_id, parent_id, status in ROWS:
                connection.execute(
                    text(
                        "INSERT INTO comments (id, article_id, parent_id, author, body, status,"
                        " created_at, sender_hash, user_agent) VALUES (:id, 'a1', :parent,"
                        " 'R', 'text', :status, :at, 's', '')"
                    ),
                    {
                        "id": comment_id,
                        "parent": parent_id,
                        "status": status,
                        "at": datetime(2025, 1, 1, tzinfo=UTC),
                    },
                )
        migrate(env)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, root_id, reply_count, listed FROM comments ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return {row[0]: (row[1], row[2], bool(row[3])) for row in rows}


EXPECTED = {
    1: (None, 2, True),  # 2 and 3 published; 4 is held
    2: (1, 0, False),
    3: (1, 0, False),
    4: (1, 0, False),
    5: (None, 1, True),  # held, but answered: a placeholder
    6: (5, 0, False),
    7: (None, 0, True),  # its only reply is spam
    8: (7, 0, False),
    9: (None, 0, True),
}


def test_upgrading_a_sqlite_database_threads_its_comments(tmp_path: Path) -> None:
    assert upgrade_with_rows(tmp_path, f"sqlite:///{tmp_path / 'comments.db'}") == EXPECTED


@pytest.mark.postgres
def test_upgrading_a_postgresql_database_threads_its_comments(
    tmp_path: Path, pg_schema: str
) -> None:
    assert upgrade_with_rows(tmp_path, pg_url(pg_schema)) == EXPECTED
