"""The tables, typed (SQLAlchemy 2)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
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
    status: Mapped[str] = mapped_column(String(16), default=Status.PUBLISHED)
    # Why a comment was held or refused (a defence's reason code), for admins.
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Keyed hash of the sender's address: groups a sender's comments without
    # keeping the address itself.
    sender_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(512), default="")

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
