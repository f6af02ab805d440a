"""The listing's hot answers, given before Flask's request machinery runs.

A thin WSGI layer just inside ProxyFix (so it sees the client address that
limits use) and inside the request log and metrics middleware (so every
answer it gives is logged and counted by the very code that logs and counts
Flask's). It answers only what it is sure of: ``GET`` or ``HEAD`` of
``/api/v1/articles/<valid id>/comments`` with no query string or only
``sort`` and ``limit`` values the view accepts, spelt plainly, once each:

* a 304 when ``If-None-Match`` names the current ETag (``listing.names``);
* else the cached page (``listing.PageCache``) with a fresh form token.

The answer is byte for byte what ``api.list_comments`` sends (status, body,
headers in the same order, as tests/public/test_fast_revalidation.py checks
against the Flask path). Everything else goes on to Flask: a cursor, any
other parameter or percent-encoding, a bad value (so the 400 comes from the
view), a page not in the cache, a version that needs the database (no Redis,
no SQLite file), and every request the read limit would refuse.

With rate limits on, the layer counts the request against the view's read
limit itself: same storage, same key (``privacy.limit_key`` of the client),
same scope (the endpoint), through Flask-Limiter's own strategy object, so a
hit counted here and one counted by the decorator are the same hit. It
answers only when every limit admits the request; otherwise Flask counts
and answers (the 429 has one source). While the limits storage is down
(Flask-Limiter's fallback), or when the limiter was set up with anything
this layer does not reproduce (limit headers, meta or default limits,
request filters), Flask answers every listing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from limits import RateLimitItem, parse_many

from .. import articles, cache
from ..extensions import limiter
from ..ops.metrics import ROUTE_KEY
from ..privacy import client_key, limit_key
from . import listing
from .api import LIST_CACHE_CONTROL

ENDPOINT = "api.list_comments"
_PATH = re.compile(rf"/api/v1/articles/({articles.ARTICLE_ID.pattern})/comments")
# One query pair as the view takes it; a limit the view would refuse is left to it.
_PAIR = re.compile(r"(sort)=(newest|oldest|top)|(limit)=([0-9]{1,10})")
_PRIVATE_NETWORK = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"
_NOT_MODIFIED = "304 NOT MODIFIED"
_OK = "200 OK"


def _query(text: str) -> tuple[str, int] | None:
    """``(sort, limit)`` of a plain query string, or None for anything else."""
    found: dict[str, str] = {}
    if text:
        for pair in text.split("&"):
            match = _PAIR.fullmatch(pair)
            if match is None:
                return None
            name, value = (match[1], match[2]) if match[1] else (match[3], match[4])
            if name in found:
                return None  # the view's 400: at most once
            found[name] = value
    limit = int(found.get("limit", "20"))
    if not 1 <= limit <= 100:
        return None
    return found.get("sort", "newest"), limit


@functools.lru_cache(maxsize=16)
def _limit_items(limits: str) -> tuple[RateLimitItem, ...]:
    # In the order Flask-Limiter tries them (and stops at the first refusal).
    return tuple(sorted(parse_many(limits)))


@functools.lru_cache(maxsize=4096)  # the same few clients make most requests
def _limit_key(secret_key: str, address: str | None) -> str:
    """``extensions._limit_key`` for a request that signs nobody in (the
    listing never does): ``privacy.limit_key`` of the client."""
    return limit_key(client_key(address), secret_key)


class FastListing:
    """WSGI middleware: the listing's 304s and cached pages (see the module)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.flask = app
        self.wsgi_app = wsgi_app
        self.enabled = True  # tests turn it off to get Flask's own answer
        self._rule: Any = None  # the URL rule metrics report; routes come later

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        answer = self._answer(environ) if self.enabled else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        environ[ROUTE_KEY] = self._rule
        start_response(status, headers)
        return [body] if body and environ["REQUEST_METHOD"] == "GET" else []

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        query = _query(environ.get("QUERY_STRING", ""))
        if query is None or _PRIVATE_NETWORK in environ:
            return None  # flask-cors answers that header (with one of its own)
        article_id = match[1]
        version = cache.versions_of(self.flask).known(article_id)
        if version is None:
            return None
        key = listing.PageKey(article_id, version, query[0], query[1], None)
        etag = key.etag()
        fresh = listing.names(environ.get("HTTP_IF_NONE_MATCH"), etag)
        page = None if fresh else listing.pages_of(self.flask).get(key)
        if not fresh and page is None:
            return None  # Flask builds the page (and keeps it)
        if self._rule is None:
            self._rule = next(r for r in self.flask.url_map.iter_rules() if r.endpoint == ENDPOINT)
        if not self._admitted(environ):
            return None
        # listing.validators' headers, then what Response and public_read add.
        headers = [
            ("ETag", f'W/"{etag}"'),
            ("Cache-Control", LIST_CACHE_CONTROL),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if fresh:
            headers.append(("Access-Control-Allow-Origin", "*"))
            return _NOT_MODIFIED, headers, b""
        assert page is not None  # noqa: S101 (narrowing for the type checker)
        form = listing.form_json_for(self.flask.config, article_id)
        body = (page[:-1] + ',"form":' + form + "}").encode()
        headers += [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Access-Control-Allow-Origin", "*"),
        ]
        return _OK, headers, body

    def _admitted(self, environ: dict[str, Any]) -> bool:
        """Count this request against the read limit as the view's decorator
        would; False when Flask must answer (refused, or not reproducible)."""
        if not (self.flask.config["RATELIMIT_ENABLED"] and limiter.enabled):
            return True
        if not self._counts_like_the_decorator():
            return False
        items = _limit_items(self.flask.config["READ_LIMITS"])
        key = _limit_key(self.flask.config["SECRET_KEY"], environ.get("REMOTE_ADDR"))
        prefix = limiter._key_prefix
        args = (prefix, key, ENDPOINT) if prefix else (key, ENDPOINT)
        strategy = limiter.limiter
        try:
            # Several limits: test them all first, so a refusal here leaves
            # nothing counted and Flask's count is the only one.
            if len(items) > 1 and not all(strategy.test(item, *args) for item in items):
                return False
            return all(strategy.hit(item, *args) for item in items)
        except Exception:  # the storage in trouble: Flask-Limiter's fallback decides
            return False

    def _counts_like_the_decorator(self) -> bool:
        manager = limiter.limit_manager
        return bool(
            limiter.initialized
            and not limiter._storage_dead
            and not limiter._headers_enabled
            and not limiter._request_filters
            and not limiter._meta_limits
            and not manager.default_limits
            and not manager.application_limits
        )


def init_app(app: Flask) -> None:
    """Put the layer in front of Flask itself (before ProxyFix wraps the app)."""
    layer = FastListing(app, app.wsgi_app)
    app.extensions["comments.fast_listing"] = layer
    app.wsgi_app = layer  # type: ignore[method-assign]
