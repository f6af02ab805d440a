"""Two real instances (gunicorn, gunicorn.conf.py, 2 workers each) on two
loopback ports, sharing one PostgreSQL schema and one Redis, as two machines
behind a load balancer would.

- the posting limit holds across both, exactly;
- a comment posted to one is listed by the other on the very next request,
  and the other's old ETag no longer revalidates;
- an admin action (the ``flask`` CLI, a third process) takes effect on both.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import LONG_BODY, REDIS_URL, pg_url
from ..servers import (
    REPO,
    Answer,
    call,
    flask_command,
    free_port,
    migrate,
    post_as_box,
    server_env,
)

SECRET_KEY = "scale-out-test-secret-of-32-chars-or-more"

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


class Instance:
    """``gunicorn -c gunicorn.conf.py`` on a free loopback port, 2 workers."""

    def __init__(self, env: dict[str, str], app_spec: str, log: Path) -> None:
        self.env, self.app_spec, self.log = env, app_spec, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> Instance:
        for _attempt in range(3):
            port = free_port()
            env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2"}
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app_spec],
                    cwd=REPO,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError):
                    if call(self.url + "/healthz").status == 200:
                        return self
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None

    def comments(self, article_id: str, headers: dict[str, str] | None = None) -> Answer:
        return call(f"{self.url}/api/v1/articles/{article_id}/comments", headers=headers)

    def post(self, article_id: str, author: str, source: str = "127.0.0.1") -> Answer:
        # Each text different: a repeated text is refused as a duplicate.
        return post_as_box(self.url, article_id, author, f"{LONG_BODY} ({author})", source=source)


@pytest.fixture
def cluster(tmp_path, pg_schema: str, redis_prefix: str) -> Iterator[tuple[Instance, ...]]:
    env = server_env(
        tmp_path,
        DATABASE_URL=pg_url(pg_schema),
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_ENABLED="true",
        POST_LIMITS="3/minute",
        READ_LIMITS="10000/minute",
        SECRET_KEY=SECRET_KEY,
    )
    migrate(env)
    # A key prefix of this test's own: limits and invalidations never mix with
    # another run's on the shared Redis. There is no COMMENTS_* variable for it,
    # so it goes through the app factory, which gunicorn and flask both accept.
    app_spec = f"widget:create_app({{'RATELIMIT_KEY_PREFIX': {redis_prefix!r}}})"
    env["FLASK_APP"] = app_spec
    instances = tuple(Instance(env, app_spec, tmp_path / f"instance-{n}.log") for n in ("a", "b"))
    try:
        for instance in instances:
            instance.start()
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def admin_cli(instance: Instance, *args: str) -> str:
    """An operator's ``flask`` command against the same database and Redis."""
    return flask_command(instance.env, *args, timeout=120)


def test_two_instances_share_limits_listings_and_admin_actions(cluster) -> None:
    a, b = cluster

    # Warm both instances' caches (versions and pages) before anything changes.
    empty_a, empty_b = a.comments("story"), b.comments("story")
    assert empty_a.body["total"] == empty_b.body["total"] == 0
    assert empty_a.headers["ETag"] == empty_b.headers["ETag"]
    old_etag = empty_b.headers["ETag"]
    assert b.comments("story", {"If-None-Match": old_etag}).status == 304

    # A comment posted to one is listed by the other on the next request.
    first = a.post("story", "Posted on A")
    assert first.status == 201, first.body
    seen_on_b = b.comments("story", {"If-None-Match": old_etag})
    assert seen_on_b.status == 200, "B's old ETag must not revalidate after a post on A"
    assert [c["author"] for c in seen_on_b.body["comments"]] == ["Posted on A"]
    assert seen_on_b.body["total"] == 1

    # The posting limit (3/minute) holds across both instances exactly.
    second, third = b.post("story", "Posted on B"), a.post("story", "Posted on A again")
    assert (second.status, third.status) == (201, 201)
    refused = [b.post("story", "Fourth"), a.post("story", "Fifth")]
    assert [r.status for r in refused] == [429, 429]
    assert refused[0].body["error"] == "rate_limited"
    assert int(refused[0].headers["Retry-After"]) >= 1
    listed_a, listed_b = a.comments("story").body, b.comments("story").body
    assert listed_a["total"] == listed_b["total"] == 3
    assert listed_a["comments"] == listed_b["comments"]

    # An admin action takes effect on both at once: delete one comment...
    etag_b = b.comments("story").headers["ETag"]
    admin_cli(a, "comments", "delete", "--id", str(first.body["id"]))
    for instance in (a, b):
        after = instance.comments("story", {"If-None-Match": etag_b})
        assert after.status == 200
        assert after.body["total"] == 2
        assert first.body["id"] not in [c["id"] for c in after.body["comments"]]

    # ...and close an article: both refuse comments on it (from another
    # reader, 127.0.0.2, whose posting limit is untouched).
    admin_cli(a, "article", "close", "story")
    for instance in (b, a):
        closed = instance.post("story", "Late", source="127.0.0.2")
        assert closed.status == 403, closed.body
        assert closed.body["error"] == "comments_closed"


def test_in_one_process_two_apps_on_one_redis_share_the_posting_limit(
    tmp_path, redis_prefix: str
) -> None:
    """The same guarantee without servers: limits live in Redis, not in a worker."""
    from widget import cache

    from ..conftest import make_app, post_comment

    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "POST_LIMITS": "2/minute",
    }
    one = make_app(tmp_path, **config)
    other = make_app(tmp_path, **config)  # the same database: one service
    try:
        statuses = [
            post_comment(app.test_client(), "a1", author=f"R{n}").status_code
            for n, app in enumerate((one, other, one, other))
        ]
        assert statuses == [201, 201, 429, 429]
    finally:
        for app in (one, other):
            with app.app_context():
                cache.versions().close()
