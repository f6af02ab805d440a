"""The machine-wide limits storage (widget/ratelimit_store.py): exact across
processes, the same answers as the moving-window rule, and tidy."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from widget import create_app
from widget.extensions import limiter
from widget.ratelimit_store import SqliteStorage

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
PROCESSES = 4


def storage_at(path: Path) -> SqliteStorage:
    storage = storage_from_string(f"sqlite:///{path}")
    assert isinstance(storage, SqliteStorage)
    return storage


def _hammer(uri: str, limit: str, hits: int, start, results) -> None:  # runs in a child
    window = MovingWindowRateLimiter(storage_from_string(uri))
    item = parse(limit)
    start.wait()
    results.put(sum(window.hit(item, "one-client") for _ in range(hits)))


def _count(uri: str, times: int, start, results) -> None:  # runs in a child
    storage = storage_from_string(uri)
    start.wait()
    results.put([storage.incr("counter", 60) for _ in range(times)])


def run_children(target, *args) -> list:
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(PROCESSES), context.Queue()
    children = [
        context.Process(target=target, args=(*args, start, results)) for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    found = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    return found


def test_processes_hitting_at_once_get_exactly_the_limit(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.db'}"

    allowed = run_children(_hammer, uri, "10/minute", 10)

    assert sum(allowed) == 10  # memory:// would allow 10 in each: 40
    window = MovingWindowRateLimiter(storage_from_string(uri))
    assert window.get_window_stats(parse("10/minute"), "one-client").remaining == 0


def test_a_fixed_window_counter_is_atomic_across_processes(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.db'}"

    seen = run_children(_count, uri, 25)

    values = sorted(value for one in seen for value in one)
    assert values == list(range(1, PROCESSES * 25 + 1))  # no value handed out twice


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 6),
    steps=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 3)), min_size=1, max_size=40),
)
def test_the_moving_window_answers_as_the_rule_says(tmp_path_factory, limit, steps) -> None:
    """Against a model: a hit of cost c is allowed when the hits allowed in the
    last 60 seconds plus c stay within the limit."""
    storage = storage_at(tmp_path_factory.mktemp("window") / "limits.db")
    window = MovingWindowRateLimiter(storage)
    item = parse(f"{limit}/minute")
    taken: list[float] = []
    with time_machine.travel(START, tick=False) as traveller:
        for advance, cost in steps:
            traveller.shift(advance)
            now = time.time()  # the clock the storage reads, to the last bit
            in_window = sum(1 for at in taken if at >= now - 60)
            expected = in_window + cost <= limit

            assert window.hit(item, "k", cost=cost) is expected
            if expected:
                taken.extend([now] * cost)
            stats = window.get_window_stats(item, "k")
            assert stats.remaining == limit - sum(1 for at in taken if at >= now - 60)


def test_expired_rows_are_swept(tmp_path: Path) -> None:
    path = tmp_path / "limits.db"
    storage = storage_at(path)
    window = MovingWindowRateLimiter(storage)
    with time_machine.travel(START, tick=False) as traveller:
        for client in range(50):
            window.hit(parse("5/minute"), f"client-{client}")
            storage.incr(f"fixed-{client}", 60)
        traveller.shift(121)
        window.hit(parse("5/minute"), "a-later-client")

    with sqlite3.connect(path) as connection:
        hits = connection.execute("SELECT count(*) FROM hits").fetchone()[0]
        counters = connection.execute("SELECT count(*) FROM counters").fetchone()[0]
    assert (hits, counters) == (1, 0)


def test_clear_reset_expiry_and_health(tmp_path: Path) -> None:
    path = tmp_path / "private" / "limits.db"
    storage = storage_at(path)
    with time_machine.travel(START, tick=False):
        assert storage.incr("k", 30) == 1
        assert storage.incr("k", 30, amount=2) == 3
        assert storage.get("k") == 3
        assert storage.get_expiry("k") == START.timestamp() + 30
        storage.acquire_entry("m", 5, 60)
        storage.clear("k")
        assert storage.get("k") == 0
        assert storage.reset() == 1  # "m" was left
        assert storage.get_moving_window("m", 5, 60) == (START.timestamp(), 0)
    assert storage.check() is True
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_left_unset_limits_are_counted_in_the_instance_folder(monkeypatch) -> None:
    monkeypatch.delenv("COMMENTS_RATELIMIT_STORAGE_URI", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 32, "RATELIMIT_ENABLED": True})

    expected = f"sqlite:///{Path(app.instance_path) / 'ratelimits.db'}"
    assert app.config["RATELIMIT_STORAGE_URI"] == expected
    assert isinstance(limiter.storage, SqliteStorage)
