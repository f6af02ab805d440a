"""Deleted comments kept no longer than the site says: COMMENTS_RETENTION_DAYS
(the worker, once a day) or ``flask --app wsgi purge-deleted --days N``.

A comment deleted (``deleted_at``) longer ago than that is removed, with its
likes, reports and reply watches (ON DELETE CASCADE) and the spam filter's
copy of its text. One below which a comment that stays still hangs (a
published, held or spam reply, or a deleted one not old enough yet) is kept
as a placeholder instead, emptied of everything its author wrote or sent
(``erasure.empty``, as a reader's erase does), so the thread reads on; it
goes in a later run, once the replies below it have gone. Threads of old
deleted comments go leaves first, so no reply ever loses its parent.

Deleted comments are neither counted nor listed: no article's count,
version or listing changes. The work goes ``BATCH`` comments to a
transaction, so a purge of 100,000 never holds a long lock; each statement
checks again that its comments are still old and deleted and that nothing
that stays hangs below them, so a comment restored meanwhile is left alone.
A second run finds nothing more to do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, exists, not_, select
from sqlalchemy.orm import aliased

from .. import threads
from ..columns import utcnow
from ..extensions import db
from ..models import Comment, Status
from ..notify.models import ReplyWatch
from . import ModerationError, actions, erasure

log = logging.getLogger("comments.retention")
BATCH = 1000  # comments per transaction
MAX_DAYS = 36500
EVERY = timedelta(days=1)  # how often the worker purges
_QUIET = {"synchronize_session": False}


@dataclass(frozen=True)
class Purge:
    """What a purge did (or, dry, would do)."""

    days: int
    cutoff: datetime  # deleted before this: old enough to go
    dry_run: bool = False
    purged: int = 0  # comments removed
    kept: int = 0  # old enough, but kept as placeholders for the replies below
    emptied: int = 0  # of the kept, emptied by this run (the others were already)

    def describe(self) -> str:
        age = f"deleted more than {self.days:,} day{'' if self.days == 1 else 's'} ago"
        if not self.purged and not self.kept:
            return f"No comments {age}."
        dry = self.dry_run
        lines = [f"{'Would purge' if dry else 'Purged'} {_count(self.purged)} {age}."]
        if self.kept:
            one = self.kept == 1
            lines.append(
                f"{'Would keep' if dry else 'Kept'} {self.kept:,} as "
                f"{'a placeholder' if one else 'placeholders'} for the replies below "
                f"{'it' if one else 'them'} ({self.emptied:,} "
                f"{'to be emptied' if dry else 'emptied now'} of author and text)."
            )
        if dry:
            lines.append("Dry run: nothing was changed.")
        return "\n".join(lines)


def _count(number: int) -> str:
    return f"{number:,} comment{'' if number == 1 else 's'}"


def purge_deleted(
    days: int,
    actor: str,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    audit_nothing: bool = True,
) -> Purge:
    """Purge comments deleted more than ``days`` ago; audited (unless
    ``audit_nothing`` is false and nothing changed). Commits as it goes."""
    if not 1 <= days <= MAX_DAYS:
        raise ModerationError(f"The days are a whole number from 1 to {MAX_DAYS}.")
    cutoff = (now or utcnow()) - timedelta(days=days)
    plan = _plan(cutoff)
    result = Purge(days, cutoff, dry_run, len(plan.doomed), len(plan.kept), len(plan.to_empty))
    db.session.rollback()  # nothing held while the batches wait their turn
    if dry_run:
        return result
    emptied = sum(_empty(batch, cutoff) for batch in erasure.chunks(plan.to_empty, BATCH))
    purged = sum(_remove(batch, cutoff) for batch in erasure.chunks(plan.doomed, BATCH))
    result = replace(result, purged=purged, emptied=emptied)
    if purged or emptied or audit_nothing:
        detail = (
            f"deleted over {days} days ago (before {cutoff:%Y-%m-%d %H:%M} UTC): "
            f"{purged} purged, {result.kept} kept as placeholders, {emptied} emptied"
        )
        actions.record(actor, "purge_deleted", detail, purged)
        db.session.commit()
    return result


def daily() -> None:
    """The worker's chore: purge by COMMENTS_RETENTION_DAYS, if set."""
    days = current_app.config.get("RETENTION_DAYS")
    if days:
        result = purge_deleted(days, "worker", audit_nothing=False)
        log.info("retention: %s", result.describe().replace("\n", " "))


# --- what goes, what stays -------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    doomed: list[int]  # to remove, leaves first
    kept: list[int]  # placeholders, old enough but with replies that stay
    to_empty: list[int]  # of the kept, those not emptied yet


def _old(cutoff: datetime, of: Any = Comment) -> ColumnElement[bool]:
    """Old enough to go: deleted before ``cutoff`` (``of``: Comment or an alias)."""
    return and_(of.status == Status.DELETED, of.deleted_at < cutoff)


def _plan(cutoff: datetime) -> _Plan:
    rows = db.session.execute(
        select(Comment.id, Comment.parent_id, Comment.root_id, Comment.sender_hash).where(
            _old(cutoff)
        )
    ).all()
    old = {row.id for row in rows}
    # Up the threads: the comments each old one hangs below (its parent, its thread's top).
    above = {row.id: ({row.parent_id, row.root_id} & old) - {row.id} for row in rows}
    keep = _held_up(sorted(old), cutoff)
    frontier = set(keep)
    while frontier:  # a kept comment keeps the comments it hangs below
        frontier = {a for c in frontier for a in above[c]} - keep
        keep |= frontier
    erased = {row.id for row in rows if row.sender_hash == erasure.ERASED_SENDER}
    doomed = _leaves_first(old - keep, {row.id: row.parent_id for row in rows})
    return _Plan(doomed, sorted(keep), sorted(keep - erased))


def _held_up(old: Sequence[int], cutoff: datetime) -> set[int]:
    """The old comments below which a comment that stays hangs directly."""
    held: set[int] = set()
    for chunk in erasure.chunks(old):
        for column in (Comment.parent_id, Comment.root_id):
            held.update(
                db.session.scalars(
                    select(column).where(column.in_(chunk), not_(_old(cutoff))).distinct()
                )
            )
    return held


def _leaves_first(doomed: set[int], parents: dict[int, int | None]) -> list[int]:
    """The doomed comments thread by thread, each thread's deepest first: a
    reply goes before its parent, and a batch holds whole threads (their
    rows and index entries sit together, so each page is written once)."""
    place: dict[int, tuple[int, int]] = {}  # comment -> (its top doomed ancestor, depth)

    def place_of(comment_id: int) -> tuple[int, int]:
        chain: list[int] = []
        current: int | None = comment_id
        while current in doomed and current not in place and current not in chain:
            chain.append(current)
            current = parents.get(current)
        if not chain:
            return place[comment_id]
        # Above the chain: a placed comment, or none doomed (the chain's top is the top).
        top, depth = place[current] if current is not None and current in place else (chain[-1], -1)
        for link in reversed(chain):
            depth += 1
            place[link] = (top, depth)
        return place[comment_id]

    def order(comment_id: int) -> tuple[int, int, int]:
        top, depth = place_of(comment_id)
        return (-top, -depth, -comment_id)

    return sorted(doomed, key=order)


# --- doing it ------------------------------------------------------------------------


def _empty(ids: Sequence[int], cutoff: datetime) -> int:
    """Empty placeholders (one transaction); their reply watches and the
    filter's copies of their texts go too."""
    emptied = erasure.empty(ids, _old(cutoff))
    erasure.forget_examples(ids)
    db.session.execute(
        delete(ReplyWatch).where(ReplyWatch.comment_id.in_(ids)), execution_options=_QUIET
    )
    db.session.commit()
    return emptied


def _remove(ids: Sequence[int], cutoff: datetime) -> int:
    """Remove comments (one transaction), each only if still old and deleted
    and nothing that stays hangs below it; the threads they leave are recounted."""
    below = aliased(Comment)
    stays = not_(_old(cutoff, below))
    # The filter's copies first: removing a comment only unlinks its example.
    erasure.forget_examples(
        db.session.scalars(select(Comment.id).where(Comment.id.in_(ids), _old(cutoff))).all()
    )
    removed = db.session.execute(
        delete(Comment)
        .where(
            Comment.id.in_(ids),
            _old(cutoff),
            ~exists().where(below.parent_id == Comment.id, stays),
            ~exists().where(below.root_id == Comment.id, stays),
        )
        .returning(Comment.id, Comment.root_id),
        execution_options=_QUIET,
    ).all()
    gone = {row.id for row in removed}
    # Unlisted and uncounted, so no count moves; recounting is cheap insurance.
    threads.refresh({row.root_id for row in removed} - gone)
    db.session.commit()
    return len(removed)
