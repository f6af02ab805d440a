"""The transactional outbox: record in the caller's transaction, claim, settle.

A job library (RQ, Huey, Dramatiq) keeps its queue in a store of its own, so
enqueuing there cannot share the transaction of the change that causes it: a
crash between the two loses the message or sends one for a change that was
rolled back. The outbox table is that queue, in the one database the service
already has, and claiming a row is one UPDATE: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL lets several workers take different rows, SQLite's single writer
serialises them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from ..database import upsert
from ..extensions import db
from ..models import utcnow
from .models import Kind, OutboxMessage, State

# Long enough for the slowest send (a 10 s webhook, a 30 s SMTP timeout).
LEASE = timedelta(seconds=120)
# After the first failure: the Standard Webhooks schedule, then a day at a time,
# about three and a half days in all before a message is given up on.
RETRY_DELAYS = tuple(
    timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 36000, 86400, 86400)
)
KEEP_SENT = timedelta(days=30)  # sent rows keep their keys (no second reply mail)
_QUIET = {"synchronize_session": False}


@dataclass(frozen=True)
class Job:
    id: int
    kind: Kind
    payload: dict[str, Any]
    attempts: int  # including this one


def add(kind: Kind, *payloads: dict[str, Any]) -> None:
    """Record messages in the current transaction (one INSERT for many: a bulk
    action over thousands of comments makes an event for each)."""
    if not payloads:
        return
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "payload": json.dumps(payload),
            "state": State.WAITING,
            "created_at": now,
            "due_at": now,
            "attempts": 0,
        }
        for payload in payloads
    ]
    db.session.execute(insert(OutboxMessage), rows)


def add_once(
    kind: Kind, payload: dict[str, Any], key: str, *, due_at: datetime | None = None
) -> bool:
    """Record a message unless one with ``key`` exists; False if it did.

    ON CONFLICT DO NOTHING, so two transactions racing to add the same key
    leave one row and neither fails.
    """
    statement = (
        upsert(OutboxMessage.__table__)
        .values(
            kind=kind,
            payload=json.dumps(payload),
            key=key,
            state=State.WAITING,
            created_at=utcnow(),
            due_at=due_at or utcnow(),
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)  # rowcount is -1 here on psycopg: ask for the row
    )
    return db.session.execute(statement).first() is not None


def waiting(key: str) -> bool:
    """Whether a message with ``key`` is recorded and not yet settled."""
    found = select(OutboxMessage.id).where(OutboxMessage.key == key)
    return db.session.scalar(found.where(OutboxMessage.state == State.WAITING)) is not None


def _ready(now: datetime) -> Any:
    return and_(
        OutboxMessage.state == State.WAITING,
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )


def claim(worker: str) -> Job | None:
    """Take the next due message for ``worker`` and commit the claim."""
    now = utcnow()
    next_one = (
        select(OutboxMessage.id)
        .where(_ready(now))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == next_one, _ready(now))
        .values(
            locked_until=now + LEASE,
            locked_by=worker,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        ),
        execution_options=_QUIET,
    ).first()
    db.session.commit()
    if row is None:
        return None
    return Job(row.id, Kind(row.kind), json.loads(row.payload), row.attempts)


def _freed(job: Job) -> Any:
    """A settled digest frees its key for the next one; other keys stay
    (a reply's mail is recorded once, ever)."""
    return None if job.kind == Kind.DIGEST else OutboxMessage.key


def _settle(job: Job, worker: str, **values: Any) -> None:
    # Only while the claim is ours: a worker whose lease ran out and was
    # taken over must not overwrite what the other one recorded.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == job.id, OutboxMessage.locked_by == worker)
        .values(locked_until=None, locked_by=None, **values),
        execution_options=_QUIET,
    )
    db.session.commit()


def sent(job: Job, worker: str) -> None:
    _settle(job, worker, state=State.SENT, sent_at=utcnow(), last_error=None, key=_freed(job))


def failed(job: Job, worker: str, error: str, *, permanent: bool = False) -> bool:
    """Schedule the next attempt, or give up after the last; True if it will be retried."""
    retry = not permanent and job.attempts <= len(RETRY_DELAYS)
    if retry:
        delay = RETRY_DELAYS[job.attempts - 1]
        _settle(job, worker, due_at=utcnow() + delay, last_error=error[:500])
    else:
        _settle(job, worker, state=State.FAILED, last_error=error[:500], key=_freed(job))
    return retry


def release_dead(me: str) -> int:
    """Hand back the claims of this machine's workers that are no longer
    running (killed mid-send): their messages go again now, not after the
    lease. ``me`` is ``host:pid:boot``; a claim with this pid but another
    boot is a dead worker's whose pid came round again (a container's 1)."""
    host, pid, _boot = me.split(":")
    holders = db.session.scalars(
        select(OutboxMessage.locked_by)
        .where(
            OutboxMessage.locked_by.startswith(f"{host}:", autoescape=True),
            OutboxMessage.state == State.WAITING,
        )
        .distinct()
    ).all()
    dead = [holder for holder in holders if holder != me and _dead(holder.split(":"), pid)]
    if not dead:
        db.session.rollback()
        return 0
    released = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.locked_by.in_(dead))
        .values(locked_until=None, locked_by=None),
        execution_options=_QUIET,
    ).rowcount
    db.session.commit()
    return released or 0


def _dead(holder: list[str], my_pid: str) -> bool:
    if len(holder) != 3 or not holder[1].isdigit():
        return False  # not a worker's name: not ours to judge
    if holder[1] == my_pid:
        return True
    try:
        os.kill(int(holder[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        return False
    return False


def purge() -> int:
    """Forget sent messages after ``KEEP_SENT``."""
    removed = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.state == State.SENT, OutboxMessage.sent_at < utcnow() - KEEP_SENT
        ),
        execution_options=_QUIET,
    ).rowcount
    db.session.commit()
    return removed or 0


def backlog() -> int:
    """Messages still to be sent (the ``/metrics`` gauge)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == State.WAITING)
        )
        or 0
    )


def last_sent(kind: Kind) -> datetime | None:
    """When a message of ``kind`` was last sent."""
    return db.session.scalar(
        select(func.max(OutboxMessage.sent_at)).where(
            OutboxMessage.kind == kind, OutboxMessage.state == State.SENT
        )
    )
