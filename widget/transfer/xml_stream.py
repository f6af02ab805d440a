"""Reading an export's XML safely and fast, one record at a time (Disqus, WordPress).

Two parsers, one file read once. defusedxml guards the door: it reads the
prolog (everything before the root element's start tag), where a DTD and
entity declarations can only be, and refuses any of them (an export needs
none, and they are how XML files attack). Past the door, the standard
library's C parser builds the elements with no Python call per element, fed
64 KB at a time. Memory holds the record being read, not the file: each
record is dropped once its reader has turned it into ``records``. Every way a
file can be bad ends as one ``ImportFailure`` line that names the file and
where in it (line and column, 1-based as editors count, for XML errors; the
line reached for the size and depth guards).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .records import ImportFailure

CHUNK = 16 * 1024
# Exports nest four or five deep; thousands of levels are an attack on memory.
MAX_DEPTH = 64
# One record (a post, a comment, an item's field) and the text between records
# are held in memory whole: a record this large is not a comment.
MAX_RECORD_MB = 64
_ELEMENT_WEIGHT = 200  # roughly what an element costs in memory, in bytes


class _Refused(Exception):
    def __init__(self, why: str, where: str) -> None:
        self.why = why
        self.where = where


class _RootReached(Exception):
    """The prolog is behind us, and it held no DTD: the door may open."""


class _StopAtRoot:
    """The gatekeeper's target: it only needs to know where the prolog ends."""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        raise _RootReached

    def close(self) -> None:
        return None


def _position(expat: Any) -> str:
    """Where an expat parser is, as editors count (columns from 1)."""
    if expat is None:
        return "the start"
    return f"line {expat.CurrentLineNumber}, column {expat.CurrentColumnNumber + 1}"


def local_name(tag: str) -> str:
    """``{namespace}name`` → ``name``."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """``{namespace}name`` → ``namespace`` ("" when there is none)."""
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def parse_time(text: str) -> datetime | None:
    """A time as exports write it, ISO 8601 (``2013-10-10T19:20:29Z``,
    ``2014-01-14 17:32:12``; fractions and offsets accepted) in UTC; a time
    without a zone is taken as UTC. None when it is not a time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed over the edge by its offset
        return None


def text_of(element: Element | None) -> str:
    """An element's text, trimmed ("" when absent)."""
    if element is None or element.text is None:
        return ""
    return element.text.strip()


class XmlStream:
    """One XML file, read once, as the events a reader needs, in file order:
    ("start", element, depth) for the elements that hold records,
    ("end", element, depth) for records and the elements that hold them, and
    ("start-ns", (prefix, uri), depth). The root is at depth 1; records at
    ``record_depth``. What is deeper (a record's fields) is read from the
    record itself when it ends."""

    def __init__(self, path: str | os.PathLike[str], kind: str, record_depth: int) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.kind = kind  # "Disqus", "WordPress": for "is not a … export"
        self.record_depth = record_depth
        self._file: IO[bytes] | None = None
        self._size = 0
        self._gate: DefusedXMLParser | None = None

    def events(self) -> Iterator[tuple[str, Any, int]]:
        """Every event; raises ImportFailure on an unreadable or hostile file.

        An ended element is dropped (emptied, and taken from its parent) when
        the reader asks for the next event: keep what it says, not it.
        """
        try:
            file = self.path.open("rb")
        except OSError as error:
            raise self.failure(f"cannot be read ({error.strerror or error})") from None
        with file:
            self._file = file
            self._size = os.fstat(file.fileno()).st_size
            try:
                prolog = self._prolog(file)
                yield from self._elements(file, prolog)
            except ParseError as error:
                line, column = error.position
                reason = ErrorString(error.code) if error.code else str(error)
                raise self.failure(
                    f"not well-formed XML at line {line}, column {column + 1} ({reason})"
                ) from None
            except DefusedXmlException:
                raise self.failure(
                    "the file declares XML entities or a DTD, which an export never needs;"
                    f" refused (at {self.position()})"
                ) from None
            except _Refused as refusal:
                raise self.failure(
                    f"{refusal.why} {refusal.where}; no export has that, refused"
                ) from None
            except OSError as error:
                raise self.failure(f"cannot be read ({error.strerror or error})") from None
            except (ValueError, LookupError) as error:  # e.g. an encoding Python lacks
                raise self.failure(f"not readable as XML at {self.position()} ({error})") from None

    def _prolog(self, file: IO[bytes]) -> list[bytes]:
        """The chunks that hold the prolog and the root's start tag, once
        defusedxml has read them and found no DTD and no entity declaration."""
        gate = DefusedXMLParser(
            target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self._gate = gate
        chunks: list[bytes] = []
        size = 0
        while chunk := file.read(CHUNK):
            chunks.append(chunk)
            try:
                gate.feed(chunk)
            except _RootReached:
                return chunks
            size += len(chunk)
            if size > MAX_RECORD_MB * 1_000_000:
                where = f"at {self.position()}"
                raise _Refused(f"no element in the first {MAX_RECORD_MB} MB", where)
        gate.close()  # no root at all: expat says why ("no element found")
        raise _Refused("no element", f"at {self.position()}")  # pragma: no cover - it did

    def _elements(self, file: IO[bytes], prolog: list[bytes]) -> Iterator[tuple[str, Any, int]]:
        # Why one long loop: it runs for every element of the file, so the
        # state lives in locals and the guards cost an addition and a compare.
        parser = XMLPullParser(events=("start", "end", "start-ns"))
        read_events = parser.read_events
        record_depth = self.record_depth
        limit = MAX_RECORD_MB * 1_000_000
        stack: list[Element] = []  # the open elements down to the records
        depth = 0
        fed = lines = 0
        mark = 0  # bytes fed when the last record (or its holder) started or ended
        inside = 0  # elements started inside the current record
        prolog.reverse()
        while True:
            chunk = prolog.pop() if prolog else file.read(CHUNK)
            if chunk:
                parser.feed(chunk)
                fed += len(chunk)
                lines += chunk.count(b"\n")
            else:
                parser.close()
            for event, item in read_events():
                if event == "start":
                    depth += 1
                    if depth > record_depth:
                        inside += 1
                        if depth > MAX_DEPTH:
                            raise _Refused(
                                f"elements nested more than {MAX_DEPTH} deep",
                                f"near line {lines + 1}",
                            )
                        continue
                    stack.append(item)
                    mark, inside = fed, 0
                    if depth < record_depth:
                        yield event, item, depth
                elif event == "end":
                    depth -= 1
                    if depth >= record_depth:
                        continue
                    yield event, item, depth + 1
                    stack.pop()
                    _drop(item, stack)
                    mark, inside = fed, 0
                else:
                    yield event, item, depth
            if not chunk:
                return
            if fed - mark + inside * _ELEMENT_WEIGHT > limit:
                raise _Refused(f"a record larger than {MAX_RECORD_MB} MB", f"near line {lines + 1}")

    def check_root(self, element: Element, expected: str) -> None:
        """Refuse a file of another kind, by its root element's name."""
        if local_name(element.tag) != expected:
            raise ImportFailure(
                f"{self.name} is not a {self.kind} export"
                f" (it starts with <{local_name(element.tag)}>)"
            )

    def failure(self, text: str) -> ImportFailure:
        return ImportFailure(f"{self.name}: {text}")

    def position(self) -> str:
        """Where the gatekeeper is, for messages about the prolog."""
        return _position(getattr(self._gate, "parser", None))

    def progress(self) -> float | None:
        """The share of the file read so far (0..1); None before it is open."""
        if self._file is None or not self._size:
            return None
        try:
            return min(1.0, self._file.tell() / self._size)
        except (OSError, ValueError):  # closed: all of it was read
            return 1.0


def _drop(element: Element, stack: list[Element]) -> None:
    """Forget a finished element, so that a file of a million records needs
    no more memory than one. Its earlier siblings were dropped before it, so
    it is its parent's first child."""
    element.clear()
    if stack:
        parent = stack[-1]
        if len(parent) and parent[0] is element:
            del parent[0]
