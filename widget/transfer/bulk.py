"""Writing many rows fast, in the session's transaction: ``COPY`` on
PostgreSQL, one ``executemany`` on SQLite.

A million imported comments through SQLAlchemy's per-row parameter handling
cost half a minute of Python alone; these go straight to the driver, which
is why values must already be what the driver takes: str, int, float, bool,
None, and datetimes through ``time_converter()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, text

from ..extensions import db

# How SQLAlchemy's SQLite dialect writes a DateTime (read back the same way).
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime(_SQLITE_TIME)


def _as_is(moment: datetime | None) -> datetime | None:
    return moment


def time_converter() -> Callable[[datetime | None], Any]:
    """How a datetime must be given to ``insert`` on this database."""
    return _as_is if db.engine.dialect.name == "postgresql" else _sqlite_time


def insert(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) into ``table``."""
    if not rows:
        return
    connection = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    if db.engine.dialect.name == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor = connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 - our own names
            rows,
        )
    finally:
        cursor.close()


def refresh_statistics(tables: Sequence[Table], before: int, after: int) -> None:
    """On PostgreSQL, ANALYZE ``tables`` whenever the rows written in this
    transaction cross a power of ten (1,000, 10,000, ...).

    The foreign-key checks of a COPY are planned once and kept: planned when
    the tables looked empty, each check scans the whole table, and a large
    import slows down quadratically. Fresh statistics make them index probes.
    """
    if db.engine.dialect.name != "postgresql" or after < 1000:
        return
    if len(str(after)) > len(str(max(before, 1))):
        names = ", ".join(table.name for table in tables)
        db.session.execute(text(f"ANALYZE {names}"))


def drop_indexes(table: Table) -> list[str]:
    """SQLite only: drop ``table``'s own indexes in this transaction and
    return the statements that make them again (``restore_indexes``).

    A large import into a small table is faster as inserts without indexes
    and one sorted build per index at the end than as a million random
    B-tree inserts each. Readers keep their snapshot, indexes included, until
    the transaction commits; a rollback brings the indexes back by itself.
    """
    rows = db.session.execute(
        text(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = :table AND sql IS NOT NULL"
        ),
        {"table": table.name},
    ).all()
    for name, _ in rows:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    return [sql for _, sql in rows]


def restore_indexes(statements: Sequence[str]) -> None:
    for statement in statements:
        db.session.execute(text(statement))
