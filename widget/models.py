"""The tables, typed (SQLAlchemy 2)."""

from __future__ import annotations

import enum
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware UTC datetime (SQLite forgets
    the zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use datetime.now(UTC)")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def body_hash(body: str) -> str:
    """What the duplicate defence looks a text up by: a hash of it as stored
    (trimmed), so finding the same text on an article is one index probe."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _body_hash_of_row(context) -> str | None:  # type: ignore[no-untyped-def]
    body = context.get_current_parameters().get("body")
    return None if body is None else body_hash(body)


# The largest id a comment can have (a 32-bit INTEGER column): ids and
# cursors from outside are checked against it before they reach a query.
MAX_ID = 2**31 - 1


class Status(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(128))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), default=None
    )
    author: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    body: Mapped[str] = mapped_column(Text)
    # body_hash(body), filled in on insert (nothing changes a body afterwards).
    body_hash: Mapped[str | None] = mapped_column(String(32), default=_body_hash_of_row)
    status: Mapped[str] = mapped_column(String(16), default=Status.PUBLISHED)
    # Why a comment was held or refused (a defence's reason code), for admins.
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Keyed hash of the sender's address: groups a sender's comments without
    # keeping the address itself.
    sender_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    # tokens.token_digest of the form token it was posted with, and which of
    # the token's few uses this post took (defences.TOKEN_POSTS); both None
    # when the token did not vouch for the post.
    token_digest: Mapped[str | None] = mapped_column(String(32), default=None)
    token_use: Mapped[int | None] = mapped_column(SmallInteger, default=None)

    __table_args__ = (
        # Listing one article newest- or oldest-first, and counting it: the
        # (article_id, status) prefix narrows, id orders.
        Index("ix_comments_article_status_id", "article_id", "status", "id"),
        Index("ix_comments_sender_hash", "sender_hash"),
        Index("ix_comments_status_id", "status", "id"),
    )

    def to_public(self) -> dict[str, object]:
        """The shape the API lists: nothing private (no email, no sender)."""
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "author": self.author,
            "body": self.body,
            "created_at": self.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


class Article(db.Model):
    """One row per article that has been commented on or configured.

    ``published_count`` and ``version`` change in the same transaction as the
    comments, so counts never scan and an ETag never reads comment rows.
    """

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    published_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)


# Admin-side tables -------------------------------------------------------------

# The dashboard's 30-day chart reads comments by time, and the duplicate
# defence looks for the same text on one article (by its hash).
Index("ix_comments_created_at", Comment.created_at)
Index("ix_comments_article_body_hash", Comment.article_id, Comment.body_hash)
# Deleting spam sets its replies' parent_id to NULL: find them without a scan.
Index("ix_comments_parent_id", Comment.parent_id)
# A post looks for earlier comments with its form token: one probe. Unique,
# so that replays sent in parallel cannot take one use twice.
Index("ix_comments_token_use", Comment.token_digest, Comment.token_use, unique=True)


class Admin(db.Model):
    """Someone who may sign in to /admin. Created by ``flask create-admin``."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # An argon2id hash (argon2-cffi), parameters included.
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of every session's key (accounts.session_key): signing out adds one,
    # which ends every session of this admin, copied cookies included.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RuleAction(enum.StrEnum):
    HOLD = "hold"
    REJECT = "reject"


class BlockedPhrase(db.Model):
    """A word or phrase that holds or rejects any comment containing it."""

    __tablename__ = "blocked_phrases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored normalised (NFKC, case-folded, single spaces), matched as whole words.
    phrase: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(8), default=RuleAction.HOLD)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))


class Ban(db.Model):
    """A sender (by client hash) or a network who may not post until ``expires_at``."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A network ban's is the hash of its range (privacy.ban_target).
    sender_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Set for a range wider than one client ("203.0.113.0/24", "2001:db8::/48"),
    # checked at post time only while some network ban exists.
    network: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # None: until lifted by hand.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))

    @hybrid_method
    def active(self, now: datetime | None = None) -> bool:
        return self.expires_at is None or self.expires_at > (now or utcnow())

    @active.inplace.expression
    @classmethod
    def _active_expression(cls, now: Any) -> ColumnElement[bool]:
        # The same rule in SQL, for the post path and the admin queries.
        return or_(cls.expires_at.is_(None), cls.expires_at > now)


class Setting(db.Model):
    """A switch an admin turned (key/value); a missing key means the default."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class AuditEntry(db.Model):
    """Who did what, when, to how many comments."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
