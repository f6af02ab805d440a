"""/metrics (contract 1.1): Prometheus text that an operator's Prometheus on
the same machine, or one holding COMMENTS_METRICS_TOKEN, may read, and nobody
else may even see; counts that follow what readers do; queue sizes that follow
the database; labels that no request can multiply; and, under gunicorn, one
count for all the workers together.
"""

from __future__ import annotations

import os
import runpy
import secrets
import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from widget.extensions import db
from widget.moderation import actions, reports
from widget.moderation.selection import Selection
from widget.ops.metrics import METHODS

from ..conftest import comments_url, form_token, make_app, posted, reader
from ..servers import REPO, Gunicorn, migrate, server_env, split_response

LISTING = "/api/v1/articles/<any_id:article_id>/comments"
REQUESTS = "comments_http_requests_total"
TOKEN = "metrics-token-" + "k" * 32
PUBLIC = "203.0.113.9"
FAMILIES = {
    "comments_http_requests",
    "comments_http_request_duration_seconds",
    "comments_posted",
    "comments_held",
    "comments_reported",
    "comments_outbox_backlog",
}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def read(exposition: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return read(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests(samples: Samples, route: str, method: str, status: int) -> float:
    return value(samples, REQUESTS, route=route, method=method, status=str(status))


# --- who may read it -------------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1"])
def test_the_machine_itself_reads_the_metrics_without_a_token(tmp_path: Path, address: str) -> None:
    app = make_app(tmp_path)
    response = reader(app, address).get("/metrics", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Set-Cookie" not in response.headers
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert names >= FAMILIES


@pytest.mark.parametrize("address", [PUBLIC, "2001:db8::7", "::ffff:203.0.113.9", "10.0.0.5"])
def test_any_other_address_gets_the_404_of_an_unknown_page(tmp_path: Path, address: str) -> None:
    visitor = reader(make_app(tmp_path), address)
    refused = visitor.get("/metrics")
    unknown = visitor.get("/no-such-page")

    assert refused.status_code == unknown.status_code == 404
    assert refused.data == unknown.data  # nothing tells /metrics exists
    assert "comments_" not in refused.text


def test_a_request_relayed_by_a_proxy_on_this_machine_is_not_loopback(tmp_path: Path) -> None:
    # No proxy trusted (COMMENTS_TRUSTED_PROXIES unset): loopback is the proxy itself.
    relayed = reader(make_app(tmp_path), "127.0.0.1")
    assert relayed.get("/metrics", headers={"X-Forwarded-For": PUBLIC}).status_code == 404
    assert relayed.get("/metrics", headers={"Forwarded": f"for={PUBLIC}"}).status_code == 404

    # One trusted proxy: the client is whoever it says.
    (tmp_path / "proxied").mkdir()
    proxied = reader(make_app(tmp_path / "proxied", TRUSTED_PROXIES=1), "127.0.0.1")
    assert proxied.get("/metrics", headers={"X-Forwarded-For": PUBLIC}).status_code == 404
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer  {TOKEN} "])
def test_the_token_opens_the_metrics_from_anywhere(tmp_path: Path, header: str) -> None:
    app = make_app(tmp_path, METRICS_TOKEN=TOKEN)
    response = reader(app, PUBLIC).get("/metrics", headers={"Authorization": header})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "comments_posted_total" in response.text


WRONG = [
    "Bearer wrong",
    f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}",
    f"Basic {TOKEN}",
    TOKEN,
    "Bearer",
    "Bearer ",
    "Bearer tök\u00e9n",
]


@pytest.mark.parametrize("header", WRONG)
@pytest.mark.parametrize("address", [PUBLIC, "127.0.0.1"])
def test_a_wrong_token_never_passes_not_even_from_loopback(
    tmp_path: Path, header: str, address: str
) -> None:
    app = make_app(tmp_path, METRICS_TOKEN=TOKEN)
    response = reader(app, address).get("/metrics", headers={"Authorization": header})

    assert response.status_code == 404
    assert "comments_" not in response.text


def test_without_a_token_set_no_token_passes_and_the_public_gets_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    assert reader(app, PUBLIC).get("/metrics").status_code == 404  # missing
    for address in (PUBLIC, "127.0.0.1"):
        sent = reader(app, address).get("/metrics", headers={"Authorization": "Bearer "})
        assert sent.status_code == 404


def test_the_public_limits_never_hold_back_a_scrape(tmp_path: Path) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, READ_LIMITS="1/minute")
    client = app.test_client()
    assert [client.get(comments_url("a1")).status_code for _ in range(2)] == [200, 429]

    assert [client.get("/metrics").status_code for _ in range(5)] == [200] * 5


# --- what it counts --------------------------------------------------------------


def test_listings_and_posts_are_counted_with_the_status_readers_got(
    client: FlaskClient,
) -> None:
    before = scrape(client)
    token = form_token(client, "a1")
    etag = client.get(comments_url("a1")).headers["ETag"]
    assert client.get(comments_url("a1"), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(comments_url("x" * 300)).status_code == 400
    posted(client, token=token)  # 201, published
    posted(client, status=202, token=None)  # held: no form token
    after = scrape(client)

    def rise(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert requests(after, LISTING, "GET", 200) - requests(before, LISTING, "GET", 200) == 2
    assert requests(after, LISTING, "GET", 304) - requests(before, LISTING, "GET", 304) == 1
    assert requests(after, LISTING, "GET", 400) - requests(before, LISTING, "GET", 400) == 1
    assert requests(after, LISTING, "POST", 201) - requests(before, LISTING, "POST", 201) == 1
    assert requests(after, LISTING, "POST", 202) - requests(before, LISTING, "POST", 202) == 1
    assert requests(after, "/metrics", "GET", 200) - requests(before, "/metrics", "GET", 200) == 1
    duration = "comments_http_request_duration_seconds"
    assert rise(f"{duration}_count", route=LISTING) == 6
    assert rise(f"{duration}_bucket", route=LISTING, le="+Inf") == 6
    assert rise(f"{duration}_sum", route=LISTING) > 0
    assert rise("comments_posted_total", outcome="published") == 1
    assert rise("comments_posted_total", outcome="held") == 1


def test_errors_are_counted_under_their_route_with_their_status(
    app: Flask, client: FlaskClient
) -> None:
    def broken() -> None:
        raise RuntimeError("the health check broke")

    app.view_functions["health.healthz"] = broken
    replies = "/api/v1/articles/<any_id:article_id>/comments/<int:comment_id>/replies"
    before = scrape(client)
    assert client.get("/healthz").status_code == 500
    assert client.get("/api/v1/articles/a1/comments/999/replies").status_code == 404
    after = scrape(client)

    assert requests(after, "/healthz", "GET", 500) - requests(before, "/healthz", "GET", 500) == 1
    assert requests(after, replies, "GET", 404) - requests(before, replies, "GET", 404) == 1


def test_unknown_paths_and_methods_never_become_labels(app: Flask, client: FlaskClient) -> None:
    probe = secrets.token_hex(6)
    paths = [f"/scan-{probe}-{n}" for n in range(3)] + [f"/wp-login.php?{probe}", "/api/v1/x"]
    before = scrape(client)
    for path in paths:
        assert client.get(path).status_code == 404
    assert client.open(f"/scan-{probe}", method=f"X{probe.upper()}").status_code == 404
    assert client.open("/healthz", method="PROPFIND").status_code == 405
    exposition = client.get("/metrics").text
    after = read(exposition)

    assert probe not in exposition.lower()
    rules = {rule.rule for rule in app.url_map.iter_rules()} | {"unmatched"}
    labels = [dict(labels) for (name, labels) in after if name == REQUESTS]
    assert {label["route"] for label in labels} <= rules
    assert {label["method"] for label in labels} <= METHODS | {"other"}
    assert requests(after, "unmatched", "GET", 404) - requests(before, "unmatched", "GET", 404) == 5
    other = requests(after, "unmatched", "other", 404) - requests(before, "unmatched", "other", 404)
    assert other == 1


# --- queue sizes from the database -----------------------------------------------


def queues(client: FlaskClient) -> tuple[float, float]:
    samples = scrape(client)
    return value(samples, "comments_held"), value(samples, "comments_reported")


def test_the_held_and_reported_gauges_follow_the_database(app: Flask, client: FlaskClient) -> None:
    assert queues(client) == (0, 0)
    held = posted(client, status=202, token=None)["id"]
    assert queues(client) == (1, 0)

    shown = posted(client)["id"]
    for n in range(2):  # two readers report it: one comment in the Reported queue
        response = reader(app, f"198.51.100.{n + 1}").post(
            f"{comments_url('a1')}/{shown}/reports",
            json={"voter": f"box-voter-{n:010d}", "reason": "abuse"},
        )
        assert response.status_code == 202, response.get_json()
    assert queues(client) == (1, 1)

    with app.app_context():
        actions.change_status(Selection.of(ids=[held]), "approve", "admin")
        reports.keep([shown], "admin")
    assert queues(client) == (0, 0)


def test_a_scrape_still_answers_when_a_queue_cannot_be_read(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    posted(client, status=202, token=None)
    assert client.get(comments_url("a1")).status_code == 200
    with app.app_context():
        db.session.execute(text("ALTER TABLE reports RENAME TO reports_elsewhere"))
        db.session.commit()

    samples = scrape(client)

    assert value(samples, "comments_held") == 1
    assert ("comments_reported", ()) not in samples
    assert requests(samples, LISTING, "GET", 200) >= 1
    assert "comments_reported not read" in caplog.text


# --- gunicorn: several workers, one count -----------------------------------------

CONF = str(REPO / "gunicorn.conf.py")


def starting(conf: dict[str, object]) -> None:
    """gunicorn.conf.py's on_starting, as the master calls it."""
    on_starting = conf["on_starting"]
    assert callable(on_starting)
    on_starting(SimpleNamespace(cfg=SimpleNamespace(workers=2)))


def test_a_given_metrics_directory_loses_only_the_last_runs_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    old = ["counter_41.db", "histogram_41.db", "gauge_livesum_41.db"]
    for name in [*old, "comments.db", "notes.txt"]:
        (directory / name).write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    monkeypatch.delenv("COMMENTS_RATELIMIT_STORAGE_URI", raising=False)

    starting(runpy.run_path(CONF))

    assert sorted(os.listdir(directory)) == ["comments.db", "notes.txt"]


def test_a_preloaded_app_without_a_metrics_directory_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # prometheus_client is already imported here, as in a master run with --preload:
    # each worker would keep its own counts, and a scrape would show one of them.
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.delenv("COMMENTS_RATELIMIT_STORAGE_URI", raising=False)

    with pytest.raises(RuntimeError, match="set PROMETHEUS_MULTIPROC_DIR"):
        starting(runpy.run_path(CONF))
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def _workers(master: int) -> list[int]:
    """The processes whose parent is ``master``: gunicorn's workers."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry))
    return found


def _listings_counted(counter_file: Path) -> float:
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge([str(counter_file)])
        for sample in metric.samples
        if sample.name == REQUESTS and sample.labels.get("route") == LISTING
    )


def _mapped_counters(pids: list[int]) -> list[str]:
    """The counter files the workers hold open (their mmaps)."""
    found = set()
    for pid in pids:
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            path = line.split(maxsplit=5)[-1]
            if os.path.basename(path).startswith("counter_") and path.endswith(".db"):
                found.add(path)
    return sorted(found)


@pytest.mark.server
def test_two_gunicorn_workers_count_as_one(tmp_path: Path) -> None:
    total = 60
    env = server_env(tmp_path)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    migrate(env)

    def listing(_n: int) -> int:
        with urllib.request.urlopen(f"{server.url}{comments_url('a1')}", timeout=30) as answer:
            return answer.status

    with Gunicorn(env, workers=2) as server:
        # One worker takes a request whose last line is slow to come, and waits
        # for it; meanwhile the other worker answers the rest.
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as slow:
            slow.sendall(f"GET {comments_url('a1')} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
            time.sleep(0.5)
            with ThreadPoolExecutor(4) as pool:
                assert list(pool.map(listing, range(total - 1))) == [200] * (total - 1)
            slow.sendall(b"Connection: close\r\n\r\n")
            raw = b"".join(iter(lambda: slow.recv(65536), b""))
        assert split_response(raw)[0] == 200
        scrapes = []
        for _ in range(4):  # whichever worker answers
            with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as answer:
                scrapes.append(read(answer.read().decode()))
        assert server.process is not None
        workers = _workers(server.process.pid)
        # The master's private directory, where each worker keeps its counts.
        directories = {Path(path).parent for path in _mapped_counters(workers)}
        assert len(directories) == 1, directories
        directory = directories.pop()
        mode = directory.stat().st_mode & 0o777
        per_worker = [_listings_counted(directory / f"counter_{pid}.db") for pid in workers]

    assert [requests(s, LISTING, "GET", 200) for s in scrapes] == [total] * 4
    assert sorted(per_worker) == [1, total - 1]  # each worker served, and counted
    assert mode == 0o700
    assert not directory.exists(), "the master removes its directory when it stops"
