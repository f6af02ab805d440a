"""The admins' digest of held and reported comments.

Scheduled in the transaction that makes something wait (a held comment, a
report): due at once, or 15 minutes after the last digest went out, and never
two waiting at a time (one outbox key). The text is written when it is sent,
so one digest lists everything that gathered meanwhile, and none goes out if
the queues emptied before it was due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, select

from ..extensions import db
from ..models import Comment, Report, Status, utcnow
from ..ops.metrics import held_count
from . import mail, outbox
from .models import Kind

INTERVAL = timedelta(minutes=15)
LISTED = 20  # of each queue; the rest are counted
KEY = "digest:waiting"


def schedule(base_url: str | None) -> None:
    config = current_app.config
    if not (config["SMTP_URL"] and config["ADMIN_EMAILS"]) or outbox.waiting(KEY):
        return  # one digest waits already: it will list this too
    last = outbox.last_sent(Kind.DIGEST)
    due = max(utcnow(), last + INTERVAL) if last else utcnow()
    outbox.add_once(Kind.DIGEST, {"base_url": base_url}, KEY, due_at=due)


@dataclass(frozen=True)
class Waiting:
    id: int
    article_id: str
    author: str
    excerpt: str
    note: str  # why it was held, or how many reports and why


def compose(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The digest as a finished message, or None when nothing waits."""
    held_total, held = _held()
    reported_total, reported = _reported()
    if not (held_total or reported_total):
        return None
    config = current_app.config
    text = render_template(
        "mail/digest.txt",
        base=payload["base_url"] or "",
        held=held,
        held_total=held_total,
        reported=reported,
        reported_total=reported_total,
    )
    subject = f"Comments waiting: {held_total} held, {reported_total} reported"
    return mail.message(config, config["ADMIN_EMAILS"], subject, text)


def _waiting(comment: Comment, note: str) -> Waiting:
    """A comment as the digest lists it: readers' words defanged, the body cut short."""
    flat = " ".join(comment.body.split())
    excerpt = flat if len(flat) <= 140 else flat[:139] + "…"
    return Waiting(
        comment.id,
        mail.defang(comment.article_id),
        mail.defang(comment.author),
        mail.defang(excerpt),
        note,
    )


def _held() -> tuple[int, list[Waiting]]:
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.status == Status.PENDING)
        .order_by(Comment.id.desc())
        .limit(LISTED)
    )
    return held_count(), [_waiting(c, c.reason or "held") for c in rows]


def _reported() -> tuple[int, list[Waiting]]:
    grouped = (
        select(
            Report.comment_id,
            func.count(Report.id).label("reports"),
            func.max(Report.id).label("latest"),
        )
        .where(Report.is_open)
        .group_by(Report.comment_id)
        .subquery()
    )
    total = db.session.scalar(select(func.count()).select_from(grouped)) or 0
    rows = db.session.execute(
        select(Comment, grouped.c.reports)
        .join(grouped, grouped.c.comment_id == Comment.id)
        .order_by(grouped.c.latest.desc())
        .limit(LISTED)
    ).all()
    return total, [
        _waiting(c, f"{reports} report{'s' if reports != 1 else ''}") for c, reports in rows
    ]
