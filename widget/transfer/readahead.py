"""Reading a file in a thread of its own while the database writes.

Parsing is Python and holds the interpreter lock; SQLite and PostgreSQL's
driver let go of it while they insert. With the reader a few batches ahead in
another thread, the two overlap on a machine's second core instead of taking
turns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
CHUNK = 500  # records handed over at a time: one lock round trip per chunk
DEPTH = 8  # chunks read ahead at most: memory stays bounded
_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` in order, produced by a thread of their own. An exception in
    the reader comes out here, where it would have; leaving early (an error
    while writing, Ctrl-C) stops the reader at its next chunk."""
    handed: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            chunk: list[T] = []
            for item in items:
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    if not hand(chunk):
                        return
                    chunk = []
            hand(chunk) and hand(_END)
        except BaseException as error:
            hand(error)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            got = handed.get()
            if got is _END:
                return
            if isinstance(got, BaseException):
                raise got
            yield from got  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)
