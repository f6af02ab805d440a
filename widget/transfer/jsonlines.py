"""Reads this service's own export (``export``) back: JSON lines, plain or gzip.

Our own format, so strict: every line must be an object with exactly the
export's keys, each of the right type and range. A bad line makes a bad
file (ImportFailure naming the line), never a half import of a file that
someone edited by hand. Lines are read with a size cap, so a file of one
endless line is refused without being read into memory.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from ..articles import is_valid_id
from ..models import MAX_ID, Comment, Status
from .export import FIELDS, OWN_SOURCE
from .records import ImportFailure, Post, Record

# The longest line read: a comment's text is at most a few thousand
# characters, so a megabyte is far more than any real line.
MAX_LINE = 1024 * 1024

GZIP_MAGIC = b"\x1f\x8b"

# The export's time format; the fraction is optional for hand-made files.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")

_STATUSES = frozenset(status.value for status in Status)
_MAX_EDITS = 2**15 - 1  # edit_count is a SMALLINT

# Text columns only this format fills, checked against the column's length
# (PostgreSQL refuses a longer value; the importer does not know these).
_LENGTHS = {
    name: Comment.__table__.c[name].type.length for name in ("reason", "decision", "sender_hash")
}


class _BadLine(Exception):
    """What is wrong with one line; the reader adds the file and line number."""


class JsonLinesReader:
    """One export file (``.jsonl`` or ``.jsonl.gz``, told apart by content)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._size = 0
        self._read = 0  # bytes of the file read so far (compressed, when gzip)

    def progress(self) -> float | None:
        return min(self._read / self._size, 1.0) if self._size else None

    def records(self) -> Iterator[Record]:
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 (closed below, after the last record)
        except OSError as error:
            raise ImportFailure(f"cannot read {self.path}: {error.strerror}") from None
        try:
            self._size = os.fstat(raw.fileno()).st_size
            stream: IO[bytes] = raw
            if raw.read(2) == GZIP_MAGIC:
                stream = gzip.GzipFile(fileobj=raw, mode="rb")
            raw.seek(0)
            for number, line in self._lines(stream):
                self._read = raw.tell()
                if not line.strip():
                    continue
                try:
                    yield parse_line(line)
                except _BadLine as problem:
                    raise ImportFailure(f"{self.path} line {number}: {problem}") from None
        finally:
            raw.close()

    def _lines(self, stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
        """Numbered lines, each at most MAX_LINE bytes; a broken or cut
        gzip stream, or a disk error, is the file's failure."""
        number = 0
        while True:
            number += 1
            try:
                line = stream.readline(MAX_LINE + 1)
            except (OSError, EOFError, zlib.error) as error:
                raise ImportFailure(
                    f"{self.path} line {number}: cannot be read ({_why(error)})"
                ) from None
            if not line:
                return
            if len(line) > MAX_LINE:
                raise ImportFailure(
                    f"{self.path} line {number}: longer than {MAX_LINE // 1024} KB"
                    " (not a line of an export)"
                )
            yield number, line


def _why(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "the compressed file is cut short"
    if isinstance(error, gzip.BadGzipFile | zlib.error):
        return "the compressed data is damaged"
    return getattr(error, "strerror", None) or str(error)


def parse_line(line: bytes) -> Post:
    """One export line as a Post; _BadLine says what is wrong with it."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _BadLine(f"is not UTF-8 (byte {error.start + 1})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _BadLine:
        raise
    except json.JSONDecodeError as error:
        raise _BadLine(f"is not JSON ({error.msg} at column {error.colno})") from None
    except (ValueError, RecursionError):  # an integer of thousands of digits, deep nesting
        raise _BadLine("is not JSON this service wrote") from None
    if not isinstance(data, dict):
        raise _BadLine("is not a JSON object")
    missing = [name for name in FIELDS if name not in data]
    if missing:
        raise _BadLine(f"has no {missing[0]}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise _BadLine(f"has an unknown field {unknown[0][:40]!r}")

    comment_id = _id(data, "id")
    parent_id = _id(data, "parent_id", optional=True)
    if parent_id == comment_id:
        raise _BadLine("parent_id is the comment's own id")
    article_id = _string(data, "article_id")
    if not is_valid_id(article_id):
        raise _BadLine("article_id is not a valid article ID")
    status = _string(data, "status")
    if status not in _STATUSES:
        raise _BadLine(f"status is not one of {', '.join(sorted(_STATUSES))}")
    source = _string(data, "source", optional=True)
    source_id = _string(data, "source_id", optional=True)
    if (source is None) != (source_id is None):
        raise _BadLine("source and source_id go together: both set or both null")
    if source == OWN_SOURCE:
        raise _BadLine(f"source is {OWN_SOURCE!r}, which names this export itself")
    extra: dict[str, object] = {
        "edited_at": _time(data, "edited_at", optional=True),
        "edit_count": _count(data, "edit_count", _MAX_EDITS),
        "reason": _string(data, "reason", optional=True),
        "decision": _string(data, "decision", optional=True),
        "spam_score": _score(data, "spam_score"),
        "sender_hash": _string(data, "sender_hash"),
    }
    if source is not None:
        extra["origin"] = (source, source_id)
    return Post(
        source=OWN_SOURCE,
        key=str(comment_id),
        thread=None,
        parent=None if parent_id is None else str(parent_id),
        author=_string(data, "author"),
        email=_string(data, "email", optional=True),
        body=_string(data, "body"),
        status=Status(status),
        created_at=_time(data, "created_at"),
        likes=_count(data, "likes", MAX_ID),
        article_id=article_id,
        id=comment_id,
        extra=extra,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadLine(f"has {key[:40]!r} twice")
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise _BadLine(f"holds {name}, which is not a number")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id(data: dict[str, Any], name: str, *, optional: bool = False) -> int | None:
    value = data[name]
    if value is None and optional:
        return None
    if not _is_int(value) or not 1 <= value <= MAX_ID:
        raise _BadLine(f"{name} is not a comment id (a whole number from 1 to {MAX_ID})")
    return value


def _count(data: dict[str, Any], name: str, largest: int) -> int:
    value = data[name]
    if not _is_int(value) or not 0 <= value <= largest:
        raise _BadLine(f"{name} is not a whole number from 0 to {largest}")
    return value


def _string(data: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data[name]
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _BadLine(f"{name} is not a string" + (" or null" if optional else ""))
    limit = _LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise _BadLine(f"{name} is longer than {limit} characters")
    return value


def _time(data: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data[name]
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _BadLine(f"{name} is not a time (YYYY-MM-DDTHH:MM:SS.ffffffZ)")
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:  # the 31st of February, hour 25
        raise _BadLine(f"{name} is not a time ({value} is no such moment)") from None


def _score(data: dict[str, Any], name: str) -> float | None:
    value = data[name]
    if value is None:
        return None
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise _BadLine(f"{name} is not a number from 0 to 1 or null")
    return float(value)
