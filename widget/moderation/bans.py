"""Banning senders and networks: a ban refuses their posts until it ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import Ban, utcnow
from . import ModerationError, text
from .actions import apply, record
from .selection import Selection, clean_sender

MAX_NOTE = 200
MAX_BAN_DAYS = 3650


def active_ban(sender_hash: str) -> Ban | None:
    active = select(Ban).where(Ban.sender_hash == sender_hash, Ban.active(utcnow()))
    return db.session.scalar(active)


def ban(
    sender: str,
    days: int | None,
    actor: str,
    note: str = "",
    mark_spam: bool = False,
    network: str | None = None,
) -> tuple[Ban, int]:
    """Ban a sender for ``days`` (None: until unbanned), optionally marking
    everything they wrote as spam in the same transaction. With ``network``
    (from ``privacy.ban_target``), ``sender`` is that range's hash and every
    client inside the range is refused.

    Returns the ban and how many comments were marked as spam.
    """
    sender = clean_sender(sender)
    if network is not None and mark_spam:
        raise ModerationError(
            "Comments are kept by sender, not by network: ban one sender to mark theirs as spam."
        )
    if days is not None and not 1 <= days <= MAX_BAN_DAYS:
        raise ModerationError(f"A ban lasts 1 to {MAX_BAN_DAYS} days, or until lifted.")
    note = note.strip()
    if len(note) > MAX_NOTE or not text.is_storable(note):
        raise ModerationError(f"A note has at most {MAX_NOTE} plain characters.")
    now = utcnow()
    expires_at = now + timedelta(days=days) if days else None
    entry = db.session.scalar(select(Ban).where(Ban.sender_hash == sender))
    if entry is None:
        entry = Ban(sender_hash=sender)
        db.session.add(entry)
    entry.expires_at, entry.note, entry.network = expires_at, note, network
    entry.created_at, entry.created_by = now, actor[:80]
    spammed = 0
    if mark_spam:
        spammed = apply(Selection(sender=sender), "spam", actor)
    lasting = f"for {days} day{'s' if days != 1 else ''}" if days else "until lifted"
    who = f"network {network}" if network else f"sender {sender}"
    detail = f"{who} {lasting}" + (f" ({note})" if note else "")
    if mark_spam:
        detail += "; their comments marked as spam"
    record(actor, "ban", detail, spammed)
    db.session.commit()
    return entry, spammed


def unban(sender: str, actor: str) -> bool:
    """Lift a sender's ban (expired or not); False if there was none."""
    sender = clean_sender(sender)
    removed = db.session.execute(delete(Ban).where(Ban.sender_hash == sender)).rowcount
    if not removed:
        db.session.rollback()
        return False
    record(actor, "unban", f"sender {sender}")
    db.session.commit()
    return True


def bans() -> Sequence[Ban]:
    return db.session.scalars(select(Ban).order_by(Ban.created_at.desc())).all()
