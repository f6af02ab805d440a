"""``flask --app wsgi worker``: sends what the outbox holds.

One loop: claim the next due message, send it, settle it (sent, retried
later, or given up on). Run as many as you like, on one machine or several;
a claim is a lease in the database, so no two live workers send the same
message, and one killed mid-send leaves it to be sent again (at least once:
webhooks carry a stable ``webhook-id``, mails a stable ``Message-ID``).
SIGTERM and SIGINT finish the message in hand, then stop.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..models import utcnow
from ..ops.cli import friendly
from . import digest, mail, outbox, webhooks
from .models import Kind

log = logging.getLogger("comments.worker")
POLL_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 60.0


BOOT = secrets.token_hex(4)  # tells this process from an earlier one with its pid


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{BOOT}"


def deliver(job: outbox.Job) -> None:
    """Send one message; raises ``mail.DeliveryError``."""
    config = current_app.config
    if job.kind == Kind.WEBHOOK:
        payload = job.payload
        body = webhooks.event_body(payload["type"], payload["timestamp"], payload["data"])
        if not config["WEBHOOK_SECRET"]:
            raise mail.DeliveryError("COMMENTS_WEBHOOK_SECRET is no longer set")
        webhooks.deliver(
            payload["url"],
            config["WEBHOOK_SECRET"],
            f"msg_{job.id}",
            int(time.time()),
            body,
            config["WEBHOOK_ALLOW_PRIVATE"],
        )
        return
    message = digest.compose(job.payload) if job.kind == Kind.DIGEST else job.payload
    if message is None:
        return  # the queues emptied before the digest was due
    if not config["SMTP_URL"]:
        raise mail.DeliveryError("COMMENTS_SMTP_URL is no longer set")
    mail.send(config["SMTP_URL"], mail.build(config["MAIL_FROM"], message))


def work_once(worker: str) -> bool:
    """Claim and settle one message; False when none is due."""
    job = outbox.claim(worker)
    if job is None:
        return False
    try:
        deliver(job)
    except mail.DeliveryError as error:
        retried = outbox.failed(job, worker, str(error), permanent=error.permanent)
        log.warning(
            "outbox %s %s attempt %d failed (%s): %s",
            job.kind,
            job.id,
            job.attempts,
            "will retry" if retried else "gave up",
            error,
        )
    except Exception as error:  # a bug must not stop the worker: retry later
        db.session.rollback()
        outbox.failed(job, worker, f"{type(error).__name__}: {error}")
        log.exception("outbox %s %s failed unexpectedly", job.kind, job.id)
    else:
        outbox.sent(job, worker)
        log.info("outbox %s %s sent", job.kind, job.id)
    return True


def drain(worker: str | None = None) -> int:
    """Send everything due now; how many messages were settled (tests, ``--once``)."""
    worker = worker or worker_name()
    outbox.release_dead(worker)
    count = 0
    while work_once(worker):
        count += 1
    return count


# --- housekeeping ------------------------------------------------------------------


@dataclass(frozen=True)
class Chore:
    """A job a higher area gives the worker (moderation's purge of deleted
    comments): run from housekeeping at most once per ``every``. This area
    may not import those above it, so they register here (``add_chore``)."""

    name: str
    every: timedelta
    run: Callable[[], object]


def add_chore(app: Flask, name: str, every: timedelta, job: Callable[[], object]) -> None:
    app.extensions.setdefault("worker_chores", {})[name] = Chore(name, every, job)


def chores(app: Flask) -> list[Chore]:
    return list(app.extensions.get("worker_chores", {}).values())


def housekeep(worker: str, done: dict[str, datetime], now: datetime | None = None) -> None:
    """Hand back dead workers' claims, forget old sent messages, and run the
    chores that are due (``done``: when each last ran in this process; a
    new worker runs them at once)."""
    outbox.release_dead(worker)
    outbox.purge()
    now = now or utcnow()
    for chore in chores(current_app._get_current_object()):  # type: ignore[attr-defined]
        last = done.get(chore.name)
        if last is not None and now - last < chore.every:
            continue
        done[chore.name] = now
        try:
            chore.run()
        except OperationalError:
            done.pop(chore.name)  # the database is away: again at the next round
            raise
        except Exception:  # a bug must not stop the worker: again after ``every``
            db.session.rollback()
            log.exception("worker: %s failed", chore.name)


def run(app: Flask, stop: threading.Event) -> None:
    worker = worker_name()
    housekept = -HOUSEKEEPING_SECONDS
    done: dict[str, datetime] = {}
    while not stop.is_set():
        with app.app_context():
            try:
                now = time.monotonic()
                if now - housekept >= HOUSEKEEPING_SECONDS:
                    housekeep(worker, done)
                    housekept = now
                busy = work_once(worker)
            except OperationalError as error:  # the database is away: wait for it
                db.session.rollback()
                log.warning("worker: database unavailable: %s", error.orig)
                busy = False
            finally:
                db.session.remove()
        if not busy:
            stop.wait(POLL_SECONDS)


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@friendly
def worker_command(once: bool) -> None:
    """Send mails and webhooks from the outbox (runs until stopped)."""
    if once:
        click.echo(f"sent or settled {drain()} messages")
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"worker {worker_name()} started", err=True)
    run(current_app._get_current_object(), stop)  # type: ignore[attr-defined]
    click.echo("worker stopped", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
