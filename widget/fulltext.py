"""Searching comments by their words, through the database's own full-text
engine: on PostgreSQL a generated ``tsvector`` column with a GIN index, on
SQLite an FTS5 table kept in step by triggers. Both match whole words
(every word given), ignoring case and accents; nothing typed is query syntax.

The schema here is for ``db.create_all()`` (tests, a fresh laptop);
production gets the same objects from migrations/versions/c3a9f1e7d2b4.
None of it is in the ORM model: migrations/env.py keeps them out of the
models-versus-migrations comparison.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    event,
    false,
    func,
    literal_column,
    table,
)

from .models import Comment

# Accented Latin letters and what they fold to, both cases (PostgreSQL's
# 'simple' configuration keeps accents; SQLite's unicode61 removes them);
# and < > to spaces, else PostgreSQL's parser skips <img src=x ...> as a tag.
FOLD_FROM = "<>ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĘĚÌÍÎÏĪÑŃŇÒÓÔÕÖØŌŐŔŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽàáâãäåāăąçćčďèéêëēęěìíîïīñńňòóôõöøōőŕřśšşťţùúûüūůűýÿźżž"  # noqa: E501
FOLD_TO = "  AAAAAAAAACCCDEEEEEEEIIIIINNNOOOOOOOORRSSSTTUUUUUUUYYZZZaaaaaaaaacccdeeeeeeeiiiiinnnoooooooorrssstttuuuuuuuyyzzz"  # noqa: E501
WORD = re.compile(r"\w+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# PostgreSQL: what the column holds, and the index that finds its words.
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(author, '') || ' ' || coalesce(body, ''), "
    f"'{FOLD_FROM}', '{FOLD_TO}'))"
)
PG_CREATE = (
    "ALTER TABLE comments ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX ix_comments_search_vector ON comments USING gin (search_vector)",
    # The planner learns which words are common (a common word is found
    # fastest by reading the newest comments, a rare one through the index).
    "ALTER TABLE comments ALTER COLUMN search_vector SET STATISTICS 1000",
)
# SQLite: an external-content FTS5 table (the words only, the text stays in
# comments) and the triggers that keep it in step. Only author and body
# edits touch it: a status change (20,000 comments marked spam) does not.
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS comments_fts USING fts5(author, body, "
    "content='comments', content_rowid='id', tokenize=\"unicode61 remove_diacritics 2\")"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS comments_fts_insert AFTER INSERT ON comments BEGIN "
    "INSERT INTO comments_fts (rowid, author, body) VALUES (new.id, new.author, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS comments_fts_delete AFTER DELETE ON comments BEGIN "
    "INSERT INTO comments_fts (comments_fts, rowid, author, body) "
    "VALUES ('delete', old.id, old.author, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS comments_fts_update AFTER UPDATE OF author, body ON comments "
    "BEGIN INSERT INTO comments_fts (comments_fts, rowid, author, body) "
    "VALUES ('delete', old.id, old.author, old.body); "
    "INSERT INTO comments_fts (rowid, author, body) VALUES (new.id, new.author, new.body); END",
)
SQLITE_REBUILD = "INSERT INTO comments_fts (comments_fts) VALUES ('rebuild')"
# Both: an e-mail address finds its commenter's comments, case aside.
EMAIL_INDEX = "CREATE INDEX ix_comments_email_lower ON comments (lower(email))"
# What migrations/env.py leaves out of the models-versus-migrations comparison.
NOT_IN_MODELS = frozenset(
    {"search_vector", "ix_comments_search_vector", "ix_comments_email_lower", "comments_fts"}
)

fts = table("comments_fts", column("rowid", Integer))


def create_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return (*PG_CREATE, EMAIL_INDEX)
    return (SQLITE_TABLE, *SQLITE_TRIGGERS, EMAIL_INDEX)


def _create(_table: Any, connection: Any, **_: Any) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _drop(_table: Any, connection: Any, **_: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TABLE IF EXISTS comments_fts")


event.listen(Comment.__table__, "after_create", _create)
event.listen(Comment.__table__, "before_drop", _drop)


def words(search: str) -> list[str]:
    return WORD.findall(search)


def is_email(search: str) -> bool:
    return EMAIL.fullmatch(search) is not None


def fts5_query(search: str) -> str:
    """Every word as an FTS5 string ("..." with quotes doubled): AND, NEAR,
    *, ^, : and parentheses typed by an admin are only text."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words(search))


def _pg_vector() -> ColumnElement[Any]:
    return literal_column("comments.search_vector")


def _pg_query(search: str) -> ColumnElement[Any]:
    folded = func.translate(bindparam(None, search), FOLD_FROM, FOLD_TO)
    return func.plainto_tsquery(literal_column("'simple'::regconfig"), folded)


def matches(search: str, dialect: str) -> ColumnElement[bool]:
    """Comments whose author or text has every word of ``search`` (or, for
    an e-mail address, whose commenter gave it)."""
    if is_email(search):
        return func.lower(Comment.email) == search.lower()
    if not words(search):
        return false()
    if dialect == "postgresql":
        return _pg_vector().op("@@")(_pg_query(search))
    return Comment.id.in_(fts_rowids(search))


def fts_rowids(search: str) -> Select[Any]:
    return (
        fts.select()
        .with_only_columns(fts.c.rowid)
        .where(literal_column("comments_fts").op("MATCH")(fts5_query(search)))
    )


def _joins_fts(search: str | None, dialect: str) -> bool:
    """A word search on SQLite: read through a join with FTS5 (``narrowed``)."""
    return bool(search) and dialect == "sqlite" and not is_email(search) and bool(words(search))


def narrowed(query: Select[Any], search: str | None, dialect: str) -> Select[Any]:
    """``query`` (over comments) with the text search added. On SQLite a word
    search joins FTS5 rather than asking ``id IN (every match)``: read in
    FTS5's own order (rowid), a word in half the comments yields a page or
    a capped count without collecting every match first."""
    if not search:
        return query
    if _joins_fts(search, dialect):
        return query.join(fts, fts.c.rowid == Comment.id).where(
            literal_column("comments_fts").op("MATCH")(fts5_query(search))
        )
    return query.where(matches(search, dialect))


def newest_first(query: Select[Any], search: str | None, dialect: str) -> Select[Any]:
    """``narrowed``, newest first (on SQLite in FTS5's order when joined)."""
    query = narrowed(query, search, dialect)
    if _joins_fts(search, dialect):
        return query.order_by(fts.c.rowid.desc())
    return query.order_by(Comment.id.desc())
