"""What depends on the database: SQLite pragmas, and the INSERT that can
say what to do on a conflict (both PostgreSQL and SQLite have one)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Wait for a writer instead of failing "database is locked", then WAL so
    # readers never block the writer, then the foreign keys SQLite ignores
    # by default. NORMAL is durable across a process crash in WAL mode.
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def init_app(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def upsert(table: Any) -> Any:
    """``INSERT`` into ``table`` with ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``, in the current database's dialect."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
