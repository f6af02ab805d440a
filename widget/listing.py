"""The read path: one article's published comments, a page at a time.

Pages are keyset-paginated on the comment id (no OFFSET), so page 1 of a
100,000-comment article costs what page 1 of a 100-comment article costs.
A serialised page is cached in-process under the article's version, which
every change bumps; a stale page is simply never looked up again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select

from .extensions import db
from .models import Article, Comment, Status
from .tokens import Cursor

SORTS = ("newest", "oldest")
# Form tokens in a listing are renewed this often; the ETag carries the
# period, so a revalidated (304) listing never hands out a stale token.
TOKEN_PERIOD_SECONDS = 600


@dataclass(frozen=True)
class PageKey:
    article_id: str
    version: int
    sort: str
    limit: int
    after_id: int | None

    def etag(self, now: float | None = None) -> str:
        period = int((time.time() if now is None else now) // TOKEN_PERIOD_SECONDS)
        raw = f"{self.article_id}\0{self.version}\0{self.sort}\0{self.limit}\0{self.after_id}"
        digest = hashlib.blake2b(raw.encode(), digest_size=9).hexdigest()
        return f"{digest}-{period}"


class PageCache:
    """A small thread-safe LRU of serialised pages (JSON text without the form)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._pages: OrderedDict[PageKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: PageKey, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def init_app(app: Flask) -> None:
    # One cache per app: two apps in one process (tests) never share pages.
    app.extensions["comments.pages"] = PageCache()


def _pages() -> PageCache:
    return current_app.extensions["comments.pages"]


def page_key(article_id: str, sort: str, limit: int, cursor: Cursor | None) -> PageKey:
    version = db.session.scalar(select(Article.version).where(Article.id == article_id))
    return PageKey(article_id, version or 0, sort, limit, cursor.after_id if cursor else None)


def render(key: PageKey) -> str:
    """The page as JSON text, every member of the listing but ``form``."""
    cached = _pages().get(key)
    if cached is not None:
        return cached
    newest = key.sort == "newest"
    query = (
        select(Comment)
        .where(Comment.article_id == key.article_id, Comment.status == Status.PUBLISHED)
        .order_by(Comment.id.desc() if newest else Comment.id.asc())
        .limit(key.limit + 1)
    )
    if key.after_id is not None:
        query = query.where(Comment.id < key.after_id if newest else Comment.id > key.after_id)
    rows = list(db.session.scalars(query))
    more = len(rows) > key.limit
    rows = rows[: key.limit]
    next_cursor = Cursor(key.sort, rows[-1].id).encode() if more else None
    total = db.session.scalar(select(Article.published_count).where(Article.id == key.article_id))
    page = json.dumps(
        {
            "article_id": key.article_id,
            "total": total or 0,
            "comments": [row.to_public() for row in rows],
            "next_cursor": next_cursor,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    _pages().put(key, page)
    return page
