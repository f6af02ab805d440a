"""The tables of telling people: the outbox, and readers who asked for reply mails."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class Kind(enum.StrEnum):
    MAIL = "mail"  # a finished message: payload has to, subject, text, headers
    DIGEST = "digest"  # the admins' digest, written when it is sent
    WEBHOOK = "webhook"  # one event for one receiver


class State(enum.StrEnum):
    WAITING = "waiting"  # to be sent (now, or at due_at after a failure)
    SENT = "sent"
    FAILED = "failed"  # given up on after the last retry; kept for the operator


class OutboxMessage(db.Model):
    """Something to send, recorded in the transaction that caused it.

    The worker claims a row by setting ``locked_until`` (a lease) and
    ``locked_by``, sends it, and marks it sent; a worker that dies mid-send
    leaves the lease to expire (or to be released by the next worker on the
    same machine), so the row is sent again: at least once.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    # Unique when set: what must be recorded at most once (a reply's mail, the
    # one waiting digest per admin).
    key: Mapped[str | None] = mapped_column(String(160), default=None, unique=True)
    state: Mapped[str] = mapped_column(String(16), default=State.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    locked_by: Mapped[str | None] = mapped_column(String(128), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)

    __table_args__ = (Index("ix_outbox_state_due", "state", "due_at"),)


class SubscriberStatus(enum.StrEnum):
    PENDING = "pending"  # the confirmation mail went out; nothing else will
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class Subscriber(db.Model):
    """An address that asked to be told of replies (double opt-in)."""

    __tablename__ = "mail_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    status: Mapped[str] = mapped_column(String(16), default=SubscriberStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last confirmation mail: at most one a day; its link names this time,
    # so an older link stops working once a newer one is sent.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Reply mails recorded on ``mail_day`` (YYYY-MM-DD, UTC): the daily cap.
    mail_day: Mapped[str] = mapped_column(String(10), default="")
    mails_that_day: Mapped[int] = mapped_column(Integer, default=0)


class ReplyWatch(db.Model):
    """A comment whose replies its author wants to hear of."""

    __tablename__ = "reply_watches"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("mail_subscribers.id", ondelete="CASCADE"), index=True
    )
    # The language the reader wrote the comment in: their reply mails' language.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
