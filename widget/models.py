"""The tables, typed (SQLAlchemy 2)."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    or_,
)
from sqlalchemy import false as sa_false
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from .columns import UTCDateTime, body_hash, iso_utc, utcnow
from .extensions import db


def _body_hash_of_row(context) -> str | None:  # type: ignore[no-untyped-def]
    body = context.get_current_parameters().get("body")
    return None if body is None else body_hash(body)


def _listed_on_insert(context) -> bool:  # type: ignore[no-untyped-def]
    """A new comment has no replies: listed when top-level and published."""
    row = context.get_current_parameters()
    return row.get("root_id") is None and row.get("status", Status.PUBLISHED) == Status.PUBLISHED


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

    # --- threads (widget/threads.py keeps these exact, in the changing transaction)
    # The top-level comment of this reply's thread; None for a top-level comment.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), default=None
    )
    # On a top-level comment: its thread's published replies.
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A top-level comment the listing shows: published, or a placeholder for
    # one that is not but still has published replies.
    listed: Mapped[bool] = mapped_column(
        Boolean, default=_listed_on_insert, server_default=sa_false()
    )
    # Readers' likes (rows in ``likes``), kept here so listings never count.
    likes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # --- author edits
    # sha256 of the edit token handed out once in the 201/202; None: no token.
    edit_token_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    edit_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    # --- reports
    # When an admin last kept or approved it after reports: later reports
    # queue it again but do not hold it.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What the admin wrote when removing it (the author's statement of reasons).
    decision: Mapped[str | None] = mapped_column(String(1000), default=None)

    # --- retention (moderation/retention.py)
    # When it became deleted (its author, an admin, a reader's erase, an
    # import); None while it is not. COMMENTS_RETENTION_DAYS later it is purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # --- the learning spam filter (moderation/learning.py)
    # Its score when posted or last edited: the share of the good comments it
    # learnt from that score lower (0.995: more spam-like than 99.5% of them).
    # None: the filter had not learnt enough to judge.
    spam_score: Mapped[float | None] = mapped_column(Float, default=None)

    # --- readers signed in through the publisher (widget/sso.py)
    # The name is the publisher's for this reader, not typed into the form.
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Signed in as the publisher's staff: published without screening.
    staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    __table_args__ = (
        # Listing one article newest- or oldest-first, and counting it: the
        # (article_id, status) prefix narrows, id orders.
        Index("ix_comments_article_status_id", "article_id", "status", "id"),
        Index("ix_comments_sender_hash", "sender_hash"),
        Index("ix_comments_status_id", "status", "id"),
        # The listing's top-level comments, newest/oldest and by likes.
        Index("ix_comments_article_listed_id", "article_id", "listed", "id"),
        Index("ix_comments_article_listed_likes_id", "article_id", "listed", "likes", "id"),
        # A thread's replies in order: the previews and the replies endpoint.
        Index("ix_comments_root_status_id", "root_id", "status", "id"),
    )

    def to_public(self) -> dict[str, object]:
        """The shape the API lists: nothing private (no email, no sender).

        The listing adds ``reply_count`` and ``replies`` to a top-level
        comment and ``reply_to`` to a reply (widget/public/thread_pages.py).
        """
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "author": self.author,
            "body": self.body,
            "created_at": iso_utc(self.created_at),
            "edited_at": iso_utc(self.edited_at) if self.edited_at else None,
            "likes": self.likes or 0,
            "verified": bool(self.verified),
            "staff": bool(self.staff),
        }

    def to_placeholder(self) -> dict[str, object]:
        """A top-level comment no longer shown whose replies still are."""
        return {
            **self.to_public(),
            "author": None,
            "body": None,
            "edited_at": None,
            "verified": False,
            "staff": False,
            "deleted": True,
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


# The box's random id for a reader (likes, reports), kept in its localStorage.
VOTER_PATTERN = r"[A-Za-z0-9_-]{16,64}"


class Like(db.Model):
    """One reader's like of one comment (``voter``: the box's random id)."""

    __tablename__ = "likes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    # privacy.sender_hash of the client: the per-address cap counts these.
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("comment_id", "voter", name="uq_likes_comment_voter"),
        Index("ix_likes_comment_client", "comment_id", "client_hash"),
    )


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    ILLEGAL = "illegal"


class Report(db.Model):
    """A reader's report of a comment; one per voter per comment counts."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="")
    # Only for ``illegal``: where the receipt goes. Shown to admins only.
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when an admin keeps or removes the comment: the report is dealt with.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @hybrid_property
    def is_open(self) -> bool:
        """Not dealt with yet: no admin has kept or removed the comment since."""
        return self.resolved_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls) -> ColumnElement[bool]:
        return cls.resolved_at.is_(None)

    __table_args__ = (
        UniqueConstraint("comment_id", "voter", name="uq_reports_comment_voter"),
        # The Reported queue: open reports, newest first.
        Index("ix_reports_resolved_comment", "resolved_at", "comment_id"),
    )


# The learning spam filter (moderation/learning.py) --------------------------


class SpamExample(db.Model):
    """One text the filter learnt from, and as what: an admin's decision on a
    comment (one per comment: deciding again moves it, never counts it twice)
    or a row of a training file (one per text)."""

    __tablename__ = "spam_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), default=None, unique=True
    )
    # sha256 of a training file's text; None for a comment's.
    digest: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    # As learnt: unlearning subtracts exactly what was added, even after an edit.
    text: Mapped[str] = mapped_column(Text)
    is_spam: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpamCount(db.Model):
    """In how many spam and good texts a hashed feature appeared."""

    __tablename__ = "spam_counts"

    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
    # The filter's revision that last changed it: a process catches up by
    # reading only the rows changed since the revision it holds.
    revision: Mapped[int] = mapped_column(Integer, index=True)


class SpamFilterState(db.Model):
    """The filter's one row: its revision, totals and calibration."""

    __tablename__ = "spam_filter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # New for every model: a process holding another database's (a restore, a
    # test's) must not take a revision number of this one as its own.
    model_id: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    spam_docs: Mapped[int] = mapped_column(Integer, default=0)
    ham_docs: Mapped[int] = mapped_column(Integer, default=0)
    spam_total: Mapped[int] = mapped_column(Integer, default=0)
    ham_total: Mapped[int] = mapped_column(Integer, default=0)
    # Chosen from the data (classifier.calibrate); None until it has learnt enough.
    threshold: Mapped[float | None] = mapped_column(Float, default=None)
    ham_scores: Mapped[str] = mapped_column(Text, default="[]")  # JSON, ascending
    # Decisions learnt since the threshold was last chosen.
    since_calibration: Mapped[int] = mapped_column(Integer, default=0)
