"""Deleted comments kept no longer than the site says: ``deleted_at`` set by
every delete and cleared by a restore, ``flask purge-deleted`` and the
worker's daily purge (COMMENTS_RETENTION_DAYS), placeholders emptied where a
reply still needs them. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from widget.extensions import db
from widget.models import Article, AuditEntry, Comment, Like, Report, SpamExample, Status
from widget.moderation import erasure, retention
from widget.notify import worker
from widget.notify.models import ReplyWatch, Subscriber
from widget.transfer import readers

from ..conftest import comments_url, make_app, posted

pytestmark = pytest.mark.usefixtures("backend")  # every test on SQLite and PostgreSQL

EMAIL = "priya@reader.example"
IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"


# --- helpers ---------------------------------------------------------------------------


def post(client: FlaskClient, parent: int | None = None, **fields: Any) -> int:
    if parent is not None:
        fields["parent_id"] = parent
    fields.setdefault("email", EMAIL)
    return posted(client, "a1", **fields)["id"]


def delete(runner: Any, *ids: int) -> None:
    """An admin's delete, through the command that calls what the admin area calls."""
    args = ["comments", "delete"] + [f"--id={i}" for i in ids]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def later(days: float) -> time_machine.travel:
    return time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=False)


def purge(runner: Any, *args: str) -> Any:
    result = runner.invoke(args=["purge-deleted", *args])
    assert result.exit_code == 0, result.output
    return result


def rows(app: Flask) -> dict[int, Comment]:
    with app.app_context():
        found = {c.id: c for c in db.session.scalars(select(Comment))}
        db.session.expunge_all()
        return found


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def listing(client: FlaskClient) -> tuple[dict[str, Any], str]:
    response = client.get(comments_url("a1"))
    assert response.status_code == 200
    page = response.get_json()
    del page["form"]  # a fresh form token each time
    return page, response.headers["ETag"]


def audit(app: Flask) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "purge_deleted").order_by(AuditEntry.id)
        )
        return [(e.actor, e.action, e.count, e.detail) for e in entries]


# --- deleted_at ------------------------------------------------------------------------


def test_an_admin_delete_sets_deleted_at_and_a_restore_clears_it(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    comment = post(client)
    assert rows(app)[comment].deleted_at is None

    with later(3):
        delete(runner, comment)
        when = datetime.now(UTC)
    assert rows(app)[comment].deleted_at == when
    delete(runner, comment)  # deleting again is no new deletion
    assert rows(app)[comment].deleted_at == when

    assert runner.invoke(args=["comments", "approve", f"--id={comment}"]).exit_code == 0
    assert rows(app)[comment].status == Status.PUBLISHED
    assert rows(app)[comment].deleted_at is None

    delete(runner, comment)
    assert runner.invoke(args=["comments", "spam", f"--id={comment}"]).exit_code == 0
    assert rows(app)[comment].deleted_at is None  # spam is not on its way to the purge


def test_a_readers_own_delete_sets_deleted_at(app: Flask, client: FlaskClient) -> None:
    comment = posted(client, "a1")
    response = client.delete(
        f"{comments_url('a1')}/{comment['id']}",
        headers={"Authorization": f"Bearer {comment['edit_token']}"},
    )
    assert response.status_code == 204
    stored = rows(app)[comment["id"]]
    assert stored.status == Status.DELETED and stored.deleted_at is not None


def test_a_readers_erase_dates_the_placeholders_it_leaves(app: Flask, client: FlaskClient) -> None:
    mine = post(client)
    post(client, parent=mine, email="someone@else.example")
    with app.app_context():
        readers.erase(EMAIL, "admin")
    stored = rows(app)[mine]
    assert (stored.status, stored.sender_hash) == (Status.DELETED, erasure.ERASED_SENDER)
    assert stored.deleted_at is not None


def test_an_imported_deleted_comment_is_dated_and_purged_like_any_other(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "disqus", str(IMPORTS / "isso-disqus.xml")])
    assert result.exit_code == 0, result.output
    deleted = [c for c in rows(app).values() if c.status == Status.DELETED]
    assert deleted and all(c.deleted_at == (c.edited_at or c.created_at) for c in deleted)
    assert all(c.deleted_at is None for c in rows(app).values() if c.status != Status.DELETED)
    before = client.get(comments_url("some-id")).get_json()["comments"]

    result = purge(runner, "--days", "1")

    assert "Kept 1 as a placeholder for the replies below it (1 emptied now" in result.output
    assert client.get(comments_url("some-id")).get_json()["comments"] == before


# --- the purge -------------------------------------------------------------------------


def test_old_deleted_comments_go_recent_and_undeleted_ones_stay(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    kept = post(client)
    old, recent, spam = post(client), post(client), post(client)
    delete(runner, old)
    # Spam is removed by `spam purge`, not by age.
    assert runner.invoke(args=["comments", "spam", f"--id={spam}"]).exit_code == 0
    with later(20):
        delete(runner, recent)

    with later(45):  # everything is older than 30 days; "recent" was deleted 25 days ago
        result = purge(runner, "--days", "30")

    assert "Purged 1 comment deleted more than 30 days ago." in result.output
    assert set(rows(app)) == {kept, recent, spam}
    assert rows(app)[recent].body  # not emptied: it simply is not old enough
    with app.app_context():
        assert db.session.get(Article, "a1").published_count == 1


def test_a_deleted_comment_answered_by_a_live_reply_stays_emptied(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    top = post(client, author="Priya S")
    reply = post(client, parent=top, author="Omar K", email="omar@reader.example")
    like_and_report(client, top)
    watch(app, top)
    delete(runner, top)
    before, etag = listing(client)
    assert before["comments"][0]["deleted"] is True

    with later(31):
        result = purge(runner, "--days", "30")

    assert "Kept 1 as a placeholder for the replies below it (1 emptied now" in result.output
    stored = rows(app)[top]
    assert (stored.author, stored.body, stored.email, stored.body_hash) == ("", "", None, None)
    assert (stored.sender_hash, stored.edit_token_hash, stored.user_agent) == ("erased", None, "")
    assert stored.status == Status.DELETED and stored.listed and stored.reply_count == 1
    assert count(app, ReplyWatch) == 0  # nobody is told of replies to an emptied comment
    with app.app_context():  # its reports have nothing left to judge
        assert db.session.scalars(select(Report.resolved_at)).all()[0] is not None
    after, etag_after = listing(client)
    assert after == before and etag_after == etag  # readers see the same page
    assert after["comments"][0]["replies"][0]["id"] == reply

    # Once the reply is deleted and old too, the whole thread goes, leaves first.
    delete(runner, reply)
    with later(62):
        result = purge(runner, "--days", "30")
    assert "Purged 2 comments deleted more than 30 days ago." in result.output
    assert rows(app) == {}
    assert (count(app, Like), count(app, Report)) == (0, 0)
    assert listing(client)[0]["comments"] == []


def like_and_report(client: FlaskClient, comment_id: int) -> None:
    base = f"{comments_url('a1')}/{comment_id}"
    voter = {"voter": "box-voter-0000000001"}
    assert client.post(f"{base}/likes", json=voter).status_code in (200, 201)
    answer = client.post(f"{base}/reports", json={**voter, "reason": "abuse"})
    assert answer.status_code in (200, 201, 202), answer.get_json()


def watch(app: Flask, comment_id: int) -> None:
    with app.app_context():
        subscriber = Subscriber(email=EMAIL, status="confirmed")
        db.session.add(subscriber)
        db.session.flush()
        db.session.add(ReplyWatch(comment_id=comment_id, subscriber_id=subscriber.id))
        db.session.add(SpamExample(comment_id=comment_id, text="its text", is_spam=False))
        db.session.commit()


def test_likes_reports_watches_and_the_filters_copy_go_with_a_purged_comment(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    gone, stays = post(client), post(client)
    for comment in (gone, stays):
        like_and_report(client, comment)
    watch(app, gone)
    delete(runner, gone)

    with later(31):
        purge(runner, "--days", "30")

    with app.app_context():
        assert db.session.scalars(select(Like.comment_id)).all() == [stays]
        assert db.session.scalars(select(Report.comment_id)).all() == [stays]
    assert (count(app, ReplyWatch), count(app, SpamExample), count(app, Subscriber)) == (0, 0, 1)


def test_deleted_chains_go_whole_or_stay_as_placeholders_down_to_what_stays(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)  # a thread across several transactions
    runner = app.test_cli_runner()
    # a <- b <- c <- d <- e: all deleted, all old.
    chain = [post(client)]
    for _ in range(4):
        chain.append(post(client, parent=chain[-1]))
    # p <- q <- q2 <- r (published) and s <- t (deleted recently): p, q, q2, s stay.
    p = post(client)
    q = post(client, parent=p)
    q2 = post(client, parent=q)
    r = post(client, parent=q2)
    s = post(client)
    t = post(client, parent=s)
    delete(runner, *chain, p, q, q2, s)
    with later(25):
        delete(runner, t)

    with later(31):
        result = purge(runner, "--days", "30")

    assert "Purged 5 comments deleted more than 30 days ago." in result.output
    assert "Kept 4 as placeholders for the replies below them (4 emptied now" in result.output
    left = rows(app)
    assert set(left) == {p, q, q2, r, s, t}
    assert all(left[c].body == "" for c in (p, q, q2, s)) and left[t].body
    assert (left[q].parent_id, left[q2].parent_id, left[r].parent_id) == (p, q, q2)
    assert {left[c].root_id for c in (q, q2, r)} == {p}
    assert listing(client)[0]["comments"][0]["replies"][0]["id"] == r

    with later(56):  # t is old now: s and t go; p and q still carry r
        purge(runner, "--days", "30")
    assert set(rows(app)) == {p, q, q2, r}


def test_a_dry_run_changes_nothing_and_a_second_run_finds_nothing(
    app: Flask, client: FlaskClient
) -> None:
    runner = app.test_cli_runner()
    top = post(client)
    post(client, parent=top)
    lone = post(client)
    delete(runner, top, lone)
    before = rows(app)

    with later(31):
        dry = purge(runner, "--days", "30", "--dry-run")
        assert dry.output.splitlines() == [
            "Would purge 1 comment deleted more than 30 days ago.",
            "Would keep 1 as a placeholder for the replies below it "
            "(1 to be emptied of author and text).",
            "Dry run: nothing was changed.",
        ]
        assert rows(app).keys() == before.keys() and rows(app)[top].body == before[top].body
        assert audit(app) == []

        purge(runner, "--days", "30")
        after = rows(app)
        again = purge(runner, "--days", "30")

    assert again.output.splitlines() == [
        "Purged 0 comments deleted more than 30 days ago.",
        "Kept 1 as a placeholder for the replies below it (0 emptied now of author and text).",
    ]
    assert rows(app).keys() == after.keys()
    assert [(actor, n) for actor, _, n, _ in audit(app)] == [("cli", 1), ("cli", 0)]
    assert "1 purged, 1 kept as placeholders, 1 emptied" in audit(app)[0][3]


def test_nothing_to_purge_is_said_plainly(app: Flask, client: FlaskClient) -> None:
    post(client)
    result = purge(app.test_cli_runner(), "--days", "7")
    assert result.output.strip() == "No comments deleted more than 7 days ago."


@pytest.mark.parametrize("days", ["0", "-1", "36501", "ten", "1.5"])
def test_days_must_be_a_whole_number_from_1_to_36500(app: Flask, days: str) -> None:
    result = app.test_cli_runner().invoke(args=["purge-deleted", "--days", days])
    assert result.exit_code == 2
    assert "Invalid value for '--days'" in result.output


def test_without_days_or_the_setting_it_says_what_to_give(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["purge-deleted"])
    assert result.exit_code == 2
    assert "Give --days N, or set COMMENTS_RETENTION_DAYS" in result.output


def test_the_setting_is_the_default_days(tmp_path: Path) -> None:
    app = make_app(tmp_path, RETENTION_DAYS=10)
    client, runner = app.test_client(), app.test_cli_runner()
    comment = post(client)
    delete(runner, comment)
    with later(9):
        assert "No comments deleted more than 10 days ago." in purge(runner).output
    with later(11):
        assert "Purged 1 comment deleted more than 10 days ago." in purge(runner).output


# --- the worker ------------------------------------------------------------------------


def test_the_worker_purges_once_a_day_when_the_setting_is_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, RETENTION_DAYS=30)
    client, runner = app.test_client(), app.test_cli_runner()
    first, second = post(client), post(client)
    delete(runner, first)
    with later(1.5):
        delete(runner, second)
    done: dict[str, datetime] = {}
    name = worker.worker_name()

    with app.app_context():
        with later(31):
            worker.housekeep(name, done)
        assert set(rows(app)) == {second}
        with later(31.9):  # second is old now, but the day is not over
            worker.housekeep(name, done)
        assert set(rows(app)) == {second}
        with later(32.05):
            worker.housekeep(name, done)
        assert rows(app) == {}
        with later(33.1):  # a day later with nothing to do: no audit entry
            worker.housekeep(name, done)

    assert [(actor, n) for actor, _, n, _ in audit(app)] == [("worker", 1), ("worker", 1)]


def test_without_the_setting_the_worker_has_no_purge(app: Flask, client: FlaskClient) -> None:
    delete(app.test_cli_runner(), post(client))
    assert worker.chores(app) == []
    with app.app_context(), later(40000):
        worker.housekeep(worker.worker_name(), {})
    assert len(rows(app)) == 1
