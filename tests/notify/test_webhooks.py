"""Webhooks as a receiver sees them, over real HTTPS: each event signed the
Standard Webhooks way (checked with the reference ``standardwebhooks``
package), retried with the same id when the receiver fails, and never sent to
a private address unless the operator allows it."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.conftest import LONG_BODY, posted, reader
from widget.extensions import db
from widget.models import utcnow
from widget.moderation import actions
from widget.moderation.selection import Selection
from widget.notify import outbox, worker
from widget.notify.models import OutboxMessage, State

from .conftest import WEBHOOK_SECRET, Receiver, drain, notify_app

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def app(tmp_path: Path, receiver: Receiver) -> Flask:
    return notify_app(tmp_path, receiver=receiver)


def _verified(receiver: Receiver) -> list[dict]:
    """Every delivery's event, after the reference library checked its signature
    (at the time it was sent: the library refuses one older than five minutes)."""
    hook = Webhook(WEBHOOK_SECRET)
    events = []
    for delivery in receiver.deliveries:
        with time_machine.travel(int(delivery.headers["webhook-timestamp"]), tick=False):
            events.append(hook.verify(delivery.body, delivery.headers))
    return events


def test_every_event_arrives_signed_with_what_a_receiver_needs(
    app: Flask, receiver: Receiver
) -> None:
    client = app.test_client()
    published = posted(client, body="<b>Bold</b> & a considered point. " + LONG_BODY)["id"]
    app.config["MODERATION"] = "pre"
    held = posted(reader(app, "203.0.113.4"), status=202)["id"]
    app.config["MODERATION"] = "post"
    report = reader(app, "198.51.100.1").post(
        f"/api/v1/articles/a1/comments/{published}/reports",
        json={"voter": "voter-number-0001-abcdef", "reason": "spam", "details": "Looks odd."},
    )
    assert report.status_code == 202
    with app.app_context():
        actions.change_status(Selection.of(ids=[held]), "spam", "ann")
    drain(app)

    events = _verified(receiver)
    assert [e["type"] for e in events] == [
        "comment.created",
        "comment.created",
        "comment.held",
        "report.created",
        "comment.moderated",
    ]
    first = events[0]["data"]
    assert first["id"] == published and first["status"] == "published"
    assert first["body"].startswith("<b>Bold</b> & a considered point.")  # as written
    assert events[2]["data"] == {**events[1]["data"]} and events[2]["data"]["status"] == "pending"
    assert events[3]["data"] == {
        "comment_id": published,
        "article_id": "a1",
        "reason": "spam",
        "details": "Looks odd.",
    }
    moderated = events[4]["data"]
    assert (moderated["id"], moderated["status"]) == (held, "spam")
    assert (moderated["action"], moderated["moderator"]) == ("spam", "ann")
    for event in events:  # nothing private leaves the service
        assert not {"email", "sender_hash", "user_agent"} & set(event["data"])
        assert event["timestamp"].endswith("Z")
    ids = [d.headers["webhook-id"] for d in receiver.deliveries]
    assert len(set(ids)) == len(ids)
    assert all(d.headers["Content-Type"] == "application/json" for d in receiver.deliveries)


def test_a_forged_or_replayed_signature_fails_the_reference_check(
    app: Flask, receiver: Receiver
) -> None:
    posted(app.test_client())
    drain(app)
    [delivery] = receiver.deliveries
    hook = Webhook(WEBHOOK_SECRET)
    with pytest.raises(WebhookVerificationError):
        hook.verify(delivery.body.replace(b"a1", b"a2"), delivery.headers)
    with pytest.raises(WebhookVerificationError):
        hook.verify(delivery.body, {**delivery.headers, "webhook-id": "msg_other"})
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(delivery.body, delivery.headers)


def test_a_failing_receiver_gets_the_same_message_again_later(
    app: Flask, receiver: Receiver
) -> None:
    receiver.answers = [500, 503]
    posted(app.test_client())
    start = utcnow()
    drain(app)
    assert len(receiver.deliveries) == 1
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert (row.state, row.attempts, row.last_error) == (
            State.WAITING,
            1,
            "127.0.0.1 answered 500",
        )
    with time_machine.travel(start + timedelta(seconds=6)):
        drain(app)  # the second attempt: 503, next in five minutes
        drain(app)
    assert len(receiver.deliveries) == 2
    with time_machine.travel(start + timedelta(minutes=6)):
        drain(app)
    assert len(receiver.deliveries) == 3
    assert len({d.headers["webhook-id"] for d in receiver.deliveries}) == 1
    stamps = [int(d.headers["webhook-timestamp"]) for d in receiver.deliveries]
    # Signed at each attempt: the last one more than the 5 s + 5 min of backoff later.
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] > 300
    _verified(receiver)
    with app.app_context():
        assert db.session.query(OutboxMessage).one().state == State.SENT


def test_a_receiver_that_keeps_failing_is_given_up_on_after_days(
    app: Flask, receiver: Receiver
) -> None:
    receiver.answers = [500] * 20
    posted(app.test_client())
    start = moment = utcnow()
    for delay in (timedelta(0), *outbox.RETRY_DELAYS):
        moment += delay + timedelta(seconds=1)  # each delay counts from the attempt before
        with time_machine.travel(moment):
            drain(app)
    assert len(receiver.deliveries) == len(outbox.RETRY_DELAYS) + 1
    assert moment - start > timedelta(days=3)
    with app.app_context():
        assert db.session.query(OutboxMessage).one().state == State.FAILED


def test_a_private_address_is_refused_unless_the_operator_allows_it(
    app: Flask, receiver: Receiver
) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    posted(app.test_client())
    drain(app)
    assert receiver.deliveries == []
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert "private, loopback or link-local" in (row.last_error or "")


def test_the_outbox_backlog_is_a_metric(app: Flask, receiver: Receiver) -> None:
    from tests.ops.test_metrics import scrape, value

    client = app.test_client()
    receiver.answers = [500]
    posted(client)
    posted(reader(app, "203.0.113.5"))
    assert value(scrape(client), "comments_outbox_backlog") == 2
    drain(app)
    assert value(scrape(client), "comments_outbox_backlog") == 1  # the failed one waits


def test_a_claim_left_by_a_dead_worker_on_this_machine_is_taken_back_at_once(
    app: Flask, receiver: Receiver
) -> None:
    """Killed mid-send: the next worker here sends it now, not after the lease;
    also when the dead one had the same pid (PID 1 in a restarted container)."""
    host = socket.gethostname()
    posted(app.test_client())
    posted(reader(app, "203.0.113.5"))
    posted(reader(app, "203.0.113.6"))
    holders = [f"{host}:{os.getpid()}:earlier", f"{host}:999999999:gone", "elsewhere:1:x"]
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        for row, holder in zip(rows, holders, strict=True):
            row.locked_by, row.locked_until = holder, utcnow() + outbox.LEASE
        db.session.commit()
    with app.app_context():
        assert worker.drain(f"{host}:{os.getpid()}:now") == 2
    assert len(receiver.deliveries) == 2  # the other machine's claim waits for its lease
