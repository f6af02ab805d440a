"""The export: every comment as one JSON object per line.

The format is this service's own, read back by ``jsonlines``: a fixed key
order and times to the microsecond, so exporting, importing into an empty
database and exporting again gives the same bytes. Comments are read in
keyset pages of ``PAGE`` rows, so a million comments need little memory.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import ColumnElement, select

from ..extensions import db
from ..models import Comment
from .models import ImportedComment

# Rows per query: large enough that the round trips do not dominate, small
# enough that a page of long bodies stays a few megabytes.
PAGE = 1000

# The keys of a line, in the order they are written.
FIELDS = (
    "id",
    "article_id",
    "parent_id",
    "author",
    "email",
    "body",
    "status",
    "created_at",
    "edited_at",
    "edit_count",
    "likes",
    "reason",
    "decision",
    "spam_score",
    "sender_hash",
    "source",
    "source_id",
)

# Our own export's ids are kept in ImportedComment under this source; a line's
# ``source`` names where a comment came from before that, if anywhere.
OWN_SOURCE = "json"

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_COLUMNS = (
    Comment.id,
    Comment.article_id,
    Comment.parent_id,
    Comment.author,
    Comment.email,
    Comment.body,
    Comment.status,
    Comment.created_at,
    Comment.edited_at,
    Comment.edit_count,
    Comment.likes,
    Comment.reason,
    Comment.decision,
    Comment.spam_score,
    Comment.sender_hash,
)


class ExportFailure(Exception):
    """An export that could not be written: one line for a person."""


def format_time(moment: datetime | None) -> str | None:
    """UTC with always six digits of microseconds: exact and deterministic."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def comment_lines(*conditions: ColumnElement[bool]) -> Iterator[dict[str, Any]]:
    """The comments matching ``conditions`` (all of them when none), in id
    order, each as an export line (a dict in ``FIELDS`` order).

    Plain rows, not ORM objects: nothing piles up in the session's identity
    map however many comments there are.
    """
    after = 0
    while True:
        rows = db.session.execute(
            select(*_COLUMNS)
            .where(Comment.id > after, *conditions)
            .order_by(Comment.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        origins = _origins([row.id for row in rows])
        for row in rows:
            source, source_id = origins.get(row.id, (None, None))
            yield {
                "id": row.id,
                "article_id": row.article_id,
                "parent_id": row.parent_id,
                "author": row.author,
                "email": row.email,
                "body": row.body,
                "status": str(row.status),
                "created_at": format_time(row.created_at),
                "edited_at": format_time(row.edited_at),
                "edit_count": row.edit_count or 0,
                "likes": row.likes or 0,
                "reason": row.reason,
                "decision": row.decision,
                "spam_score": row.spam_score,
                "sender_hash": row.sender_hash,
                "source": source,
                "source_id": source_id,
            }
        after = rows[-1].id


def _origins(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Where each of these comments first came from (a source other than our
    own export), for the ones that were imported. Should a comment be known
    to several sources, the first row written wins, so the line is stable."""
    rows = db.session.execute(
        select(ImportedComment.comment_id, ImportedComment.source, ImportedComment.key)
        .where(ImportedComment.comment_id.in_(ids), ImportedComment.source != OWN_SOURCE)
        .order_by(ImportedComment.id.desc())
    )
    return {comment_id: (source, key) for comment_id, source, key in rows}


def encode_line(line: dict[str, Any]) -> bytes:
    """One line as UTF-8 JSON with its newline.

    A text holding a lone surrogate (which UTF-8 cannot carry) is written
    with ASCII escapes instead, which JSON readers turn back into the same
    string.
    """
    try:
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(line, separators=(",", ":")).encode("ascii") + b"\n"


def write(target: str) -> int:
    """Export every comment to ``target`` and return how many.

    ``-`` writes to standard output; a name ending in ``.gz`` is gzipped
    (with no name or time in the header, so the bytes depend only on the
    comments). A file is written beside the target and renamed into place
    at the end: a failed export leaves no half file, and an earlier export
    of the same name stays as it was.
    """
    if target == "-":
        stream = getattr(sys.stdout, "buffer", sys.stdout)
        try:
            sys.stdout.flush()  # anything printed before comes first
            count = _write_lines(stream)
            stream.flush()
        except OSError as error:
            raise ExportFailure(f"cannot write to standard output: {_why(error)}") from None
        return count
    folder = os.path.dirname(os.path.abspath(target))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".partial", dir=folder)
    except OSError as error:
        raise ExportFailure(f"cannot write {target}: {_why(error)}") from None
    try:
        with os.fdopen(handle, "wb") as raw:
            if target.endswith(".gz"):
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                    count = _write_lines(packed)
            else:
                count = _write_lines(raw)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ExportFailure(f"cannot write {target}: {_why(error)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return count


def _write_lines(stream: IO[bytes]) -> int:
    count = 0
    for line in comment_lines():
        stream.write(encode_line(line))
        count += 1
    return count


def _why(error: OSError) -> str:
    return error.strerror or str(error)
