"""Reading a large file in a process of its own while this one writes.

Parsing XML and laying out HTML is Python work, and so is preparing rows:
in one process they take turns on one core. A forked child reads the file
and hands records over a pipe in chunks (one chunk ahead: memory stays
bounded), so on a machine with two cores both run at once. Small files are
read in-process: a child costs more than it saves there.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from .records import Reader, Record

CHUNK = 1000  # records per message: one pickle and one pipe round trip each
IN_PROCESS_BELOW = 8_000_000  # bytes: smaller files are read here


class ReadAhead:
    """A ``Reader`` whose records come from ``reader`` run in a child process."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.share: float | None = None

    def progress(self) -> float | None:
        return self.share

    def records(self) -> Iterator[Record]:
        receiving, sending = multiprocessing.Pipe(duplex=False)
        # fork: the child needs nothing but the reader (no re-import, no app),
        # touches no database connection, and leaves through os._exit.
        child = multiprocessing.get_context("fork").Process(
            target=_produce, args=(self.reader, sending), name="import-reader", daemon=True
        )
        child.start()
        sending.close()
        try:
            while True:
                try:
                    kind, share, payload = receiving.recv()
                except EOFError:
                    raise RuntimeError("the file's reader stopped unexpectedly") from None
                self.share = share
                if kind == "error":
                    raise payload
                if kind == "end":
                    return
                yield from payload
        finally:
            receiving.close()
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)


def _produce(reader: Reader, sending: Connection) -> None:
    """In the child: every record, in chunks, then "end" (or the error)."""
    try:
        chunk: list[Any] = []
        for record in reader.records():
            chunk.append(record)
            if len(chunk) >= CHUNK:
                sending.send(("records", reader.progress(), chunk))
                chunk = []
        sending.send(("records", reader.progress(), chunk))
        sending.send(("end", 1.0, None))
    except BaseException as error:  # handed to the parent, raised there
        try:
            sending.send(("error", None, error))
        except Exception:  # unpicklable: say what it was
            sending.send(("error", None, RuntimeError(repr(error))))
    finally:
        sending.close()


def ahead(reader: Reader, path: str) -> Reader:
    """``reader`` itself for a small file, else a ``ReadAhead`` of it."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return reader  # the reader says what is wrong with the file
    return ReadAhead(reader) if size >= IN_PROCESS_BELOW else reader
