"""The worker as operators run it, ``flask --app wsgi worker``, a process of
its own: killed with SIGKILL mid-delivery it loses nothing (the restarted
worker sends the message again, with the same ``webhook-id``), and two
workers side by side never send one message twice."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import trustme
from flask import Flask
from standardwebhooks.webhooks import Webhook

from tests.conftest import LONG_BODY, make_app, pg_config, pg_url, posted, reader
from tests.servers import REPO, server_env
from widget.extensions import db
from widget.notify.models import OutboxMessage, State

from .conftest import WEBHOOK_SECRET, Receiver, wait_for

pytestmark = pytest.mark.server


def _settings(receiver: Receiver) -> dict[str, Any]:
    return {
        "WEBHOOK_URLS": [receiver.url],
        "WEBHOOK_SECRET": base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_")),
        "WEBHOOK_ALLOW_PRIVATE": True,
    }


def _env(tmp_path: Path, receiver: Receiver, ca: Path, database_url: str) -> dict[str, str]:
    env = server_env(
        tmp_path,
        DATABASE_URL=database_url,
        WEBHOOK_URLS=receiver.url,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_ALLOW_PRIVATE="true",
    )
    env["SSL_CERT_FILE"] = str(ca)
    return env


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _stop(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    return worker.wait(timeout=20)


def _states(app: Flask) -> Counter[str]:
    with app.app_context():
        try:
            return Counter(db.session.scalars(db.select(OutboxMessage.state)))
        finally:
            db.session.remove()


def test_a_worker_killed_mid_delivery_loses_nothing(
    tmp_path: Path, receiver: Receiver, test_ca: tuple[trustme.CA, Path]
) -> None:

    database = f"sqlite:///{tmp_path}/comments.db"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database, **_settings(receiver))
    comment_id = posted(app.test_client())["id"]
    env = _env(tmp_path, receiver, test_ca[1], database)
    log = tmp_path / "worker.log"

    receiver.hang = stuck = threading.Event()  # the receiver takes its time to answer
    worker = _start_worker(env, log)
    try:
        assert receiver.arrived.wait(30), log.read_text()
        worker.kill()  # SIGKILL, mid-delivery: no chance to record anything
        worker.wait(10)
    finally:
        receiver.hang = None
        stuck.set()
    assert _states(app) == {State.WAITING: 1}

    restarted = _start_worker(env, log)
    try:
        wait_for(lambda: _states(app) == {State.SENT: 1}, timeout=30)
    finally:
        assert _stop(restarted) == 0, log.read_text()

    first, again = receiver.deliveries
    assert first.headers["webhook-id"] == again.headers["webhook-id"]  # the receiver can drop it
    event = Webhook(WEBHOOK_SECRET).verify(again.body, again.headers)
    assert (event["type"], event["data"]["id"]) == ("comment.created", comment_id)
    assert "worker stopped" in log.read_text()


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_two_workers_never_send_one_message_twice(
    database: str,
    tmp_path: Path,
    receiver: Receiver,
    test_ca: tuple[trustme.CA, Path],
    request: pytest.FixtureRequest,
) -> None:
    if database == "postgres":
        schema = request.getfixturevalue("pg_schema")
        app = make_app(tmp_path, **pg_config(schema), **_settings(receiver))
        url = pg_url(schema)
    else:
        url = f"sqlite:///{tmp_path}/comments.db"
        app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url, **_settings(receiver))
    posts = 40
    for n in range(posts):
        posted(reader(app, f"203.0.113.{n + 1}"), body=f"Comment {n}: " + LONG_BODY)
    env = _env(tmp_path, receiver, test_ca[1], url)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    # The receiver holds the first deliveries until both workers have one in
    # hand: on a loaded machine the first to start could otherwise send all 40.
    receiver.hang = both_started = threading.Event()
    workers = [_start_worker(env, log) for log in logs]
    try:
        wait_for(lambda: len(receiver.deliveries) >= 2, timeout=60)
        both_started.set()
        wait_for(lambda: _states(app) == {State.SENT: posts}, timeout=60)
        time.sleep(1.5)  # time for a duplicate to arrive, if one were coming
    finally:
        receiver.hang = None
        both_started.set()
        codes = [_stop(worker) for worker in workers]
    assert codes == [0, 0], [log.read_text() for log in logs]
    ids = Counter(d.headers["webhook-id"] for d in receiver.deliveries)
    assert len(ids) == posts and set(ids.values()) == {1}
    both_worked = [log.read_text().count(" sent") for log in logs]
    assert all(both_worked), both_worked
