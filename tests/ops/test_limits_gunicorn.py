"""Limits against a real gunicorn with several workers (issue 9, items 3 and 7).

- Left unset, the limits storage is a file every worker shares: nine posts in
  a row from one client against 5/minute are five accepted, whatever worker
  answers each (with per-worker memory:// counts, all nine were published).
- memory:// with several workers refuses to start, saying what to set.
- With Redis configured but unreachable, reading, counting and posting are
  answered as usual, limits still hold (counted in the shared file), and
  /healthz says "degraded" until Redis answers again.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..conftest import LONG_BODY, need, port_open
from ..servers import REPO, Gunicorn, free_port, server_env

pytestmark = pytest.mark.server
FLASK = (sys.executable, "-m", "flask", "--app", "wsgi")
BAD_PASSWORD = "not the password, honestly"


def limited_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    # A secret of this test's own: its limit keys meet no other test's in the
    # instance folder's limits file.
    return server_env(
        tmp_path, RATELIMIT_ENABLED="true", SECRET_KEY=secrets.token_urlsafe(32), **settings
    )


def create_schema(env: dict[str, str]) -> None:
    """The tables, from the models (as every test builds them)."""
    script = (
        "from widget import create_app\n"
        "from widget.extensions import db\n"
        "with create_app().app_context():\n"
        "    db.create_all()\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True, timeout=60)


def call(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    """(status, headers, body) of one request on a connection of its own."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post(server: Gunicorn, article: str, author: str, client: str | None = None) -> int:
    body = json.dumps({"author": author, "body": f"{LONG_BODY} ({author})"}).encode()
    headers = {"Content-Type": "application/json"}
    if client:
        headers["X-Forwarded-For"] = client  # the proxy's word (COMMENTS_TRUSTED_PROXIES=1)
    return call(f"{server.url}/api/v1/articles/{article}/comments", body, headers)[0]


def at_once(count: int, request) -> list[int]:
    """``count`` requests started together, so that every worker takes some."""
    start = threading.Barrier(count)

    def one(index: int) -> int:
        start.wait()
        return request(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


# gunicorn's access log, with the worker's pid and the client of each request.
ACCESS_LOG = (
    "--access-logfile",
    "-",
    "--access-logformat",
    "served-by %(p)s for %({x-forwarded-for}i)s",
)


def workers_that_served(server: Gunicorn, client: str) -> set[str]:
    return set(re.findall(rf"served-by <(\d+)> for {re.escape(client)}\b", server.log()))


def health(server: Gunicorn) -> tuple[int, dict]:
    status, _headers, body = call(server.url + "/healthz")
    return status, json.loads(body)


def test_three_workers_count_one_clients_posts_together(tmp_path: Path) -> None:
    env = limited_env(tmp_path, TRUSTED_PROXIES="1")  # limits storage left unset
    create_schema(env)
    spread = False
    with Gunicorn(env, workers=3, extra_args=ACCESS_LOG) as server:
        # Posts in a row mostly meet one sync worker; bursts meet several. A
        # fresh client per burst, until one burst was served by several workers.
        for burst in range(1, 11):
            client = f"203.0.113.{burst}"
            statuses = at_once(9, lambda i, c=client: post(server, "story", f"Reader {c} {i}", c))
            assert sorted(statuses) == [202] * 5 + [429] * 4, (burst, statuses)
            if len(workers_that_served(server, client)) > 1:
                spread = True
                break
    assert spread, "no burst reached more than one worker"


def test_memory_storage_with_several_workers_refuses_to_start(tmp_path: Path) -> None:
    env = limited_env(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{free_port()}"]

    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 1
    assert "memory://" in result.stderr
    assert "would allow 2 times every limit" in result.stderr
    assert "redis://" in result.stderr and "WEB_CONCURRENCY=1" in result.stderr


def test_memory_storage_with_one_worker_starts(tmp_path: Path) -> None:
    env = limited_env(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    create_schema(env)
    with Gunicorn(env, workers=1) as server:
        statuses = [post(server, "story", f"Reader {i}") for i in range(6)]
    assert statuses == [202] * 5 + [429]


# --- the admin sign-in limit --------------------------------------------------------------


def sign_in_attempts(server: Gunicorn, count: int, client: str) -> list[int]:
    """Wrong passwords at once, with the cookie and CSRF token of the sign-in page."""
    status, headers, body = call(server.url + "/admin/login")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body)
    assert token, body[:500]
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1).decode(), "name": "ann", "password": BAD_PASSWORD}
    ).encode()
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Forwarded-For": client,
    }
    return at_once(count, lambda _: call(server.url + "/admin/login", form, headers)[0])


def test_two_workers_refuse_the_sixth_wrong_password(tmp_path: Path) -> None:
    env = limited_env(tmp_path, TRUSTED_PROXIES="1")
    create_schema(env)
    subprocess.run(
        [*FLASK, "create-admin", "ann", "--password", "correct horse battery staple"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    spread = False
    with Gunicorn(env, workers=2, extra_args=ACCESS_LOG) as server:
        for attempt in range(1, 6):
            client = f"198.51.100.{attempt}"
            statuses = sign_in_attempts(server, 8, client)
            assert sorted(statuses) == [200] * 5 + [429] * 3, (attempt, statuses)
            if len(workers_that_served(server, client)) > 1:
                spread = True
                break
    assert spread, "no attempt reached both workers"


# --- Redis down ---------------------------------------------------------------------------


def need_redis_server() -> str:
    found = shutil.which("redis-server")
    need(found is not None, "redis-server")
    return found or ""  # need() has stopped the test when there is none


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A Redis of this test's own (never the machine's): it may come and go."""
    process = subprocess.Popen(
        [need_redis_server(), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not port_open("127.0.0.1", port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return process


def redis_down_env(tmp_path: Path, redis_port: int) -> dict[str, str]:
    env = limited_env(
        tmp_path, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_port}/0", TRUSTED_PROXIES="1"
    )
    create_schema(env)
    return env


def test_with_redis_down_everything_is_answered_and_health_says_degraded(tmp_path: Path) -> None:
    env = redis_down_env(tmp_path, free_port())  # nothing listens there
    with Gunicorn(env, workers=2) as server:
        started = time.monotonic()
        listing = call(server.url + "/api/v1/articles/story/comments")
        counts = call(server.url + "/api/v1/counts?article_id=story")
        posts = [post(server, "story", f"Reader {i}") for i in range(9)]
        after = call(server.url + "/api/v1/counts?article_id=story")
        down = health(server)
        elapsed = time.monotonic() - started

    assert listing[0] == 200 and json.loads(listing[2])["total"] == 0
    assert counts[0] == 200 and json.loads(counts[2]) == {"counts": {"story": 0}}
    # Limits still hold, counted in the machine's shared file meanwhile.
    assert sorted(posts) == [202] * 5 + [429] * 4
    assert after[0] == 200
    assert down == (200, {"status": "degraded", "down": ["redis"]})
    assert elapsed < 10, elapsed


def test_health_is_ok_again_as_soon_as_redis_answers(tmp_path: Path) -> None:
    need_redis_server()
    redis_port = free_port()
    env = redis_down_env(tmp_path, redis_port)
    with Gunicorn(env, workers=2) as server:
        assert health(server)[1]["status"] == "degraded"
        redis = start_redis(redis_port)
        try:
            back = health(server)
            answered = post(server, "story", "Back again", "192.0.2.99")
        finally:
            redis.terminate()
            redis.wait(timeout=20)
        gone_again = health(server)

    assert back == (200, {"status": "ok"})
    assert answered == 202
    assert gone_again[1]["status"] == "degraded"
