"""A crash loses nothing that was acknowledged.

A real gunicorn (master and 4 workers) takes posts from 16 clients at once,
published (201) and held (202), and is killed with SIGKILL, all its processes
at once, in the middle of it. Three times. After each restart every comment
that was answered 201 or 202 is in the database with its status, the
published counts still match the rows, and SQLite's integrity check passes.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from pathlib import Path

import pytest
import requests

from ..conftest import LONG_BODY
from ..servers import Gunicorn, migrate, server_env

pytestmark = pytest.mark.server

ROUNDS = 3
CLIENTS = 16
ACKS_BEFORE_KILL = 150  # per round; the kill comes with posts in flight
ARTICLE = "crash-article"


class Load:
    """Clients posting as fast as they can until the server dies under them."""

    def __init__(self, url: str, round_: int) -> None:
        self.url, self.round = url, round_
        self.acknowledged: dict[int, str] = {}  # comment id -> "published" or "pending"
        self.failures: list[str] = []
        self.enough = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a client hung on a dead server"

    def _client(self, number: int) -> None:
        with requests.Session() as session:
            for i in range(100_000):
                # Every third post has no token, so it is held: 202.
                payload = {
                    "author": f"C{number}",
                    "body": f"{LONG_BODY}r{self.round} #{number}-{i}",
                }
                try:
                    if i % 3:  # a token admits one post: a fresh one for each
                        listing = session.get(self.url, timeout=30).json()
                        payload["token"] = listing["form"]["token"]
                    response = session.post(self.url, json=payload, timeout=30)
                except (requests.RequestException, ValueError, KeyError):
                    return  # the server is gone
                if response.status_code in (201, 202):
                    comment = response.json()
                    with self._lock:
                        self.acknowledged[comment["id"]] = comment.get("status", "published")
                        if len(self.acknowledged) >= ACKS_BEFORE_KILL:
                            self.enough.set()
                else:
                    with self._lock:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")


def _refuses_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_acknowledged_comments_survive_sigkill_of_every_server_process(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    migrate(env)
    database = Path(env["COMMENTS_DATABASE_URL"].removeprefix("sqlite:///"))
    acknowledged: dict[int, str] = {}

    for round_ in range(ROUNDS):
        server = Gunicorn(env, workers=4).start()
        try:
            url = f"{server.url}/api/v1/articles/{ARTICLE}/comments"
            load = Load(url, round_)
            load.start()
            assert load.enough.wait(timeout=120), f"no load: {load.failures[:3]}"
        finally:
            server.kill()  # SIGKILL to the process group: master and workers
        load.join()
        assert _refuses_connections(server.port), "a server process survived SIGKILL"
        assert not load.failures, load.failures[:5]
        acknowledged.update(load.acknowledged)

        # Restart on the same file: everything acknowledged so far is there.
        with Gunicorn(env, workers=2) as restarted:
            listing = requests.get(
                f"{restarted.url}/api/v1/articles/{ARTICLE}/comments", timeout=30
            ).json()
            with sqlite3.connect(database) as connection:
                stored = dict(
                    connection.execute(
                        "SELECT id, status FROM comments WHERE article_id = ?", (ARTICLE,)
                    ).fetchall()
                )
                integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
                foreign_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
                published_count = connection.execute(
                    "SELECT published_count FROM articles WHERE id = ?", (ARTICLE,)
                ).fetchone()[0]

        missing = {i: s for i, s in acknowledged.items() if stored.get(i) != s}
        published = sum(1 for s in stored.values() if s == "published")
        print(
            f"\nround {round_ + 1}: {len(load.acknowledged)} acknowledged "
            f"({sum(s == 'published' for s in load.acknowledged.values())} published, "
            f"{sum(s == 'pending' for s in load.acknowledged.values())} held); "
            f"{len(acknowledged)} in all, {len(acknowledged) - len(missing)} found after "
            f"restart, {len(stored)} rows; integrity_check: {integrity}"
        )
        assert not missing, f"acknowledged but lost: {sorted(missing)[:20]}"
        assert integrity == "ok"
        assert foreign_keys == []
        assert published_count == published, "the published count drifted from the rows"
        assert listing["total"] == published
