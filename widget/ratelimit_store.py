"""Rate-limit counts shared by every process on one machine: a small SQLite file.

``memory://`` counts in each process, so N gunicorn workers would allow N
times every limit. This storage keeps the counts in one SQLite file (by
default ``<instance>/ratelimits.db``, apart from the comments database) that
every worker opens. It registers the ``sqlite://`` scheme with the ``limits``
package, so Flask-Limiter takes ``sqlite:////abs/path/limits.db`` like any
other storage URI (four slashes for an absolute path, as in SQLAlchemy).

Every hit is one short ``BEGIN IMMEDIATE`` transaction: SQLite admits one
writer at a time across processes, so reading the count and adding to it are
atomic. Losing the last counts in a power cut does no harm, hence WAL with
``synchronous=OFF``. Expired rows are swept once a minute per process
through an index on their expiry.

It serves the moving-window strategy (the one this service uses) and the
fixed-window one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator

from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport, Storage

BUSY_TIMEOUT_MS = 5000
SWEEP_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires);
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
"""


def path_of(uri: str) -> str:
    """The file of ``sqlite:///relative`` or ``sqlite:////absolute``."""
    path = urllib.parse.urlparse(uri).path[1:]
    if not path or path == ":memory:":
        raise ConfigurationError(
            f"{uri!r}: a sqlite:// limits storage needs a file, "
            "such as sqlite:////var/lib/comments/ratelimits.db"
        )
    return path


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """WAL is kept in the file, but switching to it needs the file to itself,
    and SQLite answers "locked" at once, without waiting, while other workers
    open the new file too: try again for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteStorage(Storage, MovingWindowSupport):
    """Fixed and moving windows in one SQLite file, exact across processes."""

    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012 (the name limits' registry reads)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = path_of(uri)
        # Opened on first use, in the process and thread that uses it: never
        # shared across a fork (gunicorn builds the app before or after it).
        self._local = threading.local()
        self._pid = os.getpid()
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    # --- the file --------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self._local, self._pid = threading.local(), os.getpid()
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        # The keys are keyed hashes, but the file is nobody else's business.
        # Only a file that does not exist yet is opened here: SQLite warns that
        # closing any descriptor of a database file drops the POSIX locks the
        # process's other connections hold on it.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
        connection = sqlite3.connect(
            self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _switch_to_wal(connection)
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_SCHEMA)
        return connection

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: every other process waits for it."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _sweep(self, connection: sqlite3.Connection, now: float) -> None:
        """Drop expired rows now and then (clients that never come back)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        # A hit is in the window while at >= now - expiry, i.e. until expires < now.
        connection.execute("DELETE FROM hits WHERE expires < ?", (now,))
        connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))

    # --- moving window -----------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._write() as connection:
            (taken,) = connection.execute(
                "SELECT count(*) FROM (SELECT 1 FROM hits WHERE key = ? AND at >= ? LIMIT ?)",
                (key, now - expiry, limit),
            ).fetchone()
            if taken + amount > limit:
                return False
            connection.executemany(
                "INSERT INTO hits (key, at, expires) VALUES (?, ?, ?)",
                [(key, now, now + expiry)] * amount,
            )
            self._sweep(connection, now)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(when the oldest entry in the window was taken, how many are in it)."""
        now = time.time()
        oldest, taken = (
            self._connection()
            .execute(
                "SELECT min(at), count(*) FROM hits WHERE key = ? AND at >= ?",
                (key, now - expiry),
            )
            .fetchone()
        )
        return (oldest, taken) if taken else (now, 0)

    # --- fixed window ------------------------------------------------------------

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._write() as connection:
            connection.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            connection.execute(
                "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            (value,) = connection.execute(
                "SELECT value FROM counters WHERE key = ?", (key,)
            ).fetchone()
            self._sweep(connection, now)
        return int(value)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return float(row[0]) if row else now

    # --- housekeeping ------------------------------------------------------------

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def clear(self, key: str) -> None:
        with self._write() as connection:
            connection.execute("DELETE FROM hits WHERE key = ?", (key,))
            connection.execute("DELETE FROM counters WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._write() as connection:
            (keys,) = connection.execute(
                "SELECT (SELECT count(DISTINCT key) FROM hits) + (SELECT count(*) FROM counters)"
            ).fetchone()
            connection.execute("DELETE FROM hits")
            connection.execute("DELETE FROM counters")
        return int(keys)
