"""Upgrading to full-text search on a database that already has comments
(``flask --app wsgi db upgrade``, as an operator runs it): the old comments
are found by their words, a later edit is found too, and a downgrade removes
the search objects and keeps the comments. On a SQLite file and in a
PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from widget import create_app
from widget.extensions import db
from widget.models import Comment
from widget.moderation.selection import Selection, newest

from ..conftest import pg_url
from ..servers import SECRET_KEY, flask_command, server_env

BEFORE = "d41f0c7e2b95"  # the revision before full-text search
SEARCH = "c3a9f1e7d2b4"
ROWS = [
    (1, "Ana", "The zeppelin landed at noon."),
    (2, "Bruno", "Café crème, and a zeppelin overhead."),
    (3, "Chloé", "Nothing about airships here."),
]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'comments.db'}"
    else:
        yield pg_url(request.getfixturevalue("pg_schema"))


def _insert_old_comments(engine: Engine) -> None:
    with engine.begin() as connection:
        for comment_id, author, body in ROWS:
            connection.execute(
                text(
                    "INSERT INTO comments (id, article_id, author, body, status, created_at,"
                    " sender_hash, user_agent) VALUES (:id, 'a1', :author, :body, 'published',"
                    " :at, 's', '')"
                ),
                {
                    "id": comment_id,
                    "author": author,
                    "body": body,
                    "at": datetime(2025, 1, 1, tzinfo=UTC),
                },
            )


def _found(app: Flask, words: str) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(newest(Selection.of(search=words), Comment.id)))


def _search_objects(engine: Engine) -> set[str]:
    """The full-text search objects present (read from the catalogue: SQLAlchemy
    does not reflect an index on an expression)."""
    names = {
        "search_vector",
        "ix_comments_search_vector",
        "comments_fts",
        "ix_comments_email_lower",
    }
    if engine.dialect.name == "sqlite":
        catalogue = "SELECT name FROM sqlite_master"
    else:
        catalogue = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() UNION "
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'comments'"
        )
    with engine.connect() as connection:
        return set(connection.execute(text(catalogue)).scalars()) & names


def test_upgrading_indexes_existing_comments_and_downgrading_removes_it(
    tmp_path: Path, database_url: str
) -> None:
    env = server_env(tmp_path, DATABASE_URL=database_url)
    flask_command(env, "db", "upgrade", BEFORE, timeout=120)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        _insert_old_comments(engine)
        flask_command(env, "db", "upgrade", timeout=120)
        expected = {"ix_comments_email_lower"}
        expected |= (
            {"comments_fts"}
            if engine.dialect.name == "sqlite"
            else {"search_vector", "ix_comments_search_vector"}
        )
        assert _search_objects(engine) == expected

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
        assert _found(app, "zeppelin") == [2, 1]
        assert _found(app, "CAFE") == [2]
        assert _found(app, "chloe") == [3]

        # Edited after the upgrade: the database keeps the index in step.
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE comments SET body = 'A zeppelin after all.' WHERE id = 3")
            )
        assert _found(app, "zeppelin") == [3, 2, 1]
        assert _found(app, "airships") == []
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

        flask_command(env, "db", "downgrade", BEFORE, timeout=120)
        assert _search_objects(engine) == set()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM comments")).scalar() == 3

        flask_command(env, "db", "upgrade", timeout=120)  # and up again, from scratch
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
        assert _found(app, "zeppelin") == [3, 2, 1]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        engine.dispose()
