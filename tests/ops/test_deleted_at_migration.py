"""The ``deleted_at`` migration on a SQLite file with comments in it: earlier
deletions dated from their last edit (else their posting), and the search
triggers of the migration before it kept through upgrade and downgrade
(tests/ops/test_postgres_migrations.py runs every migration on PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ..servers import flask_command, server_env


def test_the_migration_dates_earlier_deletions_and_keeps_the_triggers(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'comments.db'}"
    env = server_env(tmp_path, DATABASE_URL=url)
    flask_command(env, "db", "upgrade", "e8b4d2a6c1f3-1", timeout=120)
    engine = create_engine(url, poolclass=NullPool)
    posted_at, edited_at = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            for comment_id, status, edited in [
                (1, "deleted", None),
                (2, "deleted", edited_at),
                (3, "published", None),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO comments (id, article_id, author, body, status, created_at,"
                        " edited_at, sender_hash, user_agent) VALUES (:id, 'a1', 'R', 'text',"
                        " :status, :at, :edited, 's', '')"
                    ),
                    {"id": comment_id, "status": status, "at": posted_at, "edited": edited},
                )
        triggers = _triggers(engine)
        flask_command(env, "db", "upgrade", timeout=120)
        with engine.connect() as connection:
            dated = dict(connection.execute(text("SELECT id, deleted_at FROM comments")).all())
        assert _triggers(engine) == triggers
        flask_command(env, "db", "downgrade", timeout=120)
        with engine.connect() as connection:
            columns = [row[1] for row in connection.execute(text("PRAGMA table_info(comments)"))]
        assert "deleted_at" not in columns and _triggers(engine) == triggers
    finally:
        engine.dispose()
    assert Counter(type(v) for v in dated.values())[type(None)] == 1
    assert str(dated[1]).startswith("2025-01-01") and str(dated[2]).startswith("2025-02-01")
    assert dated[3] is None


def _triggers(engine: Any) -> list[str]:
    with engine.connect() as connection:
        return sorted(
            connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        )
