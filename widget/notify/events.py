"""What happened, recorded for the webhooks, the digest and the reply mails.

Each function is called inside the transaction that made the change and only
adds outbox rows to it: the change and its messages commit together or not
at all. With no webhooks and no mail configured they record nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import links
from ..extensions import db
from ..models import Comment, Status, iso_utc, utcnow
from . import digest, outbox, subscriptions
from .models import Kind

_FIELDS = (
    Comment.id,
    Comment.article_id,
    Comment.parent_id,
    Comment.author,
    Comment.body,
    Comment.status,
    Comment.reason,
    Comment.created_at,
)
CHUNK = 500  # ids per query when a bulk action changed many comments


def comment_posted(comment: Comment, *, notify_email: str | None = None) -> None:
    """A new comment (flushed, so it has its id): published or held."""
    data, base = [_comment_data(comment)], links.service_url()
    _webhooks("comment.created", data)
    if comment.status != Status.PUBLISHED:
        _webhooks("comment.held", data)
        digest.schedule(base)
    elif comment.parent_id is not None:
        subscriptions.replies_published([comment.id], base)
    if notify_email:
        subscriptions.watch(comment.id, notify_email, base)


def comments_published(ids: Sequence[int]) -> None:
    """Comments that became visible (approved, kept): replies among them are mailed."""
    if ids:
        subscriptions.replies_published(ids, links.service_url())


def comments_held(ids: Sequence[int]) -> None:
    """Comments that left the listing to wait for an admin (reports, an edit)."""
    if ids:
        _webhooks("comment.held", _comments(ids))
        digest.schedule(links.service_url())


def comments_moderated(ids: Sequence[int], action: str, actor: str) -> None:
    """An admin's decision changed these comments' status."""
    if ids:
        _webhooks(
            "comment.moderated",
            [{**data, "action": action, "moderator": actor} for data in _comments(ids)],
        )


def report_filed(comment_id: int, article_id: str, reason: str, details: str) -> None:
    _webhooks(
        "report.created",
        [
            {
                "comment_id": comment_id,
                "article_id": article_id,
                "reason": reason,
                "details": details,
            }
        ],
    )
    digest.schedule(links.service_url())


def _webhooks(event_type: str, items: Iterable[dict[str, Any]]) -> None:
    urls = current_app.config["WEBHOOK_URLS"]
    if not urls:
        return
    timestamp = iso_utc(utcnow())
    outbox.add(
        Kind.WEBHOOK,
        *(
            {"url": url, "type": event_type, "timestamp": timestamp, "data": data}
            for data in items
            for url in urls
        ),
    )


def _comment_data(comment: Any) -> dict[str, Any]:
    """What receivers learn of a comment: its public fields, its status and
    why it was held; never the email, address hash or user agent."""
    return {
        "id": comment.id,
        "article_id": comment.article_id,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "body": comment.body,
        "status": comment.status,
        "reason": comment.reason,
        "created_at": iso_utc(comment.created_at),
    }


def _comments(ids: Sequence[int]) -> list[dict[str, Any]]:
    if not current_app.config["WEBHOOK_URLS"]:
        return []
    found: list[dict[str, Any]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        # Columns, not objects: a bulk UPDATE left the session's objects stale.
        rows = db.session.execute(
            select(*_FIELDS).where(Comment.id.in_(chunk)).order_by(Comment.id)
        )
        found.extend(_comment_data(row) for row in rows)
    return found
