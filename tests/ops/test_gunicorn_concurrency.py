"""32 clients posting at once to a real gunicorn (4 workers) on one SQLite
file lose nothing: every post is published (each with a fresh form token, as
the box does), every 201 is stored, the stored count is the 201 count, and
nobody gets a 5xx ("database is locked" would be one)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ..conftest import LONG_BODY
from ..servers import Gunicorn, migrate, server_env

pytestmark = pytest.mark.server

CLIENTS = 32
POSTS_EACH = 25
WORKERS = 4
ARTICLE = "busy-article"


def test_32_clients_times_25_posts_against_4_gunicorn_workers_lose_nothing(
    tmp_path: Path,
) -> None:
    env = server_env(tmp_path)
    migrate(env)
    results: list[tuple[int, int | None, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    with Gunicorn(env, workers=WORKERS) as server:
        url = f"{server.url}/api/v1/articles/{ARTICLE}/comments"

        def client(number: int) -> None:
            with requests.Session() as session:
                start.wait()  # all 32 begin together
                for i in range(POSTS_EACH):
                    author = f"Client {number}-{i}"
                    listing = session.get(url, timeout=60)
                    assert listing.status_code == 200, listing.text
                    token = listing.json()["form"]["token"]
                    response = session.post(
                        url,
                        json={
                            "author": author,
                            "body": f"{LONG_BODY}#{number}-{i}",
                            "token": token,
                        },
                        timeout=60,
                    )
                    comment = response.json() if response.status_code < 300 else {}
                    with lock:
                        results.append((response.status_code, comment.get("id"), author))

        began = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client, range(CLIENTS)))
        elapsed = time.monotonic() - began
        listing = requests.get(url, timeout=30).json()
        counts = requests.get(
            f"{server.url}/api/v1/counts", params={"article_id": ARTICLE}, timeout=30
        ).json()
    log = server.log()

    statuses = Counter(status for status, _id, _author in results)
    created = {comment_id: author for status, comment_id, author in results if status == 201}
    database = Path(env["COMMENTS_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:
        stored = dict(
            connection.execute(
                "SELECT id, author FROM comments WHERE article_id = ? AND status = 'published'",
                (ARTICLE,),
            ).fetchall()
        )
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    print(
        f"\n{len(results)} posts in {elapsed:.1f} s: statuses {dict(statuses)}; "
        f"{len(created)} answered 201, {len(stored)} published rows stored"
    )

    assert len(results) == CLIENTS * POSTS_EACH
    assert not [s for s in statuses if s >= 500], log[-3000:]
    # A fresh valid token for every post, limits off: every post is published.
    assert statuses == {201: CLIENTS * POSTS_EACH}, statuses
    assert len(created) == statuses[201], "an id was handed out twice"
    assert stored == created, "a 201 is missing from the database, or a row has no 201"
    assert listing["total"] == len(created)
    assert counts["counts"][ARTICLE] == len(created)
    assert integrity == "ok"
    assert "database is locked" not in log
