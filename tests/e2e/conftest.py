"""Browser test infrastructure: the service as a real server process, publisher
pages on a second origin with a strict CSP, and Debian's Chromium through
Playwright.

General on purpose (widget, admin and XSS tests share it):

- ``service`` (session): the service under gunicorn (tests/servers.py) on a
  free loopback port, schema made by ``flask db upgrade``, allowing the
  ``publisher`` origin; ``start_service(**settings)`` starts another one with
  ``COMMENTS_*`` settings of its own (stopped after the test).
- ``publisher`` (session) and ``stranger`` (session): page servers on other
  ports; ``publisher`` is in COMMENTS_ALLOWED_ORIGINS, ``stranger`` is not.
- ``browser`` (session) and ``page`` (per test, in a fresh context);
  ``browser_log`` collects the page's console errors and uncaught exceptions.
- ``wait_until(page, condition)`` waits for what only the test can see, such
  as a request held by a route handler.
- ``article_id`` (per test), ``box_tag``, ``open_box`` and ``write``: the box on
  a publisher's page, and a comment written into its form.
- ``request_json(url, data)`` and ``Service.posted``/``Service.seed``: other
  clients' requests, from outside the browser.
- ``axe_violations(page)`` runs axe-core (from node_modules) over the page,
  open shadow roots included.

Chromium tests skip when Chromium is missing, except when CI=true, where they fail.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..conftest import chromium_path, need
from ..servers import Gunicorn, migrate, server_env

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
# A comment body long enough for the default minimum of 50 characters.
LONG_BODY = "A considered reply about the article, long enough to pass the minimum."
# Generous limits so that many tests against one server never trip them;
# tests about limits start their own server with low ones.
TEST_SETTINGS = {
    "RATELIMIT_ENABLED": "true",
    "MIN_FILL_SECONDS": "0",
    "POST_LIMITS": "1000/minute",
    "READ_LIMITS": "10000/minute",
    # Tests post the same text to one article; test_defences.py covers the defence.
    "DUPLICATE_WINDOW": "0",
}


def request_json(url: str, data: dict[str, Any] | None = None) -> tuple[int, Any]:
    """GET ``url``, or POST ``data`` as JSON, as another client would; returns the
    status and the decoded answer."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, method="GET" if data is None else "POST")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


# --- the service ---------------------------------------------------------------


@dataclass
class Service:
    """A running service (gunicorn, from tests/servers.py) and ways to arrange data
    through its public API."""

    server: Gunicorn
    database: Path

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def origin(self) -> str:
        return self.server.url

    def script(self, name: str = "widget.js") -> str:
        return f"{self.url}/static/js/{name}"

    def listing(self, article_id: str) -> dict[str, Any]:
        status, data = request_json(f"{self.url}/api/v1/articles/{article_id}/comments")
        assert status == 200, data
        return data

    def post(
        self, article_id: str, author: str = "Priya S", body: str = LONG_BODY, **fields: Any
    ) -> tuple[int, dict[str, Any]]:
        """Post as the box does (with a fresh form token), but from outside a browser."""
        token = self.listing(article_id)["form"]["token"]
        payload = {"author": author, "body": body, "token": token, **fields}
        return request_json(f"{self.url}/api/v1/articles/{article_id}/comments", payload)

    def posted(
        self, article_id: str, author: str = "Priya S", body: str = LONG_BODY, **fields: Any
    ) -> dict[str, Any]:
        """``post``, which must publish (201); returns the comment as the service sent it."""
        status, data = self.post(article_id, author, body, **fields)
        assert status == 201, data
        return data

    def seed(self, article_id: str, *comments: tuple[str, str]) -> None:
        for author, body in comments:
            self.posted(article_id, author, body)

    def close_comments(self, article_id: str) -> None:
        """What an admin does to close an article, written straight to the database."""
        connection = sqlite3.connect(self.database)
        with connection:
            connection.execute(
                "INSERT INTO articles (id, closed, published_count, version) VALUES (?, 1, 0, 0) "
                "ON CONFLICT (id) DO UPDATE SET closed = 1",
                (article_id,),
            )
        connection.close()

    def stop(self) -> None:
        self.server.stop()


def start_service_process(directory: Path, allowed_origins: list[str], **settings: str) -> Service:
    """Create the schema with ``flask db upgrade``, then serve with gunicorn on a
    free port until /healthz answers.

    ``settings`` are COMMENTS_* variables without the prefix, e.g.
    ``post_limits="1/minute"`` or ``moderation="pre"``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    values = {
        **TEST_SETTINGS,
        "ALLOWED_ORIGINS": ",".join(allowed_origins),
        **{name.upper(): str(value) for name, value in settings.items()},
    }
    env = server_env(directory, **values)
    migrate(env)
    # One worker, so in-memory rate limits count exactly; threads for the
    # browser's parallel requests.
    server = Gunicorn(env, workers=1, threads=4, log_path=directory / "gunicorn.log").start()
    return Service(server, directory / "comments.db")


# --- publisher pages on another origin ------------------------------------------


# The publisher's own stylesheet is hostile on purpose: none of it may reach the
# box's shadow root. The page's font must (the box inherits it).
PUBLISHER_CSS = """
body { font-family: Georgia, serif; background: #fff; color: #111; margin: 2rem; }
li, label, button, textarea, input, h2, h3, time { display: none !important; }
p { color: #767676 !important; text-transform: uppercase; }
"""


@dataclass
class Publisher:
    """A page server on its own origin. Pages carry a strict CSP unless told otherwise."""

    server: ThreadingHTTPServer
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}"

    def add(self, html: str, csp: str, path: str | None = None) -> str:
        """Serve ``html`` with ``csp`` as its CSP header ("": none); return its URL."""
        path = path or f"/page-{len(self.pages)}.html"
        self.pages[path] = (html, csp)
        return self.origin + path

    def article(
        self,
        service: Service,
        content: str,
        *,
        title: str = "A publisher's article",
        csp: str | None = None,
    ) -> str:
        """An article page around ``content`` (e.g. the box's script tags), under a
        strict CSP that allows the service's scripts and API and nothing inline
        (``csp=""``: no CSP at all, for tests that must not lean on one)."""
        html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/site.css"></head>
<body><main><h1>{title}</h1><div>Words of the article, then the comments.</div>
{content}
</main></body></html>"""
        return self.add(html, strict_csp(service) if csp is None else csp)


def strict_csp(service: Service) -> str:
    return (
        f"default-src 'none'; script-src {service.origin}; connect-src {service.origin}; "
        "style-src 'self'; img-src 'self'"
    )


def _publisher_handler(publisher_ref: list[Publisher]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            publisher = publisher_ref[0]
            path = self.path.split("?", 1)[0]
            if path == "/favicon.ico":
                self._send(204, "image/x-icon", "", "")
            elif path == "/site.css":
                self._send(200, "text/css", PUBLISHER_CSS, "")
            elif path in publisher.pages:
                html, csp = publisher.pages[path]
                self._send(200, "text/html; charset=utf-8", html, csp)
            else:
                self._send(404, "text/plain", "not found", "")

        def _send(self, status: int, kind: str, text: str, csp: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def start_publisher() -> Publisher:
    holder: list[Publisher] = []
    server = ThreadingHTTPServer((HOST, 0), _publisher_handler(holder))
    server.daemon_threads = True
    holder.append(Publisher(server))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return holder[0]


@pytest.fixture(scope="session")
def publisher() -> Iterator[Publisher]:
    """Pages on an origin the service allows."""
    publisher = start_publisher()
    yield publisher
    publisher.server.shutdown()
    publisher.server.server_close()


@pytest.fixture(scope="session")
def stranger() -> Iterator[Publisher]:
    """Pages on an origin the service does not allow."""
    publisher = start_publisher()
    yield publisher
    publisher.server.shutdown()
    publisher.server.server_close()


@pytest.fixture(scope="session")
def service(publisher: Publisher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_service_process(tmp_path_factory.mktemp("service"), [publisher.origin])
    yield service
    service.stop()


@pytest.fixture
def start_service(publisher: Publisher, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """Start a service of the test's own, e.g. ``start_service(post_limits="1/minute")``."""
    started: list[Service] = []

    def start(**settings: str) -> Service:
        service = start_service_process(
            tmp_path / f"service-{len(started)}", [publisher.origin], **settings
        )
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


# --- the browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    need(executable is not None, "Chromium (the Debian 'chromium' package)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # two shared cores: be patient, never sleep
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserLog:
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser: Any, browser_log: BrowserLog) -> Iterator[Any]:
    """A page in a fresh context (its own storage), recording errors and dialogs."""
    context = browser.new_context()
    page = context.new_page()

    def on_console(message: Any) -> None:
        # Chromium asks every origin for a favicon; that 404 is nobody's error.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            browser_log.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: browser_log.errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        browser_log.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def wait_until(page: Any, condition: Callable[[], object], timeout: float = 10) -> None:
    """Wait for something only the test can see (e.g. a route handler was called).

    Playwright delivers events while it waits, so short waits let it run.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {condition}")
        page.wait_for_timeout(25)


# --- the box on a publisher's page ---------------------------------------------------


@pytest.fixture
def article_id() -> str:
    """Each test its own article, so tests share one server without meeting."""
    return f"art-{uuid.uuid4().hex[:12]}"


def box_tag(service: Service, article_id: str, **data: str) -> str:
    """The snippet a publisher pastes; ``data`` become data-* attributes."""
    attributes = "".join(
        f' data-{name.replace("_", "-")}="{html.escape(value)}"'
        for name, value in {"article_id": article_id, **data}.items()
    )
    return f'<script src="{service.script()}"{attributes} async></script>'


def open_box(
    page: Page, publisher: Publisher, service: Service, article_id: str, **data: str
) -> None:
    """The box on an article page, waited for until it shows its count."""
    from playwright.sync_api import expect

    page.goto(publisher.article(service, box_tag(service, article_id, **data)))
    expect(
        page.get_by_role("heading", name=re.compile(r"^Reader Comments \(\d+\)$"))
    ).to_be_visible()


def write(scope: Page | Locator, name: str, body: str) -> None:
    """Fill the Name and Comment fields of the form in ``scope`` (a page, or a thread)."""
    scope.get_by_label("Name").fill(name)
    scope.get_by_label("Comment", exact=True).fill(body)


# --- accessibility ----------------------------------------------------------------


def axe_violations(page: Any, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations for the whole page, open shadow roots included.

    The script is evaluated through the DevTools protocol, which the page's CSP
    does not govern, so the page needs no relaxed policy for the check.
    """
    need(AXE.is_file(), "axe-core (run `npm ci`)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async (options) => {
            const result = await axe.run(document, options);
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
            }));
        }""",
        options or {},
    )


# --- what the service stored ------------------------------------------------------


def database_rows(service: Service, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """What the service stored, read straight from its SQLite file."""
    connection = sqlite3.connect(service.database)
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()
