"""Threads kept exact, in the transaction that changes them.

A reply carries its thread's top-level comment (``root_id``); each top-level
comment carries its published replies' count (``reply_count``) and whether
the listing shows it (``listed``: published, or a placeholder for one that is
not but still has published replies). Whatever adds a comment, changes a
status or removes rows calls ``refresh`` (or ``rebuild``) with the threads it
touched, so listings read these columns and never count.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from .extensions import db
from .models import Comment, Status

_CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
_QUIET = {"synchronize_session": False}


def root_of(parent: Comment) -> int:
    """The thread a reply to ``parent`` joins."""
    return parent.root_id or parent.id


def _recount() -> dict[str, object]:
    """The SET of a recount: each root's published replies and whether it is listed."""
    reply = aliased(Comment)
    published_replies = (
        select(func.count(reply.id))
        .where(reply.root_id == Comment.id, reply.status == Status.PUBLISHED)
        .scalar_subquery()
    )
    # SET reads the old row, so ``listed`` asks the count itself.
    return {
        "reply_count": published_replies,
        "listed": and_(
            Comment.root_id.is_(None),
            or_(Comment.status == Status.PUBLISHED, published_replies > 0),
        ),
    }


def refresh(root_ids: Iterable[int | None]) -> None:
    """Recount these threads: ``reply_count`` and ``listed`` of each root."""
    ids = sorted({i for i in root_ids if i is not None})
    if not ids:
        return
    db.session.flush()  # Core statements do not autoflush pending ORM rows
    values = _recount()
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(
            update(Comment).where(Comment.id.in_(ids[start : start + _CHUNK])).values(values),
            execution_options=_QUIET,
        )


def refresh_selected(root_ids: Select[tuple[int]]) -> None:
    """``refresh`` for threads chosen by a query (an import's million roots
    are never held in memory): set-based, one count per thread."""
    db.session.flush()
    alone = and_(Comment.root_id.is_(None), Comment.status == Status.PUBLISHED)
    # First as if no thread had replies (rows already so are not rewritten) ...
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(root_ids), or_(Comment.reply_count != 0, Comment.listed != alone))
        .values(reply_count=0, listed=alone),
        execution_options=_QUIET,
    )
    # ... then the threads that have published replies.
    counts = (
        select(Comment.root_id.label("root"), func.count().label("replies"))
        .where(Comment.status == Status.PUBLISHED, Comment.root_id.in_(root_ids))
        .group_by(Comment.root_id)
        .subquery()
    )
    db.session.execute(
        update(Comment)
        .where(Comment.id == counts.c.root)
        .values(reply_count=counts.c.replies, listed=Comment.root_id.is_(None)),
        execution_options=_QUIET,
    )


def rebuild(comment_ids: Iterable[int]) -> None:
    """Find every comment's root again after rows were deleted.

    Deleting a comment sets its replies' ``parent_id`` (and ``root_id``) to
    NULL: a reply whose parent is gone becomes a top-level comment, and the
    replies below it join its thread. ``comment_ids`` are the survivors whose
    thread may have changed; every root they end up in is recounted.
    """
    pending = sorted(set(comment_ids))
    if not pending:
        return
    db.session.flush()
    parents: dict[int, int | None] = {}
    # Read the survivors and their ancestors (threads are shallow: a few rounds).
    frontier = pending
    while frontier:
        found = []
        for start in range(0, len(frontier), _CHUNK):
            rows = db.session.execute(
                select(Comment.id, Comment.parent_id).where(
                    Comment.id.in_(frontier[start : start + _CHUNK])
                )
            ).all()
            for comment_id, parent_id in rows:
                parents[comment_id] = parent_id
                if parent_id is not None and parent_id not in parents:
                    found.append(parent_id)
        frontier = sorted(set(found) - parents.keys())

    def root(comment_id: int) -> int | None:
        seen = set()
        parent = parents.get(comment_id)
        top = None
        while parent is not None and parent not in seen:
            seen.add(parent)
            top = parent
            parent = parents.get(parent)
        return top

    roots: set[int | None] = set()
    for comment_id in pending:
        if comment_id not in parents:
            continue  # deleted too
        new_root = root(comment_id)
        db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(root_id=new_root),
            execution_options=_QUIET,
        )
        roots.add(new_root if new_root is not None else comment_id)
    refresh(roots)
