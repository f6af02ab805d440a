"""The read path: one article's published comments, a page at a time, and
one thread's replies.

Pages are keyset-paginated (no OFFSET; thread_pages.py reads them), so page 1
of a 100,000-comment article costs what page 1 of a 100-comment article costs.
A serialised page is cached in-process under the article's version, which
every change bumps; a stale page is simply never looked up again. The version
itself comes from widget/cache.py, which avoids a database round trip where
the deployment allows it, so a cached page or a 304 never reads comment rows.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, NoReturn

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import cache
from ..errors import abort_json
from ..extensions import db
from ..models import MAX_ID, Article
from ..moderation.tokens import issue_form_token
from . import thread_pages
from .cursor import Cursor

SORTS = ("newest", "oldest", "top")
# Form tokens in a listing are renewed this often; the ETag carries the
# period, so a revalidated (304) listing never hands out a stale token.
TOKEN_PERIOD_SECONDS = 600
# Pages kept per process; PAGE_CACHE_SIZE in the app config (0 turns the cache
# off: the benchmark does that to time the database path itself).
DEFAULT_PAGE_CACHE_SIZE = 4096


class PageKey(NamedTuple):
    """What a page depends on. A tuple: built and hashed on every listing."""

    article_id: str
    version: int
    sort: str
    limit: int
    after_id: int | None
    after_likes: int | None = None
    # A replies page: the top-level comment whose thread it pages.
    thread_id: int | None = None
    # The HTML fragment (fragment.py) of this page, in this language; None: JSON.
    html_language: str | None = None

    def etag(self) -> str:
        if self.html_language is not None:
            return _digest(self)  # no form token in it: changes with the article only
        period = int(time.time() // TOKEN_PERIOD_SECONDS)
        return f"{_digest(self)}-{period}"


@functools.lru_cache(maxsize=8192)
def _digest(key: PageKey) -> str:
    raw = "\0".join(str(part) for part in key)
    return hashlib.blake2b(raw.encode(), digest_size=9).hexdigest()


class PageCache:
    """A small thread-safe LRU of serialised pages (JSON text without the form)."""

    def __init__(self, size: int = DEFAULT_PAGE_CACHE_SIZE) -> None:
        self._size = size
        self._pages: OrderedDict[PageKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> str | None:
        if not self._size:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: PageKey, page: str) -> None:
        if not self._size:
            return
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
    app.extensions["comments.pages"] = PageCache(
        app.config.get("PAGE_CACHE_SIZE", DEFAULT_PAGE_CACHE_SIZE)
    )
    cache.init_app(app)


def _pages() -> PageCache:
    return pages_of(current_app)


def pages_of(app: Flask) -> PageCache:
    """The app's page cache (for the WSGI layer, outside any app context)."""
    return app.extensions["comments.pages"]


def page_key(
    article_id: str,
    sort: str,
    limit: int,
    cursor: Cursor | None,
    thread_id: int | None = None,
    html_language: str | None = None,
) -> PageKey:
    version = cache.current_version(article_id)
    after_id = cursor.after_id if cursor else None
    after_likes = cursor.after_likes if cursor else None
    return PageKey(
        article_id, version, sort, limit, after_id, after_likes, thread_id, html_language
    )


def cached(key: PageKey, build: Callable[[], str]) -> str:
    """The page under ``key`` from the page cache, else ``build()``'s, kept
    there: how another format of a page (the HTML fragment) shares the cache."""
    page = _pages().get(key)
    if page is None:
        page = build()
        _pages().put(key, page)
    return page


def form_json(article_id: str) -> str:
    """The listing's ``form`` member as JSON text, with a token of its own.

    Built for every 200: a token admits one post, so two answers never share
    one. A 304 leaves the reader with the token it already has, which the
    ETag's period keeps from expiring.
    """
    return form_json_for(current_app.config, article_id)


def form_json_for(config: Mapping[str, Any], article_id: str) -> str:
    """``form_json`` for an app's ``config`` (the WSGI layer has no app context)."""
    before, after = _form_frame(
        config["MIN_LENGTH"],
        config["MAX_LENGTH"],
        config["LIKE_LABEL"],
        config["EDIT_WINDOW"],
        config["SSO_REQUIRED"],
    )
    # A token is URL-safe base64 and dots: a JSON string as it stands.
    return f'{before}"{issue_form_token(article_id, config["SECRET_KEY"])}"{after}'


_TOKEN_SLOT = '"token":"-"'  # noqa: S105 (where the form token goes, not one)


@functools.lru_cache(maxsize=16)
def _form_frame(
    min_length: int, max_length: int, like_label: str, edit_window: int, sso_required: bool
) -> tuple[str, str]:
    """The form's JSON on either side of the token, encoded once per setting."""
    text = json.dumps(
        {
            "min_length": min_length,
            "max_length": max_length,
            "token": "-",
            # For the box: the reaction button's word, and how long edits stay open.
            "like_label": like_label,
            "edit_window": edit_window,
            # COMMENTS_SSO_REQUIRED: the box shows "Sign in to comment" instead.
            "login_required": sso_required,
        },
        separators=(",", ":"),
    )
    before, _slot, after = text.partition(_TOKEN_SLOT)  # the first: only numbers precede it
    return before + '"token":', after


def render(key: PageKey) -> str:
    """The page as JSON text: every member of the listing but ``form``, or a
    replies page."""
    return cached(key, lambda: _json_page(key))


def _json_page(key: PageKey) -> str:
    after = Cursor(key.sort, key.after_id, key.after_likes) if key.after_id else None
    if key.thread_id is not None:
        content = _replies_content(key, after)
    else:
        comments, following = thread_pages.top_level_page(
            key.article_id, key.sort, key.limit, after
        )
        total = db.session.scalar(
            select(Article.published_count).where(Article.id == key.article_id)
        )
        content = {
            "article_id": key.article_id,
            "total": total or 0,
            "comments": comments,
            "next_cursor": following.encode() if following else None,
        }
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def _replies_content(key: PageKey, after: Cursor | None) -> dict[str, object]:
    assert key.thread_id is not None  # noqa: S101 (narrowing for the type checker)
    root = thread_pages.listed_root(key.article_id, key.thread_id)
    if root is None:
        comment_not_found()
    replies, following = thread_pages.replies_page(root, key.limit, after)
    return {
        "comment_id": root.id,
        "replies": replies,
        "next_cursor": following.encode() if following else None,
    }


def respond(key: PageKey, cache_control: str) -> Response:
    """The listing for ``key``: 304 when the client's copy is current, else 200.

    The hot path of the service: no database access beyond the version, and
    nothing built that a cached page or a 304 does not need.
    """
    etag = key.etag()
    headers = validators(etag, cache_control)
    if client_has(etag):
        return Response(status=304, headers=headers)
    body = render(key)
    if key.thread_id is None:
        body = body[:-1] + ',"form":' + form_json(key.article_id) + "}"
    return Response(body, headers=headers, content_type="application/json")


def validators(etag: str, cache_control: str) -> dict[str, str]:
    """The headers of a revalidatable answer (and of its 304)."""
    return {
        "ETag": f'W/"{etag}"',
        "Cache-Control": cache_control,
        # headers.py would add it anyway; set here, its check finds it at once.
        "X-Content-Type-Options": "nosniff",
    }


def client_has(etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or is ``*``)."""
    return names(request.environ.get("HTTP_IF_NONE_MATCH"), etag)


def names(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value names ``etag`` (or is ``*``). Our
    tags are quoted and never contain a quote, so finding the quoted tag in
    the header is the weak comparison, without parsing the whole list."""
    return bool(if_none_match) and (f'"{etag}"' in if_none_match or if_none_match.strip() == "*")


def comment_not_found() -> NoReturn:
    """The 404 of every route about one comment that this article does not show."""
    abort_json(404, "not_found", _("No such comment on this article."))


def require_comment_id(comment_id: int) -> None:
    """An id past MAX_ID names no comment (and must not reach a query)."""
    if comment_id > MAX_ID:
        comment_not_found()
