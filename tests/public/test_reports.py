"""POST /api/v1/articles/<id>/comments/<cid>/reports, as the contract says: one
report per voter, a comment held when enough distinct readers report it, and
only queued again once an admin kept it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget.extensions import db
from widget.models import Article, Report, utcnow
from widget.moderation import reports

from ..conftest import assert_refused, comments_url, make_app, stored_comment
from .test_likes import published, voter

ADDRESSES = [f"198.51.100.{n}" for n in range(1, 20)]


def reports_url(comment_id: int, article_id: str = "a1") -> str:
    return f"/api/v1/articles/{article_id}/comments/{comment_id}/reports"


def report(
    client: FlaskClient,
    comment_id: int,
    who: str | None = None,
    address: str = ADDRESSES[0],
    article_id: str = "a1",
    headers: dict[str, str] | None = None,
    **fields: Any,
):
    body = {"voter": who or voter(0), "reason": "abuse", **fields}
    return client.post(
        reports_url(comment_id, article_id),
        json=body,
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address},
    )


def reported_by(client: FlaskClient, comment_id: int, readers: range, **fields: Any) -> None:
    """Reader n reports from address n: distinct voters, distinct addresses."""
    for n in readers:
        response = report(client, comment_id, voter(n), ADDRESSES[n], **fields)
        assert response.status_code == 202, response.get_json()


def stored(app: Flask, comment_id: int) -> list[Report]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Report).where(Report.comment_id == comment_id).order_by(Report.id)
            )
        )


def listed(client: FlaskClient, article_id: str = "a1") -> tuple[list[int], int]:
    listing = client.get(comments_url(article_id)).get_json()
    return [c["id"] for c in listing["comments"]], listing["total"]


def count(client: FlaskClient, article_id: str = "a1") -> int:
    return client.get(f"/api/v1/counts?article_id={article_id}").get_json()["counts"][article_id]


# --- a report ------------------------------------------------------------------


def test_a_report_is_received_and_kept_for_the_admins(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    response = report(client, cid, reason="off_topic", details="  Nothing to do with the story. ")

    assert response.status_code == 202
    assert response.get_json() == {"status": "received"}
    (stored_report,) = stored(app, cid)
    assert (stored_report.reason, stored_report.details) == (
        "off_topic",
        "Nothing to do with the story.",
    )
    assert stored_report.voter == voter(0)
    assert stored_report.resolved_at is None
    assert ADDRESSES[0] not in stored_report.client_hash  # a keyed hash, not the address
    assert listed(client) == ([cid], 1)


def test_one_report_per_voter_counts(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    answers = [report(client, cid, voter(1), address).status_code for address in ADDRESSES[:4]]

    assert answers == [202] * 4
    assert len(stored(app, cid)) == 1
    assert stored_comment(app, cid).status == "published"


@pytest.mark.parametrize("reason", ["spam", "abuse", "off_topic"])
def test_an_email_is_not_kept_unless_the_report_is_about_something_illegal(
    app: Flask, client: FlaskClient, reason: str
) -> None:
    cid = published(client)

    assert report(client, cid, reason=reason, email="me@example.com").status_code == 202
    assert report(client, cid, voter(2), reason=reason, email="not an address").status_code == 202

    assert [r.email for r in stored(app, cid)] == [None, None]


@pytest.mark.parametrize("email", [42, ["me@example.com"], {"a": 1}, True])
def test_an_email_that_is_not_text_is_refused_whatever_the_reason(
    app: Flask, client: FlaskClient, email: Any
) -> None:
    cid = published(client)

    response = report(client, cid, reason="spam", email=email)

    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"email"}
    assert stored(app, cid) == []


def test_an_illegal_report_keeps_its_details_and_email(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    response = report(
        client, cid, reason="illegal", details="It names a minor.", email=" me@example.com "
    )

    assert response.status_code == 202
    (stored_report,) = stored(app, cid)
    assert (stored_report.reason, stored_report.details) == ("illegal", "It names a minor.")
    assert stored_report.email == "me@example.com"


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"email": "me@example.com"}, {"details"}),
        ({"details": " \n ", "email": "me@example.com"}, {"details"}),
        ({"details": "It names a minor."}, {"email"}),
        ({"details": "It names a minor.", "email": "   "}, {"email"}),
        ({"details": "It names a minor.", "email": "me at example"}, {"email"}),
        ({"details": "It names a minor.", "email": 42}, {"email"}),
        ({"details": "It names a minor.", "email": "a" * 250 + "@x.io"}, {"email"}),
        ({}, {"details", "email"}),
    ],
)
def test_an_illegal_report_needs_details_and_an_email(
    app: Flask, client: FlaskClient, fields: dict, wrong: set[str]
) -> None:
    cid = published(client)

    response = report(client, cid, reason="illegal", **fields)

    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert set(data["fields"]) == wrong
    assert stored(app, cid) == []


@pytest.mark.parametrize("email", [None, "", "   "])
def test_an_illegal_report_without_an_email_asks_for_one(client: FlaskClient, email: Any) -> None:
    cid = published(client)

    response = report(client, cid, reason="illegal", details="It names a minor.", email=email)

    assert response.get_json()["fields"]["email"] == [
        "Give your email address: the receipt of an illegal report goes there."
    ]


@pytest.mark.parametrize("reason", [None, "", "other", "SPAM", "spam ", 1, ["spam"], {"a": 1}])
def test_a_reason_outside_the_four_is_422(app: Flask, client: FlaskClient, reason: Any) -> None:
    cid = published(client)

    response = report(client, cid, reason=reason)

    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"reason"}
    assert stored(app, cid) == []


# --- details: the text rules of comments ------------------------------------------


@pytest.mark.parametrize(
    "details",
    [
        "null \x00 byte",
        "a bell \x07",
        "escape \x1b[31m red",
        "delete \x7f",
        "lone surrogate \ud800",
        "reads backwards \u202egnirts",
        "an isolate \u2066x\u2069",
        "x" * 1001,
        "x" * 30_000,
        123,
        ["list"],
        {"nested": "object"},
        True,
    ],
)
def test_details_that_cannot_be_stored_or_read_as_written_are_422(
    app: Flask, client: FlaskClient, details: Any
) -> None:
    cid = published(client)

    response = report(client, cid, reason="spam", details=details)

    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"details"}
    assert stored(app, cid) == []


def test_details_are_stored_as_written_markup_and_all(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    written = (
        '<script>alert("x")</script> & <b>bold</b> 🙂 \u05e9\u05dc\u05d5\u05dd\u200f.\nLine two'
    )

    assert report(client, cid, details=written).status_code == 202
    assert report(client, cid, voter(2), details="é" * 1000).status_code == 202

    assert [r.details for r in stored(app, cid)] == [written, "é" * 1000]


def test_unknown_members_are_ignored(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    response = report(client, cid, status="deleted", resolved_at="now", client_hash="x")

    assert response.status_code == 202
    (stored_report,) = stored(app, cid)
    assert stored_report.resolved_at is None
    assert stored_report.client_hash != "x"


# --- which comments ------------------------------------------------------------


@pytest.mark.parametrize("comment_id", [999, 2**31, 2**64])
def test_a_comment_that_does_not_exist_is_404(client: FlaskClient, comment_id: int) -> None:
    published(client)

    assert_refused(report(client, comment_id), 404, "not_found")


def test_a_comment_of_another_article_is_404(app: Flask, client: FlaskClient) -> None:
    cid = published(client, "a1")
    published(client, "a2")

    assert_refused(report(client, cid, article_id="a2"), 404, "not_found")
    assert stored(app, cid) == []


def test_the_body_and_origin_rules_of_posting_apply(tmp_path, backend: str) -> None:
    app = make_app(tmp_path, ALLOWED_ORIGINS=["https://news.example.com"])
    client = app.test_client()
    cid = published(client)

    evil = report(client, cid, headers={"Origin": "https://evil.example"})
    plain = client.post(reports_url(cid), data="{}", content_type="text/plain")
    broken = client.post(reports_url(cid), data="{", content_type="application/json")
    bad_article = report(client, cid, article_id="-bad")
    allowed = report(client, cid, headers={"Origin": "https://news.example.com"})

    assert_refused(evil, 403, "origin_not_allowed")
    assert_refused(plain, 415, "unsupported_media_type")
    assert_refused(broken, 400, "invalid_json")
    assert_refused(bad_article, 400, "invalid_article_id")
    assert allowed.status_code == 202
    assert len(stored(app, cid)) == 1


# --- holding a comment ---------------------------------------------------------


def test_three_readers_from_three_addresses_hold_a_comment(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    other = published(client, author="Rohit P")

    reported_by(client, cid, range(2))
    assert stored_comment(app, cid).status == "published"
    assert listed(client) == ([other, cid], 2)

    reported_by(client, cid, range(2, 3))

    held = stored_comment(app, cid)
    assert (held.status, held.reason) == ("pending", "reported")
    assert listed(client) == ([other], 1)
    assert count(client) == 1


def test_three_voters_from_one_address_do_not_hold_it(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    for n in range(5):
        assert report(client, cid, voter(n), ADDRESSES[0]).status_code == 202
    assert stored_comment(app, cid).status == "published"
    report(client, cid, voter(5), ADDRESSES[1])
    assert stored_comment(app, cid).status == "published"

    report(client, cid, voter(6), ADDRESSES[2])

    assert stored_comment(app, cid).status == "pending"
    assert listed(client) == ([], 0)


def test_the_number_of_readers_is_a_setting(tmp_path, backend: str) -> None:
    app = make_app(tmp_path, REPORTS_TO_HOLD=1)
    client = app.test_client()
    cid = published(client)

    reported_by(client, cid, range(1))

    assert stored_comment(app, cid).status == "pending"


def test_a_held_reply_leaves_its_thread(app: Flask, client: FlaskClient) -> None:
    root = published(client)
    reply = published(client, author="Rohit P", parent_id=root)

    reported_by(client, reply, range(3))

    (shown,) = client.get(comments_url("a1")).get_json()["comments"]
    assert (shown["id"], shown["reply_count"], shown["replies"]) == (root, 0, [])
    assert listed(client) == ([root], 1)


def test_a_held_comment_with_replies_stays_as_a_placeholder(
    app: Flask, client: FlaskClient
) -> None:
    root = published(client)
    reply = published(client, author="Rohit P", parent_id=root)

    reported_by(client, root, range(3))

    (shown,) = client.get(comments_url("a1")).get_json()["comments"]
    assert (shown["id"], shown["deleted"], shown["body"]) == (root, True, None)
    assert [r["id"] for r in shown["replies"]] == [reply]
    assert count(client) == 1


def test_only_open_reports_count_towards_holding(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    reported_by(client, cid, range(2))
    with app.app_context():  # dealt with, without marking the comment reviewed
        db.session.execute(db.update(Report).values(resolved_at=utcnow()))
        db.session.commit()

    reported_by(client, cid, range(2, 4))
    assert stored_comment(app, cid).status == "published"
    reported_by(client, cid, range(4, 5))
    assert stored_comment(app, cid).status == "pending"


def test_after_an_admin_kept_it_reports_only_queue_it_again(
    app: Flask, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(3))
    with app.app_context():
        assert reports.keep([cid], "ann") == 1
    assert listed(client) == ([cid], 1)

    reported_by(client, cid, range(3, 9))

    kept = stored_comment(app, cid)
    assert kept.status == "published"
    assert listed(client) == ([cid], 1)
    with app.app_context():
        assert reports.queued_count() == 1
        assert [e.total for e in reports.queue(0, 10)] == [6]


def test_reports_sent_at_once_hold_the_comment_once(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    other = published(client, author="Rohit P")

    def send(n: int) -> int:
        return report(app.test_client(), cid, voter(n), ADDRESSES[n]).status_code

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(12)))

    # Held by the third report: the later ones find no published comment.
    assert set(answers) == {202, 404}
    assert answers.count(202) == 3
    assert len(stored(app, cid)) == 3
    assert stored_comment(app, cid).status == "pending"
    assert listed(client) == ([other], 1)
    with app.app_context():
        assert db.session.get(Article, "a1").published_count == 1


def test_the_same_report_sent_at_once_is_kept_once(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda a: report(app.test_client(), cid, address=a), ADDRESSES))

    assert {a.status_code for a in answers} == {202}
    assert len(stored(app, cid)) == 1
    assert stored_comment(app, cid).status == "published"
