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
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from ..articles import ARTICLE_ID
from ..privacy import client_key, keyed_hash

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


def client_hash(secret_key: str, address: str) -> str:
    """The ``client`` of a log line: other logs (failed sign-ins) use it too.
    One hash per client (an IPv6 /64 is one), as limits and bans see them."""
    return keyed_hash(secret_key, "request-log", client_key(address), 12)


class RequestLog:
    """WSGI middleware: time the request, then write its line.

    Every request pays for this, so the line is put together by hand (only the
    path needs JSON escaping) and, while the logger has nothing but its own
    stdout handler, written straight to stdout instead of through a LogRecord.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], secret_key: str) -> None:
        self.app = app
        # A bounded memo: the same few clients make most requests.
        self._client = functools.lru_cache(maxsize=4096)(
            lambda address: client_hash(secret_key, address)
        )
        self._second = -1
        self._stamp = ""

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
            self._write(environ, status[-1][:3] if status else "500", started)

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int(now % 1 * 1000):03d}Z"

    def _write(self, environ: dict[str, Any], status: str, started: float) -> None:
        ms = (time.perf_counter() - started) * 1000
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        extra = ""
        match = _ARTICLE_PATH.fullmatch(path)
        if match and ARTICLE_ID.fullmatch(match[1]):
            extra = f',"article_id":"{match[1]}"'  # letters, digits and -_.:~ only
        elif path == "/api/v1/counts":
            extra = f',"articles":{environ.get("QUERY_STRING", "").count("article_id=")}'
        # After ProxyFix ran, REMOTE_ADDR is the client as far as proxies are trusted.
        client = self._client(environ.get("REMOTE_ADDR") or "unknown")
        line = (
            f'{{"ts":"{self._timestamp()}","event":"request","method":{_json(method)},'
            f'"path":{_json(_clean(path))},"status":{int(status) if status.isdigit() else 0},'
            f'"ms":{ms:.2f}{extra},"client":"{client}"}}'
        )
        if log.handlers == _DEFAULT_HANDLERS and not log.filters:
            stream = sys.stdout
            stream.write(line + "\n")
            stream.flush()
        else:
            log.info(line)


_PLAIN = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but the quote and backslash


def _json(value: str) -> str:
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def _clean(path: str) -> str:
    if "@" in path:
        path = _EMAIL.sub("[email]", path)
    return path if len(path) <= MAX_PATH else path[:MAX_PATH] + "…"


_DEFAULT_HANDLERS: list[logging.Handler] = []


def init_app(app: Flask) -> None:
    """Wrap the app (outside ProxyFix's effect on the environ) and set up stdout."""
    if not log.handlers:
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
        _DEFAULT_HANDLERS[:] = [handler]
    app.wsgi_app = RequestLog(app.wsgi_app, app.config["SECRET_KEY"])  # type: ignore[method-assign]
