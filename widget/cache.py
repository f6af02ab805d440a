"""Article versions for the read path, without a database round trip per view.

Every change to what an article lists bumps ``Article.version`` in the same
transaction (``articles.adjust``). Listing pages and their ETags are keyed by
that version, so the read path needs the current version cheaply and must
never serve an old one after a change has been committed anywhere. How the
version is found depends on what the deployment has; nothing new to set:

* **Redis** (``COMMENTS_RATELIMIT_STORAGE_URI=redis://…``, the several-instance
  set-up): versions are kept in each process. After every commit that bumped a
  version, the writing process publishes the article ids on a Redis channel;
  every process holds a subscribed connection and drains it without blocking
  (one ``poll``) before it uses a cached version, so a change committed on one
  instance is seen by every instance on its next request: the writer waits
  until Redis has sent the message before it answers, so the next request
  anywhere finds it waiting. While the subscription is down the cache is bypassed
  (versions come from the database) and it is emptied when it comes back,
  since messages may have been missed meanwhile. Cached versions also expire
  after ``VERSION_TTL_SECONDS`` as a last safety net.
* **SQLite without Redis** (one machine, any number of workers): the version is
  read from the database file itself on every request through a per-thread
  ``sqlite3`` connection: a few microseconds, and correct across processes
  with nothing shared but the file.
* **Anything else** (e.g. PostgreSQL without Redis): read through the session,
  one primary-key lookup per listing. Correct, slower; add Redis to go fast.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .extensions import db
from .models import Article

log = logging.getLogger(__name__)

# Session.info key where articles.adjust() notes the articles a transaction
# changed; published (and dropped from this process's cache) after commit.
CHANGED_KEY = "comments.changed_articles"
VERSION_TTL_SECONDS = 60.0
RESUBSCRIBE_SECONDS = 5.0
_EXTENSION = "comments.versions"


def _read_from_session(article_id: str) -> int:
    version = db.session.scalar(select(Article.version).where(Article.id == article_id))
    return version or 0


class Versions:
    """Reads the version through the session every time (always correct)."""

    kind = "database"

    def current(self, article_id: str) -> int:
        return _read_from_session(article_id)

    def known(self, article_id: str) -> int | None:
        """The version when it can be had without the session (outside any
        app context: the listing's WSGI layer), else None."""
        return None

    def changed(self, article_ids: set[str]) -> None:
        """Called after a commit that changed these articles."""

    def close(self) -> None:
        pass


class SqliteVersions(Versions):
    """Reads the version straight from the SQLite file, per thread."""

    kind = "sqlite"
    _QUERY = "SELECT version FROM articles WHERE id = ?"

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.local()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit: every SELECT is its own read transaction and so sees
            # every commit made before it, from any process.
            connection = sqlite3.connect(self._path, isolation_level=None)
            connection.execute("PRAGMA busy_timeout = 15000")
            self._local.connection = connection
        return connection

    def current(self, article_id: str) -> int:
        try:
            row = self._connection().execute(self._QUERY, (article_id,)).fetchone()
        except sqlite3.Error:
            self._forget()
            return _read_from_session(article_id)  # raises the usual way if it must
        return row[0] if row else 0

    def known(self, article_id: str) -> int | None:
        try:
            row = self._connection().execute(self._QUERY, (article_id,)).fetchone()
        except sqlite3.Error:
            self._forget()
            return None
        return row[0] if row else 0


class RedisVersions(Versions):
    """Versions cached in-process, invalidated through Redis pub/sub."""

    kind = "redis"

    def __init__(self, url: str, channel: str) -> None:
        import redis  # only needed when Redis is configured

        self._client = redis.Redis.from_url(
            url,
            socket_timeout=2,
            socket_connect_timeout=0.5,
            client_name=channel.replace(":", "-"),
        )
        self._channel = channel
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[int, float]] = {}
        self._epoch = 0  # bumped by every invalidation; guards racing stores
        self._pubsub: Any = None
        self._reconnected = False
        self._next_attempt = 0.0
        self._pid = os.getpid()

    # --- the subscription ------------------------------------------------------

    def _subscribe(self) -> None:
        """Open the subscription; the cache is emptied once it is confirmed."""
        now = time.monotonic()
        if now < self._next_attempt:
            return
        self._next_attempt = now + RESUBSCRIBE_SECONDS
        pubsub = self._client.pubsub(ignore_subscribe_messages=False)
        try:
            pubsub.subscribe(self._channel)
            confirmation = pubsub.get_message(timeout=2)
            if not confirmation or confirmation["type"] != "subscribe":
                raise OSError("no subscription confirmation from Redis")
        except Exception as error:  # any failure: stay on the database
            log.warning("version cache: cannot subscribe to Redis: %s", type(error).__name__)
            self._close_pubsub(pubsub)
            return
        # redis-py reconnects and resubscribes by itself after a dropped
        # connection; whatever was published meanwhile is lost, so every
        # reconnection empties the cache.
        pubsub.connection.register_connect_callback(self._on_reconnect)
        self._pubsub = pubsub
        self._reconnected = False
        self._flush()

    def _on_reconnect(self, _connection: Any) -> None:
        self._reconnected = True

    def _close_pubsub(self, pubsub: Any) -> None:
        with contextlib.suppress(Exception):  # already broken: nothing to tell
            pubsub.close()

    def _flush(self) -> None:
        self._versions.clear()
        self._epoch += 1

    def _drain(self) -> bool:
        """Apply every waiting invalidation; False when not subscribed."""
        if self._pid != os.getpid():  # a forked child must not share the socket
            self._pid, self._pubsub = os.getpid(), None
            self._flush()
        if self._pubsub is None:
            self._subscribe()
            if self._pubsub is None:
                return False
        try:
            while True:
                message = self._pubsub.get_message(timeout=0)
                if self._reconnected:
                    self._reconnected = False
                    self._flush()
                if message is None:
                    return True
                if message["type"] == "message":
                    for article_id in message["data"].decode().split("\n"):
                        self._versions.pop(article_id, None)
                    self._epoch += 1
        except Exception as error:
            log.warning("version cache: Redis subscription lost: %s", type(error).__name__)
            self._close_pubsub(self._pubsub)
            self._pubsub = None
            self._flush()
            return False

    # --- the read path ---------------------------------------------------------

    def current(self, article_id: str) -> int:
        with self._lock:
            subscribed = self._drain()
            if subscribed:
                cached = self._versions.get(article_id)
                if cached is not None and cached[1] > time.monotonic():
                    return cached[0]
            epoch = self._epoch
        version = _read_from_session(article_id)
        if subscribed:
            with self._lock:
                if self._epoch == epoch:  # nothing was invalidated meanwhile
                    if len(self._versions) >= 100_000:
                        self._versions.clear()
                    self._versions[article_id] = (
                        version,
                        time.monotonic() + VERSION_TTL_SECONDS,
                    )
        return version

    def known(self, article_id: str) -> int | None:
        with self._lock:
            if self._drain():
                cached = self._versions.get(article_id)
                if cached is not None and cached[1] > time.monotonic():
                    return cached[0]
        return None

    def changed(self, article_ids: set[str]) -> None:
        with self._lock:
            for article_id in article_ids:
                self._versions.pop(article_id, None)
            self._epoch += 1
        try:
            self._client.publish(self._channel, "\n".join(sorted(article_ids)))
            # Redis may write the PUBLISH reply just before the message to the
            # subscribers; a second round trip returns only once that event-loop
            # turn is over, so when this request answers, every subscriber's
            # socket already holds the message.
            self._client.ping()
        except Exception as error:
            # Other instances keep their cached versions until they expire or
            # their own subscription notices Redis is gone.
            log.error("version cache: cannot publish a change: %s", type(error).__name__)

    def close(self) -> None:
        if self._pubsub is not None:
            self._close_pubsub(self._pubsub)
            self._pubsub = None
        self._client.close()


def _choose(app: Flask) -> Versions:
    storage = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(("redis://", "rediss://")):
        prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "comments"
        return RedisVersions(storage, f"{prefix}:article-changes")
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return SqliteVersions(url.database)
    return Versions()


def versions() -> Versions:
    return versions_of(current_app)


def versions_of(app: Flask) -> Versions:
    return app.extensions[_EXTENSION]


def current_version(article_id: str) -> int:
    return versions_of(current_app).current(article_id)


def note_changed(article_id: str) -> None:
    """Record, in the current transaction, that this article's listing changed."""
    db.session.info.setdefault(CHANGED_KEY, set()).add(article_id)


def _after_commit(session: Session) -> None:
    changed = session.info.pop(CHANGED_KEY, None)
    if changed:
        current_app.extensions[_EXTENSION].changed(changed)


def _after_rollback(session: Session) -> None:
    # Only a real rollback of the whole transaction (not of a savepoint, after
    # which the outer transaction may still commit the change). Publishing a
    # change that did not happen would be harmless anyway: one more cache miss.
    session.info.pop(CHANGED_KEY, None)


def init_app(app: Flask) -> None:
    """Pick how versions are found (after ``database.init_app``)."""
    with app.app_context():
        app.extensions[_EXTENSION] = _choose(app)
    # Flask-SQLAlchemy's sessionmaker for this extension: the listeners act
    # only on sessions where articles.adjust() noted a change.
    factory = db.session.session_factory
    if not event.contains(factory, "after_commit", _after_commit):
        event.listen(factory, "after_commit", _after_commit)
        event.listen(factory, "after_rollback", _after_rollback)
