"""One structured line per request, on stdout.

Each request is written as one JSON object on one line, to the logger
``comments.request`` (a stdout handler unless logging is configured
otherwise):

    {"ts": "2026-05-01T08:00:00.123Z", "event": "request", "method": "GET",
     "path": "/api/v1/articles/nk-missile-2025/comments", "status": 200,
     "ms": 0.41, "article_id": "nk-missile-2025", "client": "5b1c0e9f2a7d"}

What is never written: the query string, headers, cookies, bodies, and the
client's address. ``client`` is a keyed hash of the address (stable per
client, not reversible without the secret key) so an operator can tell one
noisy client from many; anything in the path that looks like an email
address is replaced by ``[email]``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from .articles import ARTICLE_ID

log = logging.getLogger("comments.request")

_ARTICLE_PATH = re.compile(r"/api/v1/articles/([^/]+)/comments")
_EMAIL = re.compile(r"[^/@\s]+@[^/@\s]+")
MAX_PATH = 256


class _Stdout(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class RequestLog:
    """WSGI middleware: time the request, then write its line."""

    def __init__(self, app: Callable[..., Iterable[bytes]], secret_key: str) -> None:
        self.app = app
        key = hashlib.sha256(b"request-log:" + secret_key.encode()).digest()
        # A bounded memo: the same few clients make most requests.
        self._client = functools.lru_cache(maxsize=4096)(
            lambda address: hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:12]
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not log.isEnabledFor(logging.INFO):
            return self.app(environ, start_response)
        started = time.perf_counter()
        status: list[str] = []

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            self._write(environ, status[-1] if status else "500", started)

    def _write(self, environ: dict[str, Any], status: str, started: float) -> None:
        path = environ.get("PATH_INFO", "")
        record: dict[str, Any] = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "event": "request",
            "method": environ.get("REQUEST_METHOD", ""),
            "path": _clean(path),
            "status": int(status[:3]) if status[:3].isdigit() else 0,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
        match = _ARTICLE_PATH.fullmatch(path)
        if match and ARTICLE_ID.fullmatch(match[1]):
            record["article_id"] = match[1]
        elif path == "/api/v1/counts":
            record["articles"] = environ.get("QUERY_STRING", "").count("article_id=")
        # After ProxyFix ran, REMOTE_ADDR is the client as far as proxies are trusted.
        record["client"] = self._client(environ.get("REMOTE_ADDR") or "unknown")
        log.info(json.dumps(record, ensure_ascii=False, separators=(",", ":")))


def _clean(path: str) -> str:
    if "@" in path:
        path = _EMAIL.sub("[email]", path)
    return path if len(path) <= MAX_PATH else path[:MAX_PATH] + "…"


def init_app(app: Flask) -> None:
    """Wrap the app (outside ProxyFix's effect on the environ) and set up stdout."""
    if not log.handlers:
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    app.wsgi_app = RequestLog(app.wsgi_app, app.config["SECRET_KEY"])  # type: ignore[method-assign]
