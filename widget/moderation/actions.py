"""Every moderation action, for the admin area and the CLI alike.

Each public action runs in one transaction, keeps article counts and
listing versions exact through ``articles.adjust``, writes one audit entry,
and commits. Bad input raises ``ModerationError`` with a message for a person.
Bans are in ``bans.py``, blocked phrases and switches in ``rules.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from .. import articles, threads
from ..extensions import db
from ..models import Article, AuditEntry, Comment, Report, Status, utcnow
from ..notify import events
from . import ModerationError, learning
from .selection import Selection, clean_article_id

# What each bulk action does to a comment's status.
ACTIONS: dict[str, Status] = {
    "approve": Status.PUBLISHED,
    "spam": Status.SPAM,
    "delete": Status.DELETED,
}
# What the spam filter learns from each action (is it spam?); deleting says
# nothing about spam.
LESSONS: dict[str, bool] = {"approve": False, "spam": True}
_QUIET = {"synchronize_session": False}


# --- the audit log -----------------------------------------------------------


def record(actor: str, action: str, detail: str, count: int = 0) -> None:
    """Add an audit entry to the current transaction."""
    db.session.add(AuditEntry(actor=actor[:80], action=action, detail=detail[:500], count=count))


# --- comment status ----------------------------------------------------------


def set_status(selection: Selection, to: Status) -> list[int]:
    """Move the selected comments to ``to``; returns the ids that changed.

    Comments entering or leaving the published status shift their article's
    count (one UPDATE for all articles, ``articles.adjust``); a top-level
    comment's ``listed`` changes with it, and the threads whose replies
    changed are recounted (``threads.refresh``). The deltas
    come from the UPDATE itself (RETURNING), not from an earlier SELECT, so a
    comment posted while the action runs can never make a count drift.
    Published replies are mailed to the authors they answer who asked.
    """
    where = selection.conditions()
    deltas: Counter[str] = Counter()
    # A top-level comment's own ``listed`` is set in the same UPDATE (its
    # reply_count does not change with its status): a wave of 20,000 spam
    # comments is one pass over the rows, not one more per thread.
    listed = and_(Comment.root_id.is_(None), or_(Comment.reply_count > 0, to == Status.PUBLISHED))
    returning = (Comment.id, Comment.article_id, Comment.root_id)
    if to == Status.PUBLISHED:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status != Status.PUBLISHED)
            .values(status=Status.PUBLISHED, listed=listed, **deletion_time(Status.PUBLISHED))
            .returning(*returning),
            execution_options=_QUIET,
        ).all()
        deltas.update(article_id for _, article_id, _ in rows)
        changed = [comment_id for comment_id, _, _ in rows]
    else:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status == Status.PUBLISHED)
            .values(status=to, listed=listed, **deletion_time(to))
            .returning(*returning),
            execution_options=_QUIET,
        ).all()
        deltas.subtract(article_id for _, article_id, _ in rows)
        others = db.session.scalars(
            update(Comment)
            .where(*where, Comment.status.not_in([Status.PUBLISHED, to]))
            .values(status=to, **deletion_time(to))
            .returning(Comment.id),
            execution_options=_QUIET,
        ).all()
        changed = [comment_id for comment_id, _, _ in rows] + list(others)
    if deltas:
        articles.adjust(dict(deltas))
    # The threads whose published replies changed are recounted.
    threads.refresh(root for _, _, root in rows if root is not None)
    if to == Status.PUBLISHED:
        events.comments_published(changed)
    return changed


# --- retention: when a comment became deleted (moderation/retention.py) -------


def deletion_time(to: Status) -> dict[str, object]:
    """``deleted_at`` for comments moving to ``to``: now when deleted, else
    cleared (a restored comment is no longer on its way to the purge)."""
    return {"deleted_at": utcnow() if to == Status.DELETED else None}


def change_status(selection: Selection, action: str, actor: str) -> int:
    """Approve, mark as spam or delete (soft: status 'deleted') in one transaction."""
    if action not in ACTIONS:
        raise ModerationError("The action is approve, spam or delete.")
    changed = apply(selection, action, actor)
    record(actor, action, selection.describe(), changed)
    db.session.commit()
    return changed


def apply(selection: Selection, action: str, actor: str) -> int:
    """An action's effects, in the caller's transaction: approving reviews
    reported comments, approve and spam teach the filter, then the statuses
    change (and the webhooks hear of it). Returns how many changed."""
    # Both first: the selection may be "status=pending".
    if action == "approve":
        resolve_reports(reported_among(select(Comment.id).where(*selection.conditions())))
    if action in LESSONS:
        learning.learn_decision(selection.conditions(), LESSONS[action])
    changed = set_status(selection, ACTIONS[action])
    events.comments_moderated(changed, action, actor)
    return len(changed)


# --- readers' reports ------------------------------------------------------------


def reported_among(chosen: Any) -> list[int]:
    """Which of the chosen comments (ids, or a select of ids) have open reports."""
    return list(
        db.session.scalars(
            select(Report.comment_id)
            .where(Report.is_open, Report.comment_id.in_(chosen))
            .distinct()
            .order_by(Report.comment_id)
        )
    )


def resolve_reports(ids: Sequence[int], *, reviewed: bool = True) -> None:
    """Resolve the comments' open reports. A reviewed comment (approved, or
    kept in the Reported queue) is not held by later reports, only queued
    again (moderation/reports.py)."""
    if not ids:
        return
    now = utcnow()
    if reviewed:
        db.session.execute(
            update(Comment).where(Comment.id.in_(ids)).values(reviewed_at=now),
            execution_options=_QUIET,
        )
    db.session.execute(
        update(Report).where(Report.comment_id.in_(ids), Report.is_open).values(resolved_at=now),
        execution_options=_QUIET,
    )


def empty_spam(actor: str) -> int:
    """Remove every spam comment for good; returns how many were removed."""
    spam = select(Comment.id).where(Comment.status == Status.SPAM)
    # Replies in a spam comment's thread lose their parent or root (ON DELETE
    # SET NULL): their threads are found again afterwards, which changes what
    # their articles list.
    orphaned = db.session.execute(
        select(Comment.id, Comment.article_id, Comment.status).where(
            Comment.status != Status.SPAM,
            or_(Comment.parent_id.in_(spam), Comment.root_id.in_(spam)),
        )
    ).all()
    # Only a published reply changes what its article lists.
    touched = sorted({row.article_id for row in orphaned if row.status == Status.PUBLISHED})
    removed = (
        db.session.execute(
            delete(Comment).where(Comment.status == Status.SPAM),
            execution_options=_QUIET,
        ).rowcount
        or 0
    )
    threads.rebuild(row.id for row in orphaned)
    if touched:
        articles.adjust(dict.fromkeys(touched, 0))
    record(actor, "empty_spam", "every spam comment", removed)
    db.session.commit()
    return removed


# --- articles ------------------------------------------------------------------


def set_closed(article_id: str, closed: bool, actor: str) -> bool:
    """Close or reopen comments on an article; False if it already was."""
    article_id = clean_article_id(article_id)
    articles.ensure(article_id)
    changed = db.session.execute(
        update(Article)
        .where(Article.id == article_id, Article.closed != closed)
        .values(closed=closed),
        execution_options=_QUIET,
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    articles.adjust({article_id: 0})  # a new version: cached pages go stale
    record(actor, "close_article" if closed else "reopen_article", article_id)
    db.session.commit()
    return True


def closed_articles() -> Sequence[str]:
    return db.session.scalars(select(Article.id).where(Article.closed).order_by(Article.id)).all()
