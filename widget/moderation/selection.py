"""Which comments an action applies to: a filter built from untrusted values
(ids, status, article, sender, text, likely spam), checked once, shared by
the admin list, its bulk actions and the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from .. import articles, fulltext
from ..extensions import db
from ..models import MAX_ID, Comment, Status
from . import ModerationError, learning, text

MAX_SEARCH = 200
SENDER_HASH = re.compile(r"[0-9A-Za-z_-]{1,64}")


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


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@dataclass(frozen=True)
class Selection:
    """The comments an action applies to: chosen ids, or every comment
    matching a filter (all of the given criteria)."""

    ids: tuple[int, ...] | None = None
    status: Status | None = None
    article_id: str | None = None
    search: str | None = None
    sender: str | None = None
    # Only comments the learning filter scored as likely spam when posted.
    likely_spam: bool = False
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
        likely_spam: bool = False,
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
            likely_spam=bool(likely_spam),
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
            "likely_spam": "1" if self.likely_spam else None,
        }
        return {name: str(value) for name, value in found.items() if value}

    def conditions(self, *, search: bool = True) -> list[ColumnElement[bool]]:
        """The filter as WHERE conditions; ``search=False`` leaves the text
        search out, for ``newest``/``count_upto`` that add it their way."""
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
        if self.likely_spam:
            where.append(Comment.spam_score >= learning.LIKELY_RANK)
        if self.search and search:
            where.append(fulltext.matches(self.search, _dialect()))
        return where

    def describe(self) -> str:
        if self.ids is not None:
            shown = ", ".join(map(str, self.ids[:20])) + (" …" if len(self.ids) > 20 else "")
            return f"{len(self.ids)} chosen ({shown})"
        criteria = [f"{k}={v}" for k, v in self.filters().items() if k != "likely_spam"]
        if self.likely_spam:
            criteria.append("likely spam")
        described = ("matching " + ", ".join(criteria)) if criteria else "every comment"
        if self.up_to_id is not None:
            described += f" up to #{self.up_to_id}"
        return described


def count(selection: Selection) -> int:
    return db.session.scalar(select(func.count(Comment.id)).where(*selection.conditions())) or 0


def count_upto(selection: Selection, cap: int) -> int:
    """How many comments are selected, counting no further than ``cap + 1``:
    a count over a million rows is the slow part of a list, and "more than
    ``cap``" is all an admin needs to read there."""
    found = fulltext.narrowed(
        select(Comment.id).where(*selection.conditions(search=False)), selection.search, _dialect()
    )
    return db.session.scalar(select(func.count()).select_from(found.limit(cap + 1).subquery())) or 0


def newest(selection: Selection, *columns: Any) -> Select[Any]:
    """The selected comments (or ``columns`` of them), newest first."""
    query = select(*(columns or (Comment,))).where(*selection.conditions(search=False))
    return fulltext.newest_first(query, selection.search, _dialect())


def latest_id(selection: Selection) -> int:
    """The newest selected comment's id (0 when nothing is selected)."""
    return db.session.scalar(newest(selection, Comment.id).limit(1)) or 0
