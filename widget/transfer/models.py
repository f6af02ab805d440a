"""The tables of moving in: where each imported comment came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime, utcnow


class ImportRun(db.Model):
    """One run of ``flask import``: what was read, and what came of it."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    format: Mapped[str] = mapped_column(String(16))
    file: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)


class ImportedComment(db.Model):
    """A comment's id in the system it came from: a re-run finds it and adds
    nothing, and a reply finds its parent by the parent's key.

    A comment has one row per (source, key) it is known by: our own export's
    id (source ``json``) and, when that comment came from elsewhere first,
    the original system's too, so a later import from there still finds it.
    """

    __tablename__ = "imported_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None once the comment is gone (deleted, a reader's data erased): the
    # key stays, so importing the same file again does not bring it back.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    # The parent's key in the same source; resolved to parent_id at the end
    # of the run that wrote it (a reply may come before its parent).
    parent_key: Mapped[str | None] = mapped_column(String(200), default=None)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("source", "key", name="uq_imported_comments_source_key"),
        Index("ix_imported_comments_run", "run_id"),
        Index("ix_imported_comments_comment", "comment_id"),
    )
