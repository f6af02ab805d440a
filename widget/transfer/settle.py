"""Settling an import at its end: each reply's parent (found by key: a reply
may come before its parent in the file), each thread's top-level comment, and
the threads' counts, in a few set-based statements over the run's rows."""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import aliased

from .. import threads
from ..extensions import db
from ..models import Comment
from .models import ImportedComment

MAX_DEPTH = 5000  # a chain of replies deeper than this is treated as a loop
_QUIET = {"synchronize_session": False}
_comments = Comment.__table__
_keys = ImportedComment.__table__


def link_replies(run: int) -> int:
    """Parents from keys, then each reply's thread, then the threads' counts.
    Returns how many replies of run ``run`` found no parent (now top-level)."""
    if db.engine.dialect.name == "postgresql":
        # Fresh rows have no statistics yet; without them the joins below
        # are planned as if the tables were empty (a scan per reply).
        db.session.execute(text("ANALYZE imported_comments, comments"))
    # The replies still without a parent: their parent came later in the
    # file, or never (the rest were linked as they were written).
    db.session.execute(text("DROP TABLE IF EXISTS import_late"))
    db.session.execute(
        text(
            "CREATE TEMPORARY TABLE import_late AS SELECT k.comment_id AS id"
            " FROM imported_comments k JOIN comments c ON c.id = k.comment_id"
            " WHERE k.run_id = :run AND k.parent_key IS NOT NULL AND c.parent_id IS NULL"
        ),
        {"run": run},
    )
    child, parent = aliased(_keys), aliased(_keys)
    parent_row = aliased(_comments)
    db.session.execute(
        update(_comments)
        .values(parent_id=parent.c.comment_id)
        .where(
            child.c.comment_id == _comments.c.id,
            child.c.run_id == run,
            _comments.c.parent_id.is_(None),  # the rest were linked as they were written
            parent.c.source == child.c.source,
            parent.c.key == child.c.parent_key,
            parent_row.c.id == parent.c.comment_id,
            # A parent on another page is no parent: the reply stands alone.
            parent_row.c.article_id == _comments.c.article_id,
            parent_row.c.id != _comments.c.id,
        ),
        execution_options=_QUIET,
    )
    orphans = (
        db.session.scalar(
            select(func.count())
            .select_from(_keys)
            .join(_comments, _comments.c.id == _keys.c.comment_id)
            .where(
                _keys.c.run_id == run,
                _keys.c.parent_key.is_not(None),
                _comments.c.parent_id.is_(None),
            )
        )
        or 0
    )
    orphans += _find_roots(run)
    roots = (
        select(func.coalesce(_comments.c.root_id, _comments.c.id))
        .join(_keys, _keys.c.comment_id == _comments.c.id)
        .where(_keys.c.run_id == run)
    )
    threads.refresh_selected(roots)
    return orphans


def _find_roots(run: int) -> int:
    """The thread of each reply linked late, and of the replies that hung
    under it while it stood alone; a loop of replies (a corrupt file) never
    reaches the top, and its members stand alone. Returns how many did."""
    db.session.execute(text("DROP TABLE IF EXISTS import_roots"))
    db.session.execute(
        text(
            "CREATE TEMPORARY TABLE import_roots AS "
            "WITH RECURSIVE up(id, node, parent, depth) AS ("
            " SELECT c.id, c.id, c.parent_id, 0 FROM comments c"
            " JOIN import_late l ON l.id = c.id WHERE c.parent_id IS NOT NULL"
            " UNION ALL"
            " SELECT up.id, p.id, p.parent_id, up.depth + 1 FROM up"
            " JOIN comments p ON p.id = up.parent WHERE up.depth < :depth"
            ") SELECT id, node FROM up WHERE parent IS NULL"
        ),
        {"depth": MAX_DEPTH},
    )
    db.session.execute(text("CREATE UNIQUE INDEX import_roots_id ON import_roots (id)"))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE import_roots"))  # temporary: never analysed by itself
    # The late rows themselves, then the replies that hung under them.
    db.session.execute(
        text(
            "UPDATE comments SET root_id = import_roots.node"
            " FROM import_roots WHERE comments.id = import_roots.id"
        )
    )
    db.session.execute(
        text(
            "UPDATE comments SET root_id = import_roots.node"
            " FROM import_roots WHERE comments.root_id = import_roots.id"
        )
    )
    looped = db.session.execute(
        text(
            "UPDATE comments SET parent_id = NULL, root_id = NULL"
            " WHERE parent_id IS NOT NULL AND id IN (SELECT id FROM import_late)"
            " AND NOT EXISTS (SELECT 1 FROM import_roots WHERE import_roots.id = comments.id)"
        )
    )
    db.session.execute(text("DROP TABLE import_roots"))
    db.session.execute(text("DROP TABLE import_late"))
    return looped.rowcount or 0  # type: ignore[attr-defined]


def advance_id_sequence() -> None:
    """After ids were given explicitly, PostgreSQL's sequence must move past them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('comments', 'id'),"
                " (SELECT max(id) FROM comments))"
            )
        )
