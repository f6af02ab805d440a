"""Every moderation action, for the admin area and the CLI alike.

Each public action runs in one transaction, keeps article counts and
listing versions exact through ``articles.adjust``, writes one audit entry,
and commits. Bad input raises ``ModerationError`` with a message for a person.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, or_, select, update

from .. import articles
from ..extensions import db
from ..models import (
    MAX_ID,
    Article,
    AuditEntry,
    Ban,
    BlockedPhrase,
    Comment,
    RuleAction,
    Setting,
    Status,
    utcnow,
)
from . import text

MAX_SEARCH = 200
MAX_PHRASE = 200
MAX_NOTE = 200
MAX_BAN_DAYS = 3650
SENDER_HASH = re.compile(r"[0-9A-Za-z_-]{1,64}")

# What each bulk action does to a comment's status.
ACTIONS: dict[str, Status] = {
    "approve": Status.PUBLISHED,
    "spam": Status.SPAM,
    "delete": Status.DELETED,
}

# Switches an admin can turn; a missing row means the default.
PRE_MODERATION = "pre_moderation"  # "on" / "off"; default: COMMENTS_MODERATION
HOLD_FIRST_COMMENT = "hold_first_comment"  # "on" / "off"; default: off
# Changes with every change to the switches or the blocked phrases (a fresh
# random value), so each process can keep the rules in memory and reload them
# only when this differs from what it loaded (widget/defences.py).
RULES_VERSION = "rules_version"


class ModerationError(ValueError):
    """An action cannot be done as asked; the message says why."""


# --- which comments ----------------------------------------------------------


def clean_sender(value: str) -> str:
    value = value.strip()
    if not SENDER_HASH.fullmatch(value):
        raise ModerationError("A sender is the hash shown in the comments list (letters, digits).")
    return value


def clean_article_id(value: str) -> str:
    value = value.strip()
    if not articles.is_valid_id(value):
        raise ModerationError(
            "An article ID is 1 to 128 letters, digits and -_.:~, starting with a letter or digit."
        )
    return value


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Selection:
    """The comments an action applies to: chosen ids, or every comment
    matching a filter (all of the given criteria)."""

    ids: tuple[int, ...] | None = None
    status: Status | None = None
    article_id: str | None = None
    search: str | None = None
    sender: str | None = None
    # Only comments up to this id: what a page showed, not what arrived since.
    up_to_id: int | None = None

    @classmethod
    def of(
        cls,
        ids: Iterable[int] | None = None,
        status: str | None = None,
        article_id: str | None = None,
        search: str | None = None,
        sender: str | None = None,
    ) -> Selection:
        """Build a selection from untrusted values, or raise ModerationError."""
        if ids is not None:
            ids = tuple(sorted(set(ids)))
            if not all(1 <= i <= MAX_ID for i in ids):
                raise ModerationError("Comment ids are whole numbers.")
        if status:
            try:
                status = Status(status)
            except ValueError:
                choices = ", ".join(s.value for s in Status)
                raise ModerationError(f"A status is one of: {choices}.") from None
        if search is not None:
            search = search.strip()
            if len(search) > MAX_SEARCH or not text.is_storable(search):
                raise ModerationError(f"Search for at most {MAX_SEARCH} plain characters.")
        return cls(
            ids=ids,
            status=status or None,
            article_id=clean_article_id(article_id) if article_id else None,
            search=search or None,
            sender=clean_sender(sender) if sender else None,
        )

    def up_to(self, last_id: int) -> Selection:
        """The same filter, without comments newer than ``last_id``."""
        return replace(self, up_to_id=last_id)

    @property
    def is_everything(self) -> bool:
        return self.ids is None and not self.filters()

    def filters(self) -> dict[str, str]:
        found = {
            "status": self.status,
            "article": self.article_id,
            "q": self.search,
            "sender": self.sender,
        }
        return {name: str(value) for name, value in found.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.ids is not None:
            where.append(Comment.id.in_(self.ids))
        if self.up_to_id is not None:
            where.append(Comment.id <= self.up_to_id)
        if self.status:
            where.append(Comment.status == self.status)
        if self.article_id:
            where.append(Comment.article_id == self.article_id)
        if self.sender:
            where.append(Comment.sender_hash == self.sender)
        if self.search:
            pattern = _like_pattern(self.search)
            where.append(
                or_(
                    Comment.body.ilike(pattern, escape="\\"),
                    Comment.author.ilike(pattern, escape="\\"),
                    Comment.email.ilike(pattern, escape="\\"),
                )
            )
        return where

    def describe(self) -> str:
        if self.ids is not None:
            shown = ", ".join(map(str, self.ids[:20])) + (" …" if len(self.ids) > 20 else "")
            return f"{len(self.ids)} chosen ({shown})"
        described = "matching " + ", ".join(f"{k}={v}" for k, v in self.filters().items())
        if not self.filters():
            described = "every comment"
        if self.up_to_id is not None:
            described += f" up to #{self.up_to_id}"
        return described


def count(selection: Selection) -> int:
    return db.session.scalar(select(func.count(Comment.id)).where(*selection.conditions())) or 0


def latest_id(selection: Selection) -> int:
    """The newest selected comment's id (0 when nothing is selected)."""
    return db.session.scalar(select(func.max(Comment.id)).where(*selection.conditions())) or 0


# --- the audit log -----------------------------------------------------------


def record(actor: str, action: str, detail: str, count: int = 0) -> None:
    """Add an audit entry to the current transaction."""
    db.session.add(AuditEntry(actor=actor[:80], action=action, detail=detail[:500], count=count))


# --- comment status ----------------------------------------------------------


def _set_status(selection: Selection, to: Status) -> int:
    """Move the selected comments to ``to``; returns how many changed.

    Comments entering or leaving the published status shift their article's
    count. The deltas come from the UPDATE itself (RETURNING), not from an
    earlier SELECT, so a comment posted while the action runs can never make
    a count drift.
    """
    where = selection.conditions()
    options = {"synchronize_session": False}
    deltas: Counter[str] = Counter()
    if to == Status.PUBLISHED:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status != Status.PUBLISHED)
            .values(status=Status.PUBLISHED)
            .returning(Comment.article_id),
            execution_options=options,
        )
        deltas.update(article_id for (article_id,) in rows)
        changed = deltas.total()
    else:
        rows = db.session.execute(
            update(Comment)
            .where(*where, Comment.status == Status.PUBLISHED)
            .values(status=to)
            .returning(Comment.article_id),
            execution_options=options,
        )
        deltas.subtract(article_id for (article_id,) in rows)
        others = db.session.execute(
            update(Comment)
            .where(*where, Comment.status.not_in([Status.PUBLISHED, to]))
            .values(status=to),
            execution_options=options,
        )
        changed = -deltas.total() + (others.rowcount or 0)
    if deltas:
        articles.adjust(dict(deltas))
    return changed


def change_status(selection: Selection, action: str, actor: str) -> int:
    """Approve, mark as spam or delete (soft: status 'deleted') in one transaction."""
    if action not in ACTIONS:
        raise ModerationError("The action is approve, spam or delete.")
    changed = _set_status(selection, ACTIONS[action])
    record(actor, action, selection.describe(), changed)
    db.session.commit()
    return changed


def empty_spam(actor: str) -> int:
    """Remove every spam comment for good; returns how many were removed."""
    spam = select(Comment.id).where(Comment.status == Status.SPAM)
    # Published replies to spam lose their parent (ON DELETE SET NULL), which
    # changes what their articles list.
    touched = db.session.scalars(
        select(Comment.article_id)
        .where(Comment.parent_id.in_(spam), Comment.status == Status.PUBLISHED)
        .distinct()
    ).all()
    removed = (
        db.session.execute(
            delete(Comment).where(Comment.status == Status.SPAM),
            execution_options={"synchronize_session": False},
        ).rowcount
        or 0
    )
    if touched:
        articles.adjust(dict.fromkeys(touched, 0))
    record(actor, "empty_spam", "every spam comment", removed)
    db.session.commit()
    return removed


# --- bans ----------------------------------------------------------------------


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
    spammed = _set_status(Selection(sender=sender), Status.SPAM) if mark_spam else 0
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


# --- blocked words and phrases ---------------------------------------------------


def normalise(value: str) -> str:
    """How blocked phrases are stored: NFKC, case-folded, single spaces.

    Runs of combining marks are cut first (UAX #15's stream-safe 30): CPython
    normalises long runs in quadratic time. Matching folds further
    (``text.skeleton``).
    """
    return " ".join(unicodedata.normalize("NFKC", text.stream_safe(value)).casefold().split())


def block_phrase(phrase: str, action: str, actor: str) -> BlockedPhrase:
    phrase = normalise(phrase)
    if not phrase or len(phrase) > MAX_PHRASE or not text.is_storable(phrase):
        raise ModerationError(f"A blocked phrase is 1 to {MAX_PHRASE} plain characters.")
    try:
        action = RuleAction(action)
    except ValueError:
        raise ModerationError("A blocked phrase either holds or rejects a comment.") from None
    rule = db.session.scalar(select(BlockedPhrase).where(BlockedPhrase.phrase == phrase))
    if rule is None:
        rule = BlockedPhrase(phrase=phrase, created_by=actor[:80])
        db.session.add(rule)
    rule.action = action
    _rules_changed()
    record(actor, "block_phrase", f"{action}: {phrase}")
    db.session.commit()
    return rule


def unblock_phrase(phrase: str, actor: str) -> bool:
    phrase = normalise(phrase)
    removed = db.session.execute(
        delete(BlockedPhrase).where(BlockedPhrase.phrase == phrase)
    ).rowcount
    if not removed:
        db.session.rollback()
        return False
    _rules_changed()
    record(actor, "unblock_phrase", phrase)
    db.session.commit()
    return True


def blocked_phrases() -> Sequence[BlockedPhrase]:
    return db.session.scalars(select(BlockedPhrase).order_by(BlockedPhrase.phrase)).all()


# --- articles ------------------------------------------------------------------


def set_closed(article_id: str, closed: bool, actor: str) -> bool:
    """Close or reopen comments on an article; False if it already was."""
    article_id = clean_article_id(article_id)
    articles.ensure(article_id)
    changed = db.session.execute(
        update(Article)
        .where(Article.id == article_id, Article.closed != closed)
        .values(closed=closed),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    articles.adjust({article_id: 0})  # a new version: cached pages go stale
    record(actor, "close_article" if closed else "reopen_article", article_id)
    db.session.commit()
    return True


def closed_articles() -> Sequence[str]:
    return db.session.scalars(select(Article.id).where(Article.closed).order_by(Article.id)).all()


# --- switches ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    pre_moderation: bool | None  # None: COMMENTS_MODERATION decides
    hold_first_comment: bool

    @property
    def holds_everything(self) -> bool:
        if self.pre_moderation is not None:
            return self.pre_moderation
        return current_app.config["MODERATION"] == "pre"


def settings() -> Settings:
    stored = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    pre = stored.get(PRE_MODERATION)
    return Settings(
        pre_moderation=None if pre is None else pre == "on",
        hold_first_comment=stored.get(HOLD_FIRST_COMMENT) == "on",
    )


def _store(key: str, value: str | None) -> None:
    row = db.session.get(Setting, key)
    if value is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _rules_changed() -> None:
    """Bump the rules version in the current transaction: every process
    reloads the switches and phrases on its next post."""
    _store(RULES_VERSION, secrets.token_hex(16))


def set_pre_moderation(value: bool | None, actor: str) -> None:
    """Hold every new comment (True), publish them (False), or follow
    COMMENTS_MODERATION (None)."""
    _store(PRE_MODERATION, None if value is None else ("on" if value else "off"))
    _rules_changed()
    word = {None: "default (COMMENTS_MODERATION)", True: "on", False: "off"}[value]
    record(actor, "pre_moderation", word)
    db.session.commit()


def set_hold_first_comment(value: bool, actor: str) -> None:
    _store(HOLD_FIRST_COMMENT, "on" if value else "off")
    _rules_changed()
    record(actor, "hold_first_comment", "on" if value else "off")
    db.session.commit()
