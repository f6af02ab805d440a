"""What every reader of another system's file hands the importer.

A reader yields ``Thread`` records (the pages comments hang on), ``Post``
records (one comment each) and ``Skip`` records (what it left out, and why),
in file order. A post may name a thread that comes later in the file; the
importer waits for it. Readers do the format's own conversions (HTML to
text, the source's time to UTC, its statuses to ours); the importer does
what every format shares (control characters, names, addresses, article
IDs, threads, idempotence).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..models import Status


class ImportFailure(Exception):
    """A file that cannot be imported: one line for a person, naming the file
    and, where it makes sense, the position (line and column, or row)."""


@dataclass(frozen=True, slots=True)
class Thread:
    key: str  # the source's id of the thread, unique within the file
    # The source's own name for the page: Disqus <id>, WordPress post id, Isso uri.
    identifier: str | None = None
    url: str | None = None  # the page's address
    title: str | None = None


@dataclass(slots=True)
class Post:
    # Where the comment comes from: ``source`` names the system and site
    # ("disqus", "wordpress:https://example.org", "isso:<its session key>"),
    # ``key`` the comment's id there. Together they make a re-run add nothing.
    source: str
    key: str
    thread: str | None  # Thread.key; None when article_id is given
    parent: str | None  # the parent comment's key (same source), if a reply
    author: str
    email: str | None
    body: str  # plain text, as the reader converted it
    status: Status
    created_at: datetime  # aware, UTC
    address: str | None = None  # the poster's IP address, if the source kept one
    likes: int = 0
    # Set by readers that know the article directly (our own JSON export).
    article_id: str | None = None
    # Our own export only: the comment's id there (kept when importing into
    # an empty database) and the columns only this service has.
    id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skip:
    reason: str  # short and plain: "pingback", "trackback", "in the trash"
    thread: str | None = None  # Thread.key, when known


Record = Thread | Post | Skip


class Reader(Protocol):
    """One file of one format, read once, in order."""

    def records(self) -> Iterator[Record]:
        """Every record in file order; raises ImportFailure on a bad file."""
        ...

    def progress(self) -> float | None:
        """How much of the file is read (0..1), None when not known."""
        ...
