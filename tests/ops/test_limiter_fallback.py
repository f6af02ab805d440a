"""When Redis is unreachable, every request is still answered (within its
socket timeouts) and the limits still hold, counted in the machine's shared
limits file.

No Redis needed: a port nobody listens on stands for a Redis that is down,
and a socket that accepts and never answers for one that hangs. (The real
outage, with a real Redis stopped mid-run, is in tests/ops/test_scale_out.py.)
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from ..conftest import form_token, make_app, post_comment
from ..servers import free_port

T = TypeVar("T")


@pytest.fixture
def silent_redis() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def redis_app(tmp_path: Path, port: int):
    return make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
        RATELIMIT_LOCAL_STORAGE_URI=f"sqlite:///{tmp_path / 'ratelimits.db'}",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        POST_LIMITS="2/minute",
    )


def within(seconds: float, action: Callable[[], T]) -> tuple[T, float]:
    """Run ``action``; fail (not hang) if it takes over ``seconds``. Its result
    and how long it took."""
    results: list[T] = []
    worker = threading.Thread(target=lambda: results.append(action()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    took = time.monotonic() - started
    assert not worker.is_alive(), f"hung on an unanswering Redis (over {seconds} s)"
    assert results, "raised (see the thread's traceback above)"
    return results[0], took


def posts_within(app, seconds: float, count: int) -> list[int]:
    """Post ``count`` times; fail (not hang) if that takes over ``seconds``."""
    client = app.test_client()
    answers, _ = within(
        seconds,
        lambda: [post_comment(client, "a1", author=f"R{i}").status_code for i in range(count)],
    )
    return answers


def test_a_redis_that_never_answers_costs_a_post_its_timeouts_not_a_hang(
    tmp_path: Path, silent_redis: int
) -> None:
    client = redis_app(tmp_path, silent_redis).test_client()
    token, _ = within(15, lambda: form_token(client, "a1"))

    answer, took = within(15, lambda: post_comment(client, "a1", token=token))

    assert answer.status_code == 201
    # The limiter gives up on Redis after 1 s (widget/extensions.py) and the
    # listing cache's publish after 2 s (widget/cache.py): 3 s of timeouts.
    assert took < 4  # a further 1 s timeout would show


def test_while_redis_is_down_limits_hold_in_the_shared_limits_file(tmp_path: Path) -> None:
    app = redis_app(tmp_path, free_port())  # nothing listens there

    answers = posts_within(app, seconds=15, count=3)

    assert answers == [201, 201, 429]
    # Counted in the file every worker on the machine shares, not in memory.
    with sqlite3.connect(tmp_path / "ratelimits.db") as limits:
        (hits,) = limits.execute("SELECT count(*) FROM hits").fetchone()
    assert hits >= 2
