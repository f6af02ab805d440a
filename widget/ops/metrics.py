"""/metrics: what the service is doing, in the Prometheus text format.

    comments_http_requests_total{route, method, status}   every answer
    comments_http_request_duration_seconds{route}         how long it took
    comments_posted_total{outcome="published"|"held"}     posts the API stored
    comments_held, comments_reported, ...                 read from the database
                                                          at each scrape

``route`` is the URL rule (``/api/v1/articles/<any_id:article_id>/comments``),
never the path: a label per article ID, or per path a scanner tries, would
grow without bound. Paths no rule matches count as ``route="unmatched"``, and
methods nobody routes as ``method="other"``, for the same reason.

Under gunicorn every worker counts on its own; prometheus_client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, which gunicorn.conf.py sets
up before any worker starts) keeps the counts in files that each scrape adds
up, so any worker answers for all. Without it (``flask run``, tests) the
process's own registry answers.

Who may read it: a request from the machine itself (loopback), or one with
``Authorization: Bearer <COMMENTS_METRICS_TOKEN>``. Anybody else gets the
same 404 as any unknown address, so the page's existence is not revealed.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound

from ..extensions import db, limiter
from ..models import Comment, Status
from ..privacy import is_loopback

log = logging.getLogger(__name__)

# prometheus_client chose its mode when it was imported, from this variable;
# the scrape must read the same way the counting writes.
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None

UNMATCHED = "unmatched"
ROUTE_KEY = "comments.url_rule"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Listings and 304s take well under a millisecond; the default buckets start at 5 ms.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "comments_http_requests",
    "HTTP requests answered, by URL rule, method and status.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "comments_http_request_duration_seconds",
    "Time from the request reaching the app to its answer, by URL rule.",
    ["route"],
    buckets=BUCKETS,
)
POSTED = Counter(
    "comments_posted", "Comments the API stored, by outcome: published or held.", ["outcome"]
)
# Both series exist from the start, so rate() sees the first post of each kind.
_PUBLISHED = POSTED.labels(outcome="published")
_HELD = POSTED.labels(outcome="held")

Gauges = Mapping[str, tuple[str, Callable[[], float]]]


def count_post(*, published: bool) -> None:
    """One comment stored by the API: published at once, or held for an admin."""
    (_PUBLISHED if published else _HELD).inc()


def held_count() -> int:
    """Comments waiting for an admin (status pending, whatever held them)."""
    query = select(func.count()).select_from(Comment).where(Comment.status == Status.PENDING)
    return db.session.scalar(query) or 0


class RequestMetrics:
    """WSGI middleware: count and time every answer with the status it was sent with.

    Around the whole app rather than in Flask hooks, so that aborts, error
    handlers, 304s and even a failing after_request hook are counted as the
    client saw them. The route is the rule Flask matched, which a teardown
    hook leaves in the environ (``_note_route``): by the time the app returns,
    Flask has let go of its request object.

    Every request pays for this: the labelled series are looked up once per
    (route, method, status) and kept, so a request costs two dict lookups,
    one increment and one observation.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        status = "500"  # what the server answers when the app raises instead

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status
            status = code[:3]
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            self._observe(environ, status, time.perf_counter() - started)

    def _observe(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        rule = environ.get(ROUTE_KEY)
        route = UNMATCHED if rule is None else rule.rule
        method = environ.get("REQUEST_METHOD", "")
        key = (route, method if method in METHODS else "other", status)
        series = self._series.get(key)
        if series is None:
            series = (REQUESTS.labels(*key), DURATION.labels(route))
            self._series[key] = series  # bounded: rules x methods x the app's statuses
        series[0].inc()
        series[1].observe(seconds)


def _note_route(_error: BaseException | None) -> None:
    """Teardown runs for every request, however it ended, while the request
    (and the rule it matched, or None) is still at hand."""
    request.environ[ROUTE_KEY] = request.url_rule


class DatabaseGauges:
    """A collector of numbers read from the database when scraped (queue
    sizes), not counted as they change: every worker would see the same rows.

    A number that cannot be read is left out of that scrape (and logged), so
    the request counters still arrive while the database is in trouble.
    """

    def __init__(self, gauges: Gauges) -> None:
        self.gauges = dict(gauges)

    def collect(self) -> Iterator[Metric]:
        for name, (documentation, read) in self.gauges.items():
            try:
                value = read()
            except SQLAlchemyError as error:
                db.session.rollback()
                log.warning("metrics: %s not read: %s", name, type(error).__name__)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def _scraped(gauges: DatabaseGauges) -> CollectorRegistry:
    """A registry for one scrape: every worker's counts, then the database's numbers."""
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        MultiProcessCollector(registry, MULTIPROCESS_DIR)
    else:
        registry.register(REGISTRY)  # a registry collects like any collector
    registry.register(gauges)
    return registry


_FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def _allowed() -> bool:
    """A bearer token, when one is given, must be the right one (even from
    loopback); without one, only the machine itself may look."""
    header = request.headers.get("Authorization")
    if header is not None:
        token = current_app.config.get("METRICS_TOKEN")
        scheme, _, given = header.strip().partition(" ")
        return (
            bool(token)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(given.strip().encode(), str(token).encode())
        )
    if not current_app.config["TRUSTED_PROXIES"] and any(
        name in request.headers for name in _FORWARDED
    ):
        # A proxy on this machine relayed somebody's request, and no proxy is
        # trusted to say whose: loopback is the proxy, not the client.
        return False
    return is_loopback(request.remote_addr)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@limiter.exempt
def scrape() -> Response:
    if not _allowed():
        raise NotFound()  # the very answer of any unknown address
    # The classic text format whatever Accept asks: every Prometheus reads it,
    # and prometheus_client's negotiation raises on a malformed version.
    body = generate_latest(_scraped(current_app.extensions["comments.metrics"]))
    response = Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, gauges: Gauges) -> None:
    """Count every request, and serve /metrics with ``gauges``: name ->
    (help text, a function without arguments that returns the number now).
    The functions run inside the scrape's request, so they may use the database."""
    app.extensions["comments.metrics"] = DatabaseGauges(gauges)
    app.register_blueprint(bp)
    app.teardown_request(_note_route)
    app.wsgi_app = RequestMetrics(app.wsgi_app)  # type: ignore[method-assign]
