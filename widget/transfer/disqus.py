"""Disqus's XML export as records.

The file (root ``{http://disqus.com}disqus``) lists categories, then
``<thread dsq:id>`` elements (the pages), then ``<post dsq:id>`` elements
(the comments), each naming its thread and, for a reply, its parent by
``dsq:id``. Threads and parents are not resolved here: a post may name a
thread that never appears (Disqus exports have them), and the importer
decides what becomes of it.

Disqus writes times in UTC (``2013-10-10T19:20:29Z``) and messages as HTML.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from xml.etree.ElementTree import Element

from ..models import Status
from .html_text import to_text
from .records import Post, Record, Skip, Thread
from .xml_stream import XmlStream, local_name, namespace, parse_time, text_of

SOURCE = "disqus"
DSQ = "http://disqus.com/disqus-internals"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class DisqusReader:
    """``records()`` of one Disqus export, in file order."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.stream = XmlStream(path, "Disqus", record_depth=2)
        # A post without a date of its own takes its thread's: thread key → date.
        self._thread_dates: dict[str, datetime] = {}

    def progress(self) -> float | None:
        return self.stream.progress()

    def records(self) -> Iterator[Record]:
        stream = self.stream
        names = _Names("")
        for event, element, depth in stream.events():
            if event == "end":
                if depth != 2:
                    continue
                tag = element.tag
                if tag == names.post:
                    yield self._post(element, names)
                elif tag == names.thread:
                    thread = self._thread(element, names)
                    if thread is not None:
                        yield thread
                # Categories too are dropped as they pass: nothing here needs them.
            elif event == "start" and depth == 1:
                stream.check_root(element, "disqus")
                names = _Names(namespace(element.tag))  # Disqus's own, read from the file

    def _thread(self, element: Element, names: _Names) -> Thread | None:
        key = _dsq_id(element)
        if not key:
            return None  # no post can name it
        find = element.find
        created = parse_time(text_of(find(names.created)))
        if created is not None:
            self._thread_dates[key] = created
        return Thread(
            key=key,
            identifier=text_of(find(names.id)) or None,
            url=text_of(find(names.link)) or None,
            title=text_of(find(names.title)) or None,
        )

    def _post(self, element: Element, names: _Names) -> Post | Skip:
        find = element.find
        thread_element = find(names.thread)
        thread = _dsq_id(thread_element) if thread_element is not None else ""
        key = _dsq_id(element)
        if not key:
            return Skip("no id", thread or None)
        if not thread:
            return Skip("no thread")
        created = parse_time(text_of(find(names.created)))
        if created is None:
            created = self._thread_dates.get(thread)
            if created is None:
                return Skip("no date", thread)
        parent_element = find(names.parent)
        author = find(names.author)
        if author is not None:
            name = text_of(author.find(names.name)) or text_of(author.find(names.username))
            email = text_of(author.find(names.email))
        else:
            name = email = ""
        return Post(
            source=SOURCE,
            key=key,
            thread=thread,
            parent=(_dsq_id(parent_element) or None) if parent_element is not None else None,
            author=name,
            email=email or None,
            body=to_text(text_of(find(names.message))),
            status=_status(element, names),
            created_at=created,
            address=text_of(find(names.address)) or None,
        )


class _Names:
    """Disqus's element names in the file's namespace, qualified once per
    file rather than once per post."""

    __slots__ = (
        "address", "approved", "author", "created", "deleted", "email", "id", "link",
        "message", "name", "parent", "post", "spam", "thread", "title", "username",
    )  # fmt: skip

    def __init__(self, ns: str) -> None:
        def q(name: str) -> str:
            return f"{{{ns}}}{name}" if ns else name

        self.thread, self.post, self.id = q("thread"), q("post"), q("id")
        self.link, self.title, self.created = q("link"), q("title"), q("createdAt")
        self.parent, self.author, self.name = q("parent"), q("author"), q("name")
        self.username, self.email, self.message = q("username"), q("email"), q("message")
        self.address, self.spam, self.deleted = q("ipAddress"), q("isSpam"), q("isDeleted")
        self.approved = q("isApproved")


_DSQ_ID = f"{{{DSQ}}}id"


def _dsq_id(element: Element) -> str:
    """The ``dsq:id`` attribute, whatever prefix the file bound to Disqus's
    internals namespace."""
    value = element.get(_DSQ_ID)
    if value is None:
        value = next((v for k, v in element.attrib.items() if local_name(k) == "id"), "")
    return value.strip()


def _status(element: Element, names: _Names) -> Status:
    find = element.find
    if text_of(find(names.spam)).lower() in _TRUE:
        return Status.SPAM
    if text_of(find(names.deleted)).lower() in _TRUE:
        return Status.DELETED
    if text_of(find(names.approved)).lower() in _FALSE:
        return Status.PENDING
    return Status.PUBLISHED
