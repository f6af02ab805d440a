"""What the listing and the replies endpoint read: a page of an article's
top-level comments with each thread's first replies, and a page of one
thread's replies.

Everything is keyset-paginated on indexed columns (``listed``, ``likes``,
``id``; ``root_id``, ``status``, ``id``) and the counts are stored
(widget/threads.py), so the first page of a 100,000-comment article reads
what the first page of a 100-comment one reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select, union_all

from ..extensions import db
from ..models import Comment, Status
from .cursor import REPLIES, Cursor

PREVIEW_REPLIES = 3


def _ordered(query: Any, sort: str, after: Cursor | None) -> Any:
    if sort == "oldest":
        if after is not None:
            query = query.where(Comment.id > after.after_id)
        return query.order_by(Comment.id.asc())
    if sort == "top":
        if after is not None:
            likes = after.after_likes or 0
            query = query.where(
                or_(
                    Comment.likes < likes,
                    and_(Comment.likes == likes, Comment.id < after.after_id),
                )
            )
        return query.order_by(Comment.likes.desc(), Comment.id.desc())
    if after is not None:
        query = query.where(Comment.id < after.after_id)
    return query.order_by(Comment.id.desc())


def top_level_page(
    article_id: str, sort: str, limit: int, after: Cursor | None
) -> tuple[list[dict[str, object]], Cursor | None]:
    """One page of the listing's ``comments`` and the cursor of the next."""
    query = select(Comment).where(Comment.article_id == article_id, Comment.listed)
    rows = list(db.session.scalars(_ordered(query, sort, after).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        last = rows[-1]
        following = Cursor(sort, last.id, last.likes if sort == "top" else None)
    previews = _previews([row for row in rows if row.reply_count])
    shown = []
    for row in rows:
        entry = row.to_public() if row.status == Status.PUBLISHED else row.to_placeholder()
        entry["reply_count"] = row.reply_count
        entry["replies"] = previews.get(row.id, [])
        shown.append(entry)
    return shown, following


def _previews(roots: Sequence[Comment]) -> dict[int, list[dict[str, object]]]:
    """The first replies of each thread, oldest first, in one statement: a
    LIMIT per thread (an index probe each), so a long thread costs no more."""
    if not roots:
        return {}
    firsts = [
        select(Comment.id)
        .where(Comment.root_id == root.id, Comment.status == Status.PUBLISHED)
        .order_by(Comment.id)
        .limit(PREVIEW_REPLIES)
        .subquery()
        for root in roots
    ]
    chosen = union_all(*(select(first.c.id) for first in firsts))
    found: dict[int, list[Comment]] = {root.id: [] for root in roots}
    for reply in db.session.scalars(
        select(Comment).where(Comment.id.in_(chosen)).order_by(Comment.id)
    ):
        found[reply.root_id].append(reply)  # type: ignore[index]
    every = [reply for replies in found.values() for reply in replies]
    known = _with_parents(roots, every)  # one look-up for every thread's previews
    return {root_id: _as_replies(replies, known) for root_id, replies in found.items()}


def _with_parents(shown: Sequence[Comment], replies: Sequence[Comment]) -> dict[int, Comment]:
    """The comments these replies answer, by id: those shown, and in one
    statement those that are not (a reply to a reply no longer published)."""
    known = {comment.id: comment for comment in (*shown, *replies)}
    missing = {r.parent_id for r in replies if r.parent_id and r.parent_id not in known}
    if missing:
        for parent in db.session.scalars(select(Comment).where(Comment.id.in_(missing))):
            known[parent.id] = parent
    return known


def _as_replies(replies: Sequence[Comment], known: dict[int, Comment]) -> list[dict[str, object]]:
    """Replies as listed, each naming the comment it answers (``reply_to``)."""
    shown = []
    for reply in replies:
        entry = reply.to_public()
        parent = known.get(reply.parent_id) if reply.parent_id else None
        entry["reply_to"] = (
            {
                "id": parent.id,
                # A parent no longer shown keeps its place but not its name.
                "author": parent.author if parent.status == Status.PUBLISHED else None,
            }
            if parent is not None
            else None
        )
        shown.append(entry)
    return shown


def listed_root(article_id: str, comment_id: int) -> Comment | None:
    """The top-level comment whose replies may be paged: one the listing shows
    (only a top-level comment is ever ``listed``)."""
    return db.session.scalar(
        select(Comment).where(
            Comment.id == comment_id, Comment.article_id == article_id, Comment.listed
        )
    )


def replies_page(
    root: Comment, limit: int, after: Cursor | None
) -> tuple[list[dict[str, object]], Cursor | None]:
    """One page of a thread's published replies, oldest first."""
    query = select(Comment).where(Comment.root_id == root.id, Comment.status == Status.PUBLISHED)
    if after is not None:
        query = query.where(Comment.id > after.after_id)
    rows = list(db.session.scalars(query.order_by(Comment.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    following = Cursor(REPLIES, rows[-1].id) if more else None
    return _as_replies(rows, _with_parents([root], rows)), following
