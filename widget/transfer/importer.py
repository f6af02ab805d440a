"""Writing what a reader read, in one transaction.

Comments are written in batches as the file streams past (little memory
however large the file); parents, threads, article counts and versions are
settled at the end in a few set-based statements, then everything commits
at once. A failure anywhere (a truncated file at the last byte, a full
disk) rolls all of it back: nothing is half-written, and running the same
command again starts clean. ``--dry-run`` does all of it and rolls back.

Every comment's (source, key) is stored (``ImportedComment``), so a second
run of the same file, or a newer export of the same site, adds only what is
new, and a reply finds its parent even when the parent came earlier.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from .. import articles, privacy
from ..extensions import db
from ..models import MAX_ID, Comment, Status, body_hash
from ..moderation import actions
from . import article_ids, bulk, settle
from .models import ImportedComment, ImportRun
from .records import Post, Reader, Skip, Thread

SQLITE_CACHE_KB = 24 * 1024
# SQLite: once an import has written this many comments, and more than the
# table held before, its indexes are dropped and built again at the end.
REBUILD_INDEXES_AFTER = 50_000
BATCH = 1000  # comments per INSERT batch: memory stays flat, round trips few
_QUIET = {"synchronize_session": False}
# C0 and C1 controls but tab and newline, lone surrogates, and the invisible
# direction overrides and isolates that can make text read backwards.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n?")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
ANONYMOUS = "Anonymous"
AUTHOR_LENGTH = Comment.author.type.length or 80  # type: ignore[attr-defined]
EMAIL_LENGTH = Comment.email.type.length or 254  # type: ignore[attr-defined]
KEY_LENGTH = ImportedComment.key.type.length or 200  # type: ignore[attr-defined]
KEY_COLUMNS = ("comment_id", "source", "key", "parent_key", "run_id")
_comments = Comment.__table__
_keys = ImportedComment.__table__


@dataclass
class Summary:
    """What an import did, for the person who ran it."""

    format: str
    file: str
    dry_run: bool
    imported: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    per_article: Counter[str] = field(default_factory=Counter)
    # Source thread (its identifier or address) -> the article ID chosen.
    threads: dict[str, str] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    orphans: int = 0  # replies whose parent was missing: now top-level
    cleaned: int = 0  # comments whose control characters were removed

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


class Import:
    """One run: feed it records, then ``finish``."""

    def __init__(
        self, form: str, file: str, mapping: dict[str, str], dry_run: bool = False
    ) -> None:
        self.summary = Summary(form, file, dry_run)
        self.mapping = mapping
        if db.engine.dialect.name == "sqlite":
            # Index pages for a million rows stay in memory instead of being
            # read back and forth (the default cache is 2 MB); this
            # connection only (a CLI process).
            db.session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}"))
        self.run = ImportRun(format=form, file=file[-500:])
        db.session.add(self.run)
        db.session.flush()
        # Thread key -> article ID (None: nothing names its page), and its label.
        self.articles: dict[str, str | None] = {}
        self.labels: dict[str, str] = {}
        self.waiting: list[Post] = []  # posts whose thread comes later in the file
        self.batch: list[tuple[Post, dict[str, Any]]] = []
        self.published: Counter[str] = Counter()
        self.touched: set[str] = set()
        # Our own export into an empty database keeps its ids.
        self.existing = db.session.scalar(select(func.count()).select_from(_comments)) or 0
        self.keep_ids = self.existing == 0
        # SQLite: the comments' indexes, dropped while a large import writes.
        self.dropped_indexes: list[str] | None = None
        self.kept_ids = False
        self.next_id: int | None = None
        self.stamp = bulk.time_converter()
        # A few readers write most comments: hash each address once.
        self.sender_hash = functools.lru_cache(maxsize=65536)(_sender_hash)

    # --- reading ---------------------------------------------------------------

    def add(self, record: Thread | Post | Skip) -> None:
        if isinstance(record, Post):
            self._post(record)
        elif isinstance(record, Thread):
            self.articles[record.key] = article_ids.choose(record, self.mapping)
            self.labels[record.key] = (record.identifier or record.url or record.key).strip()
        else:
            self.summary.skipped[record.reason] += 1

    def _post(self, post: Post) -> None:
        article_id = post.article_id
        if article_id is None:
            if post.thread is None:
                self.summary.skipped["no thread"] += 1
                return
            if post.thread not in self.articles:
                self.waiting.append(post)
                return
            article_id = self.articles[post.thread]
            if article_id is None:
                self.summary.skipped["its page has no identifier or address"] += 1
                return
            self.summary.threads.setdefault(self.labels[post.thread], article_id)
        if not articles.is_valid_id(article_id):
            self.summary.skipped["not a valid article ID"] += 1
            return
        if len(post.key) > KEY_LENGTH or len(post.source) > KEY_LENGTH:
            self.summary.skipped["an id too long to keep"] += 1
            return
        if _CONTROLS.search(post.source + post.key):
            self.summary.skipped["an unreadable id"] += 1
            return
        row = self._row(post, article_id)
        if row is not None:
            self.batch.append((post, row))
            if len(self.batch) >= BATCH:
                self._write()

    def _row(self, post: Post, article_id: str) -> dict[str, Any] | None:
        body = post.body if "\r" not in post.body else _NEWLINES.sub("\n", post.body)
        author = post.author
        if _CONTROLS.search(body) or _CONTROLS.search(author):
            self.summary.cleaned += 1
            body, author = _CONTROLS.sub("", body), _CONTROLS.sub("", author)
        body = body.strip()
        author = _SPACES.sub(" ", author).strip()[:AUTHOR_LENGTH].strip() or ANONYMOUS
        if not body and post.status != Status.DELETED:
            self.summary.skipped["empty"] += 1
            return None
        extra = post.extra
        return {
            "id": post.id if self.keep_ids and post.id and 0 < post.id <= MAX_ID else None,
            "article_id": article_id,
            "parent_id": None,
            "author": author,
            "email": _email(post.email),
            "body": body,
            "body_hash": body_hash(body),
            "status": post.status.value,
            "reason": extra.get("reason"),
            "created_at": self.stamp(post.created_at),
            "sender_hash": extra.get("sender_hash") or self.sender_hash(post.address),
            "user_agent": "",
            "token_digest": None,
            "token_use": None,
            "root_id": None,
            "reply_count": 0,
            # Settled at the end for replies whose parent never came.
            "listed": post.parent is None and post.status == Status.PUBLISHED,
            "likes": max(0, post.likes),
            "edit_token_hash": None,
            "edited_at": self.stamp(extra.get("edited_at")),
            "edit_count": extra.get("edit_count", 0),
            "reviewed_at": None,
            "decision": extra.get("decision"),
            "spam_score": extra.get("spam_score"),
            # Sources do not say when a comment was deleted: the latest time
            # known of it counts, as for comments deleted before the column.
            "deleted_at": self.stamp(extra.get("edited_at") or post.created_at)
            if post.status == Status.DELETED
            else None,
        }

    # --- writing ---------------------------------------------------------------

    def _write(self) -> None:
        batch, self.batch = self.batch, []
        fresh = self._not_yet_imported(batch)
        if not fresh:
            return
        rows = [row for _, row in fresh]
        if any(row["id"] is None for row in rows):
            for row, new_id in zip(rows, self._new_ids(len(rows)), strict=True):
                row["id"] = new_id
        else:
            self.kept_ids = True
        self._link(fresh)
        bulk.insert(_comments, list(rows[0]), [tuple(row.values()) for row in rows])
        ids = [row["id"] for row in rows]
        keys = []
        for (post, row), comment_id in zip(fresh, ids, strict=True):
            keys.append(self._key(comment_id, post.source, post.key, post.parent))
            origin = post.extra.get("origin")
            if origin:
                keys.append(self._key(comment_id, *origin, None))
            self.summary.statuses[row["status"]] += 1
            self.summary.per_article[row["article_id"]] += 1
            self.touched.add(row["article_id"])
            if row["status"] == Status.PUBLISHED:
                self.published[row["article_id"]] += 1
        bulk.insert(_keys, KEY_COLUMNS, keys)
        before = self.summary.imported
        self.summary.imported += len(fresh)
        bulk.refresh_statistics((_comments, _keys), before, self.summary.imported)
        if (
            self.dropped_indexes is None
            and db.engine.dialect.name == "sqlite"
            and self.summary.imported >= REBUILD_INDEXES_AFTER
            and self.summary.imported > self.existing
        ):
            self.dropped_indexes = bulk.drop_indexes(_comments)

    def _link(self, fresh: list[tuple[Post, dict[str, Any]]]) -> None:
        """Give replies their parent and thread as they are written, when the
        parent came earlier (the usual case): the end then rewrites only the
        few rows whose parent came later (on PostgreSQL every rewritten row
        costs a new version in each index)."""
        # (source, key) -> (id, root_id, article_id) of the parents stored before.
        stored: dict[tuple[str, str], tuple[int, int | None, str]] = {}
        wanted: dict[str, set[str]] = {}
        for post, _ in fresh:
            if post.parent:
                wanted.setdefault(post.source, set()).add(post.parent)
        for source, names in wanted.items():
            rows = db.session.execute(
                select(_keys.c.key, _comments.c.id, _comments.c.root_id, _comments.c.article_id)
                .join(_comments, _comments.c.id == _keys.c.comment_id)
                .where(_keys.c.source == source, _keys.c.key.in_(sorted(names)))
            )
            stored.update(((source, key), (i, root, a)) for key, i, root, a in rows)
        for post, row in fresh:
            found = stored.get((post.source, post.parent)) if post.parent else None
            if found is not None and found[2] == row["article_id"]:
                row["parent_id"], row["root_id"] = found[0], found[1] or found[0]
            stored[(post.source, post.key)] = (row["id"], row["root_id"], row["article_id"])

    def _new_ids(self, count: int) -> list[int]:
        """Ids for a batch, taken before it is written."""
        if db.engine.dialect.name == "postgresql":
            return list(
                db.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('comments', 'id'))"
                        " FROM generate_series(1, :count)"
                    ),
                    {"count": count},
                )
            )
        # SQLite: this transaction has held the only write lock since the
        # run's row was written, so nobody else can take these ids meanwhile.
        if self.next_id is None:
            self.next_id = (db.session.scalar(select(func.max(_comments.c.id))) or 0) + 1
        first, self.next_id = self.next_id, self.next_id + count
        return list(range(first, self.next_id))

    def _key(self, comment_id: int, source: str, key: str, parent: str | None) -> tuple[Any, ...]:
        if parent and (len(parent) > KEY_LENGTH or _CONTROLS.search(parent)):
            parent = None  # cannot name a stored comment: the reply becomes an orphan
        return (comment_id, source, key, parent, self.run.id)

    def _not_yet_imported(
        self, batch: list[tuple[Post, dict[str, Any]]]
    ) -> list[tuple[Post, dict[str, Any]]]:
        """The batch without comments imported before (or twice in this file)."""
        wanted = {(post.source, post.key) for post, _ in batch}
        wanted.update(post.extra["origin"] for post, _ in batch if post.extra.get("origin"))
        known: dict[tuple[str, str], int] = {}
        for source in {source for source, _ in wanted}:
            names = [key for src, key in wanted if src == source]
            known.update(
                ((source, key), run_id)
                for key, run_id in db.session.execute(
                    select(_keys.c.key, _keys.c.run_id).where(
                        _keys.c.source == source, _keys.c.key.in_(names)
                    )
                )
            )
        fresh, seen = [], set()
        for post, row in batch:
            names = [(post.source, post.key)]
            if post.extra.get("origin"):
                names.append(post.extra["origin"])
            earlier = [known[name] for name in names if name in known]
            if earlier or any(name in seen for name in names):
                again = any(run == self.run.id for run in earlier) or not earlier
                self.summary.skipped[
                    "the same comment twice in the file" if again else "imported before"
                ] += 1
                continue
            seen.update(names)
            fresh.append((post, row))
        return fresh

    # --- settling --------------------------------------------------------------

    def finish(self) -> Summary:
        """Write what is left, settle threads and counts, and commit (or roll back)."""
        waiting, self.waiting = self.waiting, []
        for post in waiting:
            if post.thread in self.articles:
                self._post(post)
            else:
                self.summary.skipped["its thread is not in the file"] += 1
        self._write()
        if self.dropped_indexes:
            bulk.restore_indexes(self.dropped_indexes)
        self.summary.orphans = settle.link_replies(self.run.id)
        if self.kept_ids:
            settle.advance_id_sequence()
        articles.ensure(*sorted(self.touched))
        articles.adjust({a: self.published.get(a, 0) for a in sorted(self.touched)})
        self.run.imported = self.summary.imported
        self.run.skipped = self.summary.skipped_total
        if self.summary.dry_run:
            db.session.rollback()
        else:
            actions.record(
                "cli",
                "import",
                f"{self.summary.format} {self.summary.file}",
                self.summary.imported,
            )
            db.session.commit()
        return self.summary


def _email(value: str | None) -> str | None:
    """A trimmed address that looks like one and fits; anything else is dropped."""
    value = _CONTROLS.sub("", value or "").strip()
    if not value or len(value) > EMAIL_LENGTH or not _EMAIL.fullmatch(value):
        return None
    return value


def _sender_hash(address: str | None) -> str:
    return privacy.sender_hash(privacy.client_key(address))


def run(
    reader: Reader,
    form: str,
    file: str,
    mapping: dict[str, str],
    dry_run: bool = False,
    tick: Callable[[int], None] | None = None,
) -> Summary:
    """Import everything ``reader`` yields; ``tick`` hears the count now and then."""
    job = Import(form, file, mapping, dry_run)
    try:
        for number, record in enumerate(reader.records(), start=1):
            job.add(record)
            if tick is not None and number % 2000 == 0:
                tick(job.summary.imported + len(job.batch))
        return job.finish()
    except BaseException:
        db.session.rollback()
        raise
