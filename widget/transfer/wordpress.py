"""WordPress's export (WXR 1.0, 1.1, 1.2) as records.

A WXR file is RSS: ``<rss><channel>`` with the site's details, then one
``<item>`` per post, page or attachment, its comments inside it as
``<wp:comment>``. The ``wp`` namespace is ``http://wordpress.org/export/1.x/``
or, in newer files, ``https://…``: it is read from the file, never assumed
(Isso 0.14 imports nothing from WordPress's own Theme Unit Test file because
it only knows ``http://``).

Comment ids are unique within one post only in some real files, so a
comment's key is ``post_id/comment_id``. WordPress stores comments with
newlines as line and paragraph breaks (it adds ``<p>``/``<br>`` when showing
them), so the body keeps them.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

from ..models import Status
from .html_text import to_text
from .records import ImportFailure, Post, Record, Skip, Thread
from .xml_stream import XmlStream, namespace, parse_time, text_of

WP_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.\d+/?")
_STATUSES = {"1": Status.PUBLISHED, "0": Status.PENDING, "spam": Status.SPAM}
_NOT_COMMENTS = frozenset({"pingback", "trackback"})
_NO_DATE = "0000-00-00 00:00:00"


class WordPressReader:
    """``records()`` of one WXR file, in file order: each item's Thread, then
    its comments."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.stream = XmlStream(path, "WordPress", record_depth=4)
        self._wp: set[str] = set()  # the file's wp namespace URIs
        self._site: dict[str, str] = {}  # the channel's own link and base URLs
        self._source = ""

    def progress(self) -> float | None:
        return self.stream.progress()

    def records(self) -> Iterator[Record]:
        stream = self.stream
        item: _Item | None = None
        items = 0
        for event, element, depth in stream.events():
            if event == "end":
                if depth == 4:
                    if item is None:
                        continue  # a channel's own nested details (its wp:author…)
                    wp_name = self._wp_name(element.tag)
                    if wp_name == "comment":
                        thread = item.thread
                        if thread is None:  # the item's fields so far name it
                            thread = item.make_thread()
                            yield thread
                        yield self._comment(element, thread.key, item.date)
                    else:
                        item.read(element, wp_name)
                elif depth == 3:
                    if item is not None and element.tag == "item":
                        if item.thread is None:
                            yield item.make_thread()
                        item = None
                    else:
                        self._read_site(element)
            elif event == "start":
                if depth == 1:
                    stream.check_root(element, "rss")
                elif depth == 3 and element.tag == "item":
                    self._check_namespace()
                    items += 1
                    item = _Item(items)
            elif WP_NAMESPACE.fullmatch(element[1]):  # start-ns
                self._wp.add(element[1])
        self._check_namespace()

    def _check_namespace(self) -> None:
        if not self._wp:
            raise ImportFailure(
                f"{self.stream.name} is not a WordPress export (an RSS file without"
                " WordPress's namespace, https://wordpress.org/export/1.x/)"
            )

    def _wp_name(self, tag: str) -> str | None:
        """``wp:name`` → ``name``, for any of the file's wp namespaces."""
        uri, _, name = tag[1:].partition("}")
        return name if tag.startswith("{") and uri in self._wp else None

    def _read_site(self, element: Element) -> None:
        name = element.tag if element.tag == "link" else self._wp_name(element.tag)
        if name in ("link", "base_site_url", "base_blog_url"):
            self._site[name] = text_of(element)

    def source(self) -> str:
        """The system and site the comments come from, for idempotence.

        The blog's own URL comes first: WordPress.com files give every blog
        the same ``base_site_url`` (https://wordpress.com/), and comment ids
        are only unique within one blog.
        """
        if not self._source:
            keys = ("base_blog_url", "base_site_url", "link")
            site = next((url for url in map(self._site.get, keys) if url), "")
            self._source = f"wordpress:{site.rstrip('/')}" if site else "wordpress"
        return self._source

    def _comment(self, element: Element, thread: str, post_date: datetime | None) -> Post | Skip:
        ns = namespace(element.tag)

        def field(name: str) -> str:
            return text_of(element.find(f"{{{ns}}}{name}"))

        comment_id = field("comment_id")
        if not comment_id:
            return Skip("no id", thread)
        kind = field("comment_type").lower()
        if kind in _NOT_COMMENTS:
            return Skip(kind, thread)
        approved = field("comment_approved").lower()
        if approved == "trash":
            return Skip("in the trash", thread)
        created = (
            _wp_time(field("comment_date_gmt")) or _wp_time(field("comment_date")) or post_date
        )
        if created is None:
            return Skip("no date", thread)
        parent = field("comment_parent")
        return Post(
            source=self.source(),
            key=f"{thread}/{comment_id}",
            thread=thread,
            parent=f"{thread}/{parent}" if parent and parent != "0" else None,
            author=html.unescape(field("comment_author")),
            email=field("comment_author_email") or None,
            body=to_text(field("comment_content"), newlines_are_breaks=True),
            status=_STATUSES.get(approved, Status.PENDING),
            created_at=created,
            address=field("comment_author_IP") or None,
        )


class _Item:
    """One ``<item>``'s fields, gathered as they stream past."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.post_id = ""
        self.link = ""
        self.title = ""
        self.date: datetime | None = None
        self.thread: Thread | None = None

    def read(self, element: Element, wp_name: str | None) -> None:
        if element.tag == "title":
            self.title = html.unescape(text_of(element))
        elif element.tag == "link":
            self.link = text_of(element)
        elif wp_name == "post_id":
            self.post_id = text_of(element)
        elif wp_name == "post_date_gmt":
            self.date = _wp_time(text_of(element))

    def make_thread(self) -> Thread:
        """The item as a Thread (from the fields read so far), keyed by its
        post id; without one (hand-made files), by the ``?p=`` id in its link,
        else its link, else its place in the file."""
        identifier = self.post_id or _post_id_in(self.link)
        self.thread = Thread(
            key=identifier or self.link or f"item {self.number}",
            identifier=identifier or None,
            url=self.link or None,
            title=self.title or None,
        )
        return self.thread


def _post_id_in(link: str) -> str:
    """``http://example.org/?p=4`` → ``4`` (WordPress's plain permalinks)."""
    if "?" not in link:
        return ""
    try:
        values = parse_qs(urlsplit(link).query).get("p", [])
    except ValueError:
        return ""
    return values[0] if values and values[0].isdigit() else ""


def _wp_time(text: str) -> datetime | None:
    """WordPress's ``2014-01-14 17:32:12`` as UTC; its empty date is none."""
    if not text or text == _NO_DATE:
        return None
    return parse_time(text)
