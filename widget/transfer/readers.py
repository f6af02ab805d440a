"""Readers' data requests: everything held about one email address (export),
and its removal (erase).

An address is matched trimmed and case-insensitively wherever it is kept:
comments, the reports a reader filed (``illegal`` ones carry an address for
the receipt), the reply-mail subscription and its watches, and the outbox's
mails. Databases lower-case only ASCII, so every lookup is a ``LIKE``
prefilter in SQL and an exact comparison in Python (``_same``).

The audit log names the reader by a keyed hash of the address, never the
address: the log outlives the erase, and must not undo it.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, update

from .. import articles, privacy, threads
from ..errors import Refusal
from ..extensions import db
from ..models import Comment, Report, Status, iso_utc
from ..moderation import actions, erasure
from ..moderation.erasure import ERASED_SENDER  # noqa: F401 (named here by tests and callers)
from ..notify.models import OutboxMessage, ReplyWatch, Subscriber
from ..ops.cli import plural
from . import export as export_lines

MAX_ADDRESS = 254  # the longest address a comment or report can hold
SENDER_ADDRESSES = 50  # addresses a sender's page lists (a spammer may have thousands)
_CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
_QUIET = {"synchronize_session": False}
# Characters a LIKE prefilter keeps as they are; anything else (non-ASCII,
# quotes, backslashes: lowered or escaped differently in SQL and in JSON)
# becomes a wildcard, and the exact comparison happens in Python.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@.+-=!#$&'*/?^`{|}~%_")


def normalise(email: str) -> str:
    """An address as readers' requests compare it: trimmed, lower-cased."""
    return email.strip().lower()


def _target(email: str) -> str:
    target = normalise(email)
    if not target:
        raise Refusal("Give the reader's email address.")
    if len(target) > MAX_ADDRESS:
        raise Refusal(f"An email address has at most {MAX_ADDRESS} characters.")
    return target


def _same(value: object, target: str) -> bool:
    return isinstance(value, str) and normalise(value) == target


def _pattern(target: str) -> str:
    """A LIKE pattern (escape ``\\``) that every lower-cased text holding
    ``target`` matches: its plain characters in order, wildcards between runs
    of the others, wildcards around it (stored addresses may carry spaces)."""
    parts = ["%"]
    for char in target:
        if char in _PLAIN:
            parts.append("\\" + char if char in "%_" else char)
        elif parts[-1] != "%":
            parts.append("%")
    if parts[-1] != "%":
        parts.append("%")
    return "".join(parts)


def _holding(column: Any, target: str) -> ColumnElement[bool]:
    """The SQL prefilter: rows whose ``column`` may hold ``target``."""
    return func.lower(column).like(_pattern(target), escape="\\")


def reader_hash(target: str) -> str:
    """What the audit log calls a reader: a keyed hash, never the address."""
    return privacy.keyed_hash(current_app.config["SECRET_KEY"], "reader", target, 12)


# --- what is held ------------------------------------------------------------------


def _comment_ids(target: str) -> list[int]:
    rows = db.session.execute(
        select(Comment.id, Comment.email).where(_holding(Comment.email, target))
    )
    return sorted(comment_id for comment_id, email in rows if _same(email, target))


def _reports(target: str) -> list[Report]:
    found = db.session.scalars(
        select(Report).where(_holding(Report.email, target)).order_by(Report.id)
    )
    return [report for report in found if _same(report.email, target)]


def _subscriber(target: str) -> Subscriber | None:
    found = db.session.scalars(select(Subscriber).where(_holding(Subscriber.email, target)))
    return next((s for s in found if _same(s.email, target)), None)


def _recipients(payload: str) -> list[Any]:
    """A mail's ``to`` (the outbox keeps a list); nothing for other messages."""
    with contextlib.suppress(ValueError, AttributeError):
        to = json.loads(payload).get("to")
        return to if isinstance(to, list) else []
    return []


def _messages(target: str) -> list[OutboxMessage]:
    """Outbox messages addressed to ``target``, whatever their state."""
    found = db.session.scalars(select(OutboxMessage).where(_holding(OutboxMessage.payload, target)))
    return [m for m in found if any(_same(to, target) for to in _recipients(m.payload))]


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _removed(statement: Any) -> int:
    return db.session.execute(statement, execution_options=_QUIET).rowcount or 0


# --- export ------------------------------------------------------------------------


def export(email: str, actor: str) -> dict[str, Any]:
    """Everything held about ``email``, as a data request's answer; audited."""
    target = _target(email)
    comments = [
        line
        for line in export_lines.comment_lines(_holding(Comment.email, target))
        if _same(line["email"], target)
    ]
    reports = [
        {
            "comment_id": report.comment_id,
            "reason": report.reason,
            "details": report.details,
            "created_at": iso_utc(report.created_at),
        }
        for report in _reports(target)
    ]
    subscriber = _subscriber(target)
    reply_mails = None
    if subscriber is not None:
        watching = db.session.scalars(
            select(ReplyWatch.comment_id)
            .where(ReplyWatch.subscriber_id == subscriber.id)
            .order_by(ReplyWatch.comment_id)
        ).all()
        reply_mails = {
            "status": subscriber.status,
            "since": iso_utc(subscriber.created_at),
            "confirmed_at": iso_utc(subscriber.confirmed_at) if subscriber.confirmed_at else None,
            "watching": list(watching),  # the comments whose replies are mailed
        }
    actions.record(actor, "reader_export", f"reader {reader_hash(target)}", len(comments))
    db.session.commit()
    return {"email": target, "comments": comments, "reports": reports, "reply_mails": reply_mails}


def to_json(data: dict[str, Any]) -> bytes:
    """An export as a file: UTF-8 JSON, indented for a person to read."""
    try:
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: ASCII escapes carry it
        return json.dumps(data, indent=2).encode("ascii")


# --- erase -------------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    """What an erase removed."""

    deleted: int = 0  # comments removed
    placeholders: int = 0  # comments emptied and kept, so their replies stay in place
    reports: int = 0  # reports the reader filed, kept without the address
    subscriptions: int = 0  # the reply-mail subscription (0 or 1)
    watches: int = 0  # comments whose replies were to be mailed
    messages: int = 0  # outbox mails addressed to the reader
    examples: int = 0  # texts the spam filter had learnt from

    @property
    def comments(self) -> int:
        return self.deleted + self.placeholders

    @property
    def total(self) -> int:
        return sum(astuple(self))

    def describe(self) -> str:
        if not self.total:
            return "Nothing was held about that address."
        parts = [
            (self.deleted, "comment", "deleted"),
            (self.placeholders, "comment", "emptied and kept for the replies below"),
            (self.reports, "report", "kept without the address"),
            (self.subscriptions, "reply-mail subscription", "removed"),
            (self.watches, "watched comment", "forgotten"),
            (self.messages, "mail", "removed from the outbox"),
            (self.examples, "spam-filter example", "removed"),
        ]
        said = [f"{plural(count, noun)} {done}" for count, noun, done in parts if count]
        return "Erased: " + ", ".join(said) + "."


def erase(email: str, actor: str) -> Erased:
    """Remove everything held about ``email`` in one transaction; commits.

    Comments nobody else replied to are deleted; the others stay as
    placeholders (status deleted, nothing of the reader left) so the thread
    reads on. Counts, listing versions and threads change with them. No mail
    or webhook goes out: the reader asked for nothing to be said.
    """
    target = _target(email)
    try:
        erased = _erase(target)
        actions.record(actor, "reader_erase", f"reader {reader_hash(target)}", erased.comments)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return erased


def _erase(target: str) -> Erased:
    ids = _comment_ids(target)
    keep = _with_replies(ids)
    gone = [i for i in ids if i not in keep]
    examples = erasure.forget_examples(ids)
    deltas, roots = _leaving(ids)
    placeholders = erasure.empty(sorted(keep))
    reports = _unaddress_reports(target)
    subscriptions, watches = _unsubscribe(target, ids)
    messages = _purge_outbox(target)
    deleted = _delete(gone)
    threads.refresh(roots - set(gone))
    articles.adjust(deltas)
    return Erased(deleted, placeholders, reports, subscriptions, watches, messages, examples)


def _with_replies(ids: Sequence[int]) -> set[int]:
    """The reader's comments to keep as placeholders: those below which
    someone else's comment (of any status) hangs. A reply of the reader's
    own that goes too does not keep its parent."""
    mine = set(ids)
    children: dict[int, list[int]] = {}
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(Comment.id, Comment.parent_id).where(Comment.parent_id.in_(chunk))
        )
        for child, parent in rows:
            children.setdefault(parent, []).append(child)
    keep: set[int] = set()
    while True:  # up the reader's own chains, a level a round
        more = {
            comment_id
            for comment_id in mine - keep
            if any(c not in mine or c in keep for c in children.get(comment_id, ()))
        }
        if not more:
            return keep
        keep |= more


def _leaving(ids: Sequence[int]) -> tuple[Counter[str], set[int]]:
    """Per article, the published comments leaving its listing (each article
    gets a new version: placeholders change it too); the threads to recount."""
    deltas: Counter[str] = Counter()
    roots: set[int] = set()
    for chunk in _chunks(ids):
        rows = db.session.execute(
            select(
                Comment.article_id, Comment.status, func.coalesce(Comment.root_id, Comment.id)
            ).where(Comment.id.in_(chunk))
        )
        for article_id, status, root in rows:
            deltas[article_id] -= status == Status.PUBLISHED
            roots.add(root)
    return deltas, roots


def _delete(ids: Sequence[int]) -> int:
    """Delete comments nobody else's comment hangs below (so no thread loses
    a parent); their likes and reports go by ON DELETE CASCADE."""
    removed = 0
    for chunk in _chunks(ids):
        removed += _removed(delete(Comment).where(Comment.id.in_(chunk)))
    return removed


def _unaddress_reports(target: str) -> int:
    ids = [report.id for report in _reports(target)]
    for chunk in _chunks(ids):
        db.session.execute(
            update(Report).where(Report.id.in_(chunk)).values(email=None),
            execution_options=_QUIET,
        )
    return len(ids)


def _unsubscribe(target: str, comment_ids: Sequence[int]) -> tuple[int, int]:
    """Forget the subscription and every watch: the subscriber's, and any on
    the reader's comments left as placeholders."""
    subscriber = _subscriber(target)
    watches = 0
    if subscriber is not None:
        watches += _removed(delete(ReplyWatch).where(ReplyWatch.subscriber_id == subscriber.id))
        db.session.delete(subscriber)
    for chunk in _chunks(comment_ids):
        watches += _removed(delete(ReplyWatch).where(ReplyWatch.comment_id.in_(chunk)))
    db.session.flush()
    return int(subscriber is not None), watches


def _purge_outbox(target: str) -> int:
    """Remove mails to the reader, waiting, failed or sent (their payload
    holds the address). A mail to others as well loses only this recipient."""
    removed = 0
    for message in _messages(target):
        payload = json.loads(message.payload)
        others = [to for to in _recipients(message.payload) if not _same(to, target)]
        if others:
            message.payload = json.dumps({**payload, "to": others})
        else:
            db.session.delete(message)
        removed += 1
    db.session.flush()
    return removed


# --- the admin's sender page ----------------------------------------------------------


def addresses_of_sender(sender_hash: str) -> list[str]:
    """The distinct addresses (as compared) a sender's comments carry."""
    rows = db.session.scalars(
        select(Comment.email)
        .where(Comment.sender_hash == sender_hash, Comment.email.is_not(None))
        .distinct()
        .limit(SENDER_ADDRESSES * 4)
    )
    found = sorted({normalise(email) for email in rows if email and email.strip()})
    return found[:SENDER_ADDRESSES]
