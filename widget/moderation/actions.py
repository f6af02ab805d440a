"""Every moderation action, for the admin area and the CLI alike.

Each public action runs in one transaction, keeps article counts and
listing versions exact through ``articles.adjust``, writes one audit entry,
and commits. Bad input raises ``ModerationError`` with a message for a person.
Bans are in ``bans.py``, blocked phrases and switches in ``rules.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, update

from .. import articles, threads
from ..extensions import db
from ..models import Article, AuditEntry, Comment, Report, Status, utcnow
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


# --- the audit log -----------------------------------------------------------


def record(actor: str, action: str, detail: str, count: int = 0) -> None:
    """Add an audit entry to the current transaction."""
    db.session.add(AuditEntry(actor=actor[:80], action=action, detail=detail[:500], count=count))


# --- comment status ----------------------------------------------------------


def _set_status(selection: Selection, to: Status) -> int:
    """Move the selected comments to ``to``; returns how many changed.

    Comments entering or leaving the published status shift their article's
    count, and their threads are recounted (``threads.refresh``). The deltas
    come from the UPDATE itself (RETURNING), not from an earlier SELECT, so a
    comment posted while the action runs can never make a count drift.
    """
    where = selection.conditions()
    options = {"synchronize_session": False}
    deltas: Counter[str] = Counter()
    touched: set[int] = set()  # the threads whose counts or placeholders change
    returning = (Comment.article_id, func.coalesce(Comment.root_id, Comment.id))
    if to == Status.PUBLISHED:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status != Status.PUBLISHED)
            .values(status=Status.PUBLISHED)
            .returning(*returning),
            execution_options=options,
        ).all()
        deltas.update(article_id for article_id, _ in rows)
        touched.update(root for _, root in rows)
        changed = deltas.total()
    else:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status == Status.PUBLISHED)
            .values(status=to)
            .returning(*returning),
            execution_options=options,
        ).all()
        deltas.subtract(article_id for article_id, _ in rows)
        touched.update(root for _, root in rows)
        others = db.session.execute(
            update(Comment)
            .where(*where, Comment.status.not_in([Status.PUBLISHED, to]))
            .values(status=to),
            execution_options=options,
        )
        changed = -deltas.total() + (others.rowcount or 0)
    if deltas:
        articles.adjust(dict(deltas))
    threads.refresh(touched)
    return changed


def change_status(selection: Selection, action: str, actor: str) -> int:
    """Approve, mark as spam or delete (soft: status 'deleted') in one transaction."""
    if action not in ACTIONS:
        raise ModerationError("The action is approve, spam or delete.")
    if action == "approve":
        _review_reported(selection)  # first: the selection may be "status=pending"
    if action in LESSONS:  # first, for the same reason
        learning.learn_decision(selection.conditions(), LESSONS[action])
    changed = _set_status(selection, ACTIONS[action])
    record(actor, action, selection.describe(), changed)
    db.session.commit()
    return changed


def _review_reported(selection: Selection) -> None:
    """Approving a comment readers reported is a review, as Keep is in the
    Reported queue: its open reports are resolved, and later reports only
    queue it again (moderation/reports.py)."""
    chosen = select(Comment.id).where(*selection.conditions())
    ids = db.session.scalars(
        select(Report.comment_id)
        .where(Report.resolved_at.is_(None), Report.comment_id.in_(chosen))
        .distinct()
    ).all()
    if not ids:
        return
    now = utcnow()
    quiet = {"synchronize_session": False}
    db.session.execute(
        update(Comment).where(Comment.id.in_(ids)).values(reviewed_at=now),
        execution_options=quiet,
    )
    db.session.execute(
        update(Report)
        .where(Report.comment_id.in_(ids), Report.resolved_at.is_(None))
        .values(resolved_at=now),
        execution_options=quiet,
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
            execution_options={"synchronize_session": False},
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
        execution_options={"synchronize_session": False},
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
