"""Reads Isso: its SQLite database, or its generic JSON import file.

``IssoReader`` tells the two apart by content: an SQLite file starts with
its magic string, a JSON file with ``[`` (or ``{``, to say it is the wrong JSON).

The database is opened read-only and read with a cursor in id order, so a
large one streams. Isso keeps what the reader typed (Markdown), but a
database Isso filled from Disqus or WordPress holds HTML: a text with HTML
tags is turned into plain text, any other is kept as typed. Isso's replies
are one level deep; each keeps its parent.

The JSON format (``isso import --type generic``) is one array, which cannot
be read in parts, so files over ``MAX_JSON_BYTES`` are refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..models import MAX_ID, Status
from .html_text import to_text
from .records import ImportFailure, Post, Record, Skip, Thread

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_JSON_BYTES = 100 * 1000 * 1000
# Isso refuses texts over 65,535 characters and names over 254; anything far
# beyond is not a database Isso wrote, and is refused before it fills memory.
MAX_TEXT = 1_000_000
MAX_FIELD = 10_000
# ImportedComment.key's length.
MAX_KEY = 200

# Isso's comment modes: 1 accepted, 2 waiting for moderation, 4 deleted (kept
# as a placeholder because it has replies). Anything else waits, to be safe.
MODES = {1: Status.PUBLISHED, 2: Status.PENDING, 4: Status.DELETED}

REQUIRED = {
    "threads": ("id", "uri", "title"),
    "comments": (
        "tid",
        "id",
        "parent",
        "created",
        "mode",
        "remote_addr",
        "text",
        "author",
        "email",
        "likes",
    ),
}

# Tags that mark a text as HTML (what Isso's Disqus and WordPress imports
# stored). Known names only: "<stdio.h>" in a Markdown text is not a tag.
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|center|cite|code|dd|del|div|dl|dt|em|font|h[1-6]|hr"
    r"|i|img|ins|kbd|li|ol|p|pre|q|s|small|span|strike|strong|sub|sup|table|tbody|td|th"
    r"|thead|tr|tt|u|ul)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
# A session key as Isso makes them (hex); anything else is not used as a name.
# Markup that lays the text out itself: its newlines are only whitespace.
_LAYOUT_TAG = re.compile(r"<(?:p|br|div)[\s/>]", re.IGNORECASE)
_SESSION_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_JSON_TIME = "%Y-%m-%d %H:%M:%S"


def plain_text(text: str) -> str:
    """A stored Isso text as plain text: HTML converted, Markdown kept.

    HTML with paragraphs or breaks (Disqus's) lays itself out; HTML without
    them (WordPress's, a Markdown text with a link) was shown with its
    newlines as line breaks.
    """
    if _HTML_TAG.search(text):
        return to_text(text, newlines_are_breaks=_LAYOUT_TAG.search(text) is None)
    return text


class IssoReader:
    """One Isso file: an SQLite database, or a generic JSON import file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._done = 0
        self._total = 0

    def progress(self) -> float | None:
        return min(self._done / self._total, 1.0) if self._total else None

    def records(self) -> Iterator[Record]:
        if self._is_json():
            yield from self._json_records()
        else:
            yield from self._database_records()

    # --- which format ------------------------------------------------------------

    def _is_json(self) -> bool:
        try:
            with open(self.path, "rb") as file:
                start = file.read(64 * 1024)
        except OSError as error:
            raise ImportFailure(f"cannot read {self.path}: {error.strerror}") from None
        if not start:
            raise ImportFailure(f"{self.path} is empty")
        if start.startswith(SQLITE_MAGIC):
            return False
        if start.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"[", b"{"):
            return True
        raise ImportFailure(f"{self.path} is not an SQLite database (nor an Isso JSON file)")

    # --- the SQLite database -------------------------------------------------------

    def _database_records(self) -> Iterator[Record]:
        try:
            connection = sqlite3.connect(f"file:{quote(self.path)}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise ImportFailure(f"cannot open {self.path}: {error}") from None
        # Text that is not UTF-8 is read with replacement characters, not refused.
        connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
        position = "while checking its tables"
        try:
            # A hostile file's schema may not call functions with side effects.
            connection.execute("PRAGMA trusted_schema = OFF")
            self._check_schema(connection)
            source = self._source(connection)
            self._total = connection.execute("SELECT count(*) FROM comments").fetchone()[0]
            position = "while reading its threads"
            yield from self._threads(connection)
            position = "before its first comment"
            for comment_id, record in self._comments(connection, source):
                position = f"after comment {comment_id}"
                self._done += 1
                yield record
        except sqlite3.Error as error:
            raise ImportFailure(self._damage(error, position)) from None
        finally:
            connection.close()

    def _damage(self, error: sqlite3.Error, position: str) -> str:
        message = str(error)
        if "not a database" in message:
            return f"{self.path} is not an SQLite database"
        if "unable to open" in message:  # e.g. a WAL database in a read-only folder
            return f"cannot open {self.path} ({message})"
        return f"{self.path} is damaged or cut short ({message}) {position}"

    def _check_schema(self, connection: sqlite3.Connection) -> None:
        tables = dict(
            connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        )
        for table, columns in REQUIRED.items():
            sql = tables.get(table)
            if sql is None or sql.upper().startswith("CREATE VIRTUAL"):
                raise ImportFailure(f"{self.path} is not an Isso database (no {table} table)")
            present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            missing = [name for name in columns if name not in present]
            if missing:
                raise ImportFailure(
                    f"{self.path} is not an Isso database ({table} has no {missing[0]} column)"
                )

    def _source(self, connection: sqlite3.Connection) -> str:
        """``isso:<session key>``: each Isso install makes its own key, so two
        sites' comment ids never meet. ``isso`` when the key is missing."""
        try:
            row = connection.execute(
                "SELECT value FROM preferences WHERE key = 'session-key'"
            ).fetchone()
        except sqlite3.OperationalError:  # no preferences table: an older Isso
            return "isso"
        key = row[0] if row else None
        if isinstance(key, str) and _SESSION_KEY.fullmatch(key):
            return f"isso:{key}"
        return "isso"

    def _threads(self, connection: sqlite3.Connection) -> Iterator[Thread]:
        rows = connection.execute(
            "SELECT id, substr(uri, 1, :field), substr(title, 1, :field) FROM threads ORDER BY id",
            {"field": MAX_FIELD + 1},
        )
        for thread_id, uri, title in rows:
            where = f"thread {thread_id}"
            uri = self._field(uri, where, "uri", MAX_FIELD)
            yield Thread(
                key=str(thread_id),
                identifier=uri,
                url=uri,
                title=self._field(title, where, "title", MAX_FIELD),
            )

    def _comments(
        self, connection: sqlite3.Connection, source: str
    ) -> Iterator[tuple[object, Record]]:
        rows = connection.execute(
            "SELECT id, tid, parent, created, mode, substr(remote_addr, 1, :field),"
            " substr(text, 1, :text), substr(author, 1, :field), substr(email, 1, :field),"
            " likes FROM comments ORDER BY id",
            {"field": MAX_FIELD + 1, "text": MAX_TEXT + 1},
        )
        for comment_id, tid, parent, created, mode, address, text, author, email, likes in rows:
            where = f"comment {comment_id}"
            status = MODES.get(mode, Status.PENDING) if _is_int(mode) else Status.PENDING
            if text is None and status != Status.DELETED:
                raise ImportFailure(f"{self.path} {where}: text is missing (NULL)")
            thread = str(tid) if _is_int(tid) or isinstance(tid, str) else None
            if thread is None:
                yield comment_id, Skip(reason="in no thread")
                continue
            if parent is not None and not _is_int(parent):
                raise ImportFailure(f"{self.path} {where}: parent is not a comment id")
            yield (
                comment_id,
                Post(
                    source=source,
                    key=str(comment_id),
                    thread=thread,
                    parent=None if parent is None else str(parent),
                    author=self._field(author, where, "author", MAX_FIELD) or "",
                    email=self._field(email, where, "email", MAX_FIELD) or None,
                    body=plain_text(self._field(text, where, "text", MAX_TEXT) or ""),
                    status=status,
                    created_at=self._unix_time(created, where),
                    address=self._field(address, where, "remote_addr", MAX_FIELD) or None,
                    likes=min(likes, MAX_ID) if _is_int(likes) and likes > 0 else 0,
                ),
            )

    def _field(self, value: object, where: str, name: str, limit: int) -> str | None:
        """A text column as a string (SQLite lets any column hold any type)."""
        if value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        text = str(value)
        if len(text) > limit:
            raise ImportFailure(f"{self.path} {where}: {name} is over {limit:,} characters")
        return text

    def _unix_time(self, value: object, where: str) -> datetime:
        """Isso's ``created``: float Unix seconds, to the microsecond."""
        if isinstance(value, int | float) and math.isfinite(value):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                pass
        raise ImportFailure(f"{self.path} {where}: created is not a time ({str(value)[:40]!r})")

    # --- the generic JSON file -------------------------------------------------------

    def _json_records(self) -> Iterator[Record]:
        threads = self._load_json()
        self._total = sum(len(thread["comments"]) for thread in threads)
        seen_threads: set[str] = set()
        seen_posts: set[str] = set()
        for uri, title, comments in ((t["id"], t["title"], t["comments"]) for t in threads):
            if uri not in seen_threads:  # a repeated thread adds its comments to the first
                seen_threads.add(uri)
                yield Thread(key=uri, identifier=uri, url=uri, title=title)
            for comment in comments:
                self._done += 1
                key = _json_key(uri, comment["id"])
                if key in seen_posts:
                    yield Skip(reason="repeated comment id", thread=uri)
                    continue
                seen_posts.add(key)
                yield Post(
                    source="isso-json",
                    key=key,
                    thread=uri,
                    parent=None,
                    author=comment["author"] or "",
                    email=comment["email"] or None,
                    body=plain_text(comment["text"]),
                    status=Status.PUBLISHED,
                    created_at=comment["created"],
                    address=_address(comment["remote_addr"]),
                )

    def _load_json(self) -> list[dict[str, Any]]:
        """The whole file, parsed and checked; every fault names its place."""
        try:
            size = os.path.getsize(self.path)
            if size > MAX_JSON_BYTES:
                raise ImportFailure(
                    f"{self.path} is {size / 1e6:,.0f} MB: an Isso JSON file over "
                    f"{MAX_JSON_BYTES // 1_000_000} MB cannot be imported, as the format "
                    "cannot be read in parts (import Isso's database file instead)"
                )
            with open(self.path, "rb") as file:
                raw = file.read(MAX_JSON_BYTES + 1)
        except OSError as error:
            raise ImportFailure(f"cannot read {self.path}: {error.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
        except UnicodeDecodeError as error:
            raise ImportFailure(f"{self.path} is not UTF-8 (byte {error.start + 1})") from None
        except json.JSONDecodeError as error:
            raise ImportFailure(
                f"{self.path} line {error.lineno} column {error.colno}: "
                f"not valid JSON ({error.msg})"
            ) from None
        except (ValueError, RecursionError):
            raise ImportFailure(f"{self.path} is not an Isso JSON file") from None
        if not isinstance(data, list):
            raise ImportFailure(f"{self.path} is not an Isso JSON file (not a list of threads)")
        for number, thread in enumerate(data, 1):
            self._check_thread(thread, f"{self.path} thread {number}")
        return data

    def _check_thread(self, thread: object, where: str) -> None:
        """Checks one thread and its comments, turning times into datetimes."""
        if not isinstance(thread, dict):
            raise ImportFailure(f"{where}: is not an object")
        if not isinstance(thread.get("id"), str) or not thread["id"].strip():
            raise ImportFailure(f"{where}: id is not a page address")
        if not isinstance(thread.setdefault("title", None), str | None):
            raise ImportFailure(f"{where}: title is not a string")
        comments = thread.get("comments")
        if not isinstance(comments, list):
            raise ImportFailure(f"{where}: comments is not a list")
        for number, comment in enumerate(comments, 1):
            place = f"{where} comment {number}"
            if not isinstance(comment, dict):
                raise ImportFailure(f"{place}: is not an object")
            if not (_is_int(comment.get("id")) or isinstance(comment.get("id"), str)):
                raise ImportFailure(f"{place}: id is not a number or a string")
            if not isinstance(comment.get("text"), str):
                raise ImportFailure(f"{place}: text is not a string")
            for name in ("author", "email", "remote_addr"):
                if not isinstance(comment.setdefault(name, None), str | None):
                    raise ImportFailure(f"{place}: {name} is not a string")
            comment["created"] = _json_time(comment.get("created"), place)


def _json_time(value: object, where: str) -> datetime:
    """``YYYY-MM-DD HH:MM:SS``, read as UTC (the format names no zone)."""
    if isinstance(value, str) and len(value) < 40:
        try:
            return datetime.strptime(value, _JSON_TIME).replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ImportFailure(f"{where}: created is not a time (YYYY-MM-DD HH:MM:SS)")


def _json_key(uri: str, comment_id: int | str) -> str:
    """The page's address and the comment's id (ids repeat across pages);
    hashed when longer than an import key may be, so it still fits."""
    key = f"{uri}#{comment_id}"
    if len(key) <= MAX_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _address(value: str | None) -> str | None:
    """Isso writes 0.0.0.0 for an address it does not know."""
    return None if not value or value.strip() in {"0.0.0.0", "::"} else value.strip()  # noqa: S104


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
