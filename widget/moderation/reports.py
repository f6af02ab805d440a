"""Readers' reports: recording them, holding a comment when enough distinct
readers report it, and the admin's decision (keep or remove).

A report is one reader's (``voter``'s) complaint about one published comment;
it stays open until an admin decides. When ``REPORTS_TO_HOLD`` readers from as
many client addresses have open reports on a published comment, it is held
(status pending, reason ``reported``) and leaves the listing, unless an admin
already reviewed it after earlier reports (``reviewed_at``): then new reports
only put it back in the Reported queue. Keep and remove resolve its open
reports; the API (widget/public/reactions.py) and the admin queue both call here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Row, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Comment, Report, ReportReason, Status
from ..notify import events
from . import ModerationError, actions, learning, text
from .selection import Selection

# The reason code of a comment held by readers' reports (defences.REASONS words it).
HELD_REASON = "reported"
MAX_DETAILS = 1000
MAX_DECISION = 1000
# Reports shown per comment in the queue: every ``illegal`` one first, then the newest.
SHOWN_REPORTS = 20
REASON_LABELS: dict[str, str] = {
    ReportReason.SPAM: "Spam",
    ReportReason.ABUSE: "Abuse",
    ReportReason.OFF_TOPIC: "Off topic",
    ReportReason.ILLEGAL: "Illegal",
}
_QUIET = {"synchronize_session": False}


def lock_published(article_id: str, comment_id: int) -> Row[Any] | None:
    """Lock a comment published on ``article_id`` until this transaction
    ends: its ``likes`` and ``reviewed_at``, or None when there is none.

    A no-op UPDATE rather than SELECT … FOR UPDATE: SQLite has no row locks,
    but an UPDATE takes its write lock. On both databases, what the
    transaction reads next (a client's likes, the open reports) no concurrent
    like or report of this comment can change before it commits.
    """
    return db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            Comment.article_id == article_id,
            Comment.status == Status.PUBLISHED,
        )
        .values(likes=Comment.likes)
        .returning(Comment.likes, Comment.reviewed_at),
        execution_options=_QUIET,
    ).one_or_none()


# --- readers -------------------------------------------------------------------


@dataclass(frozen=True)
class NewReport:
    """A report the API checked: the voter's id, their client's hash, why."""

    voter: str
    client_hash: str
    reason: ReportReason
    details: str = ""
    email: str | None = None  # the API gives one for ``illegal`` only


def file(article_id: str, comment_id: int, report: NewReport) -> bool:
    """Record a report (one per voter counts) and hold the comment when enough
    distinct readers reported it; commits. False: no such published comment."""
    locked = lock_published(article_id, comment_id)
    if locked is None:
        db.session.rollback()
        return False
    db.session.add(
        Report(
            comment_id=comment_id,
            voter=report.voter,
            client_hash=report.client_hash,
            reason=report.reason.value,
            details=report.details,
            email=report.email,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # this voter reported it before: that report counts, once
        db.session.rollback()
        return True
    events.report_filed(comment_id, article_id, report.reason.value, report.details)
    if locked.reviewed_at is None and _open_reporters(comment_id) >= _to_hold():
        # Published (it is locked): set_status keeps the counts and threads exact.
        held = actions.set_status(Selection.of(ids=[comment_id]), Status.PENDING)
        db.session.execute(
            update(Comment).where(Comment.id == comment_id).values(reason=HELD_REASON),
            execution_options=_QUIET,
        )
        events.comments_held(held)
    db.session.commit()
    return True


def _to_hold() -> int:
    return current_app.config["REPORTS_TO_HOLD"]


def _open_reporters(comment_id: int) -> int:
    """Client addresses with an open report on the comment (each report is a
    distinct voter's, so this is also the count of distinct voters at most)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Report.client_hash))).where(
                Report.comment_id == comment_id, Report.is_open
            )
        )
        or 0
    )


# --- the admin's queue -----------------------------------------------------------


@dataclass
class Queued:
    """A comment with open reports, as the Reported queue shows it."""

    comment: Comment
    latest: datetime
    total: int
    reasons: list[tuple[str, int]] = field(default_factory=list)  # most reported first
    reports: list[Report] = field(default_factory=list)  # SHOWN_REPORTS at most


def _open_by_comment() -> Any:
    return (
        select(
            Report.comment_id,
            func.max(Report.created_at).label("latest"),
            func.count(Report.id).label("total"),
        )
        .where(Report.is_open)
        .group_by(Report.comment_id)
        .subquery()
    )


def queued_count() -> int:
    """How many comments have open reports (the dashboard's number)."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(Report.comment_id))).where(Report.is_open)
        )
        or 0
    )


def queue(offset: int, limit: int) -> list[Queued]:
    """Comments with open reports, the most recently reported first."""
    grouped = _open_by_comment()
    rows = db.session.execute(
        select(Comment, grouped.c.latest, grouped.c.total)
        .join(grouped, grouped.c.comment_id == Comment.id)
        .order_by(grouped.c.latest.desc(), Comment.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    found = {comment.id: Queued(comment, latest, total) for comment, latest, total in rows}
    if not found:
        return []
    ids = list(found)
    reasons = db.session.execute(
        select(Report.comment_id, Report.reason, func.count(Report.id))
        .where(Report.comment_id.in_(ids), Report.is_open)
        .group_by(Report.comment_id, Report.reason)
    ).all()
    for comment_id, reason, number in sorted(reasons, key=lambda r: (-r[2], r[1])):
        found[comment_id].reasons.append((reason, number))
    rank = (
        func.row_number()
        .over(
            partition_by=Report.comment_id,
            order_by=(
                case((Report.reason == ReportReason.ILLEGAL, 0), else_=1),
                Report.created_at.desc(),
                Report.id.desc(),
            ),
        )
        .label("rank")
    )
    ranked = select(Report, rank).where(Report.comment_id.in_(ids), Report.is_open).subquery()
    shown = aliased(Report, ranked)
    for report in db.session.scalars(
        select(shown).where(ranked.c.rank <= SHOWN_REPORTS).order_by(ranked.c.rank)
    ):
        found[report.comment_id].reports.append(report)
    return list(found.values())


# --- the admin's decision ------------------------------------------------------------


def clean_decision(value: str | None) -> str:
    """The admin's reason for a removal, as the author will read it."""
    decision = text.trim(value or "")
    if not decision:
        raise ModerationError("Write why the comment is removed: its author is told.")
    if len(decision) > MAX_DECISION or not text.is_storable(decision):
        raise ModerationError(
            f"The reason for removal is at most {MAX_DECISION} characters of plain text."
        )
    return decision


def _queued_among(ids: Iterable[int]) -> list[int]:
    """The given comments that have open reports (the rest were decided already)."""
    chosen = Selection.of(ids=ids).ids or ()
    return actions.reported_among(chosen) if chosen else []


def keep(ids: Iterable[int], actor: str) -> int:
    """Keep reported comments: their reports are resolved, they count as
    reviewed (later reports queue them again but do not hold them), and those
    held by reports are published again. Returns how many were kept."""
    queued = _queued_among(ids)
    if not queued:
        db.session.rollback()
        return 0
    held = db.session.scalars(
        select(Comment.id).where(Comment.id.in_(queued), Comment.reason == HELD_REASON)
    ).all()
    learning.learn_decision([Comment.id.in_(queued)], is_spam=False)  # kept: a good comment
    if held:  # still held: one an admin marked as spam meanwhile stays spam
        published = actions.set_status(
            Selection.of(ids=held, status=Status.PENDING), Status.PUBLISHED
        )
        events.comments_moderated(published, "approve", actor)
    actions.resolve_reports(queued)
    actions.record(actor, "keep_reported", Selection.of(ids=queued).describe(), len(queued))
    db.session.commit()
    return len(queued)


def remove(ids: Iterable[int], decision: str, actor: str) -> int:
    """Remove reported comments (status deleted) with the admin's written
    reason, kept for the author's statement of reasons; their reports are
    resolved. Returns how many were removed."""
    decision = clean_decision(decision)
    queued = _queued_among(ids)
    if not queued:
        db.session.rollback()
        return 0
    removed = actions.set_status(Selection.of(ids=queued), Status.DELETED)
    db.session.execute(
        update(Comment).where(Comment.id.in_(queued)).values(decision=decision),
        execution_options=_QUIET,
    )
    events.comments_moderated(removed, "delete", actor)
    actions.resolve_reports(queued, reviewed=False)
    described = Selection.of(ids=queued).describe()
    actions.record(actor, "remove_reported", f"{described}: {decision}", len(queued))
    db.session.commit()
    return len(queued)
