"""Emptying comments: what a reader's erase (``transfer/readers.py``) and the
retention purge of deleted comments (``retention.py``) share, written once.

An emptied comment stays as a placeholder (status deleted) so the replies
below it keep their place in the thread; nothing of its author is left: no
name, text, address, sender hash, browser or edit token, and the spam
filter forgets its copy of the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, delete, func, literal, update

from ..columns import UTCDateTime, utcnow
from ..extensions import db
from ..models import Comment, SpamExample, Status
from . import actions

# The sender hash of an erased comment kept as a placeholder: it groups
# nothing, so the placeholder joins no sender's page and no ban.
ERASED_SENDER = "erased"
CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
_QUIET = {"synchronize_session": False}


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def empty(ids: Sequence[int], *still: ColumnElement[bool]) -> int:
    """Turn comments into placeholders in the current transaction; how many.
    ``still``: conditions each must still meet when emptied (one changed
    since it was chosen is left alone). One deleted only now counts as
    deleted from now (``deleted_at``)."""
    now = literal(utcnow(), UTCDateTime())
    emptied = 0
    for chunk in chunks(ids):
        done = db.session.scalars(
            update(Comment)
            .where(Comment.id.in_(chunk), *still)
            .values(
                status=Status.DELETED,
                deleted_at=func.coalesce(Comment.deleted_at, now),
                author="",
                body="",
                body_hash=None,
                email=None,
                sender_hash=ERASED_SENDER,
                user_agent="",
                edit_token_hash=None,
                edited_at=None,
                edit_count=0,
            )
            .returning(Comment.id),
            execution_options=_QUIET,
        ).all()
        # Reports on an emptied comment have nothing left to judge.
        actions.resolve_reports(list(done), reviewed=False)
        emptied += len(done)
    return emptied


def forget_examples(ids: Sequence[int]) -> int:
    """The filter's copies of the texts go; what it counted stays (hashed
    features, no text: they cannot be read back)."""
    removed = 0
    for chunk in chunks(ids):
        removed += (
            db.session.execute(
                delete(SpamExample).where(SpamExample.comment_id.in_(chunk)),
                execution_options=_QUIET,
            ).rowcount
            or 0
        )
    return removed
