"""The importer, fed records by a reader of no particular format: what readers
see afterwards (listings, counts), re-runs, dry runs, failures, hard cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from tests.conftest import comments_url, make_app, posted
from widget.extensions import db
from widget.models import Comment, Status
from widget.transfer import importer
from widget.transfer.models import ImportedComment
from widget.transfer.records import ImportFailure, Post, Skip, Thread

WHEN = datetime(2019, 5, 4, 12, 30, 15, 250000, tzinfo=UTC)


def post(key: str, thread: str | None = "t1", parent: str | None = None, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "source": "test",
        "key": key,
        "thread": thread,
        "parent": parent,
        "author": f"Reader {key}",
        "email": None,
        "body": f"Comment {key}",
        "status": Status.PUBLISHED,
        "created_at": WHEN,
    }
    values.update(fields)
    return Post(**values)


class ListReader:
    def __init__(self, records: list[Any], fail_after: int | None = None) -> None:
        self.items = records
        self.fail_after = fail_after

    def records(self) -> Iterator[Any]:
        for number, record in enumerate(self.items):
            if number == self.fail_after:
                raise ImportFailure("feed.xml: not well-formed XML at line 9, column 1")
            yield record

    def progress(self) -> float | None:
        return None


def run(app: Flask, records: list[Any], **options: Any) -> importer.Summary:
    with app.app_context():
        return importer.run(
            ListReader(records, options.pop("fail_after", None)),
            "test",
            "feed.xml",
            options.pop("mapping", {}),
            **options,
        )


def listing(client: FlaskClient, article_id: str) -> dict[str, Any]:
    response = client.get(comments_url(article_id) + "?sort=oldest")
    assert response.status_code == 200
    return response.get_json()


def count(client: FlaskClient, article_id: str) -> int:
    return client.get(f"/api/v1/counts?article_id={article_id}").get_json()["counts"][article_id]


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def test_replies_keep_their_parents_even_when_they_come_first(
    app: Flask, client: FlaskClient
) -> None:
    summary = run(
        app,
        [
            post("3", parent="2", body="Third, answering the second"),
            Thread("t1", identifier="story-1", url="https://news.example/story-1"),
            post("2", parent="1", body="Second, answering the first"),
            post("1", body="First"),
        ],
    )
    assert summary.imported == 3 and summary.orphans == 0
    assert summary.threads == {"story-1": "story-1"}
    page = listing(client, "story-1")
    assert [c["body"] for c in page["comments"]] == ["First"]
    top = page["comments"][0]
    assert top["reply_count"] == 2
    replies = {r["body"]: r for r in top["replies"]}
    assert replies["Third, answering the second"]["reply_to"]["author"] == "Reader 2"
    assert replies["Second, answering the first"]["parent_id"] == top["id"]
    assert count(client, "story-1") == 3


def test_time_author_and_status_are_kept(app: Flask, client: FlaskClient) -> None:
    run(
        app,
        [
            Thread("t1", identifier="s"),
            post("1", author="  Ada   Lovelace ", email=" ada@example.org "),
            post("2", status=Status.PENDING),
            post("3", status=Status.SPAM),
        ],
    )
    page = listing(client, "s")
    assert [(c["author"], c["created_at"]) for c in page["comments"]] == [
        ("Ada Lovelace", "2019-05-04T12:30:15Z")
    ]
    with app.app_context():
        rows = {c.author: c for c in db.session.scalars(select(Comment))}
        assert rows["Ada Lovelace"].email == "ada@example.org"
        assert rows["Ada Lovelace"].created_at == WHEN  # to the microsecond
        assert rows["Reader 2"].status == Status.PENDING
        assert rows["Reader 3"].status == Status.SPAM


def test_a_deleted_comment_with_replies_is_a_placeholder(app: Flask, client: FlaskClient) -> None:
    run(
        app,
        [
            Thread("t1", identifier="s"),
            post("1", status=Status.DELETED, body=""),
            post("2", parent="1", body="An answer to something removed"),
            post("3", status=Status.DELETED, body="Removed, nobody answered"),
        ],
    )
    page = listing(client, "s")
    assert len(page["comments"]) == 1
    placeholder = page["comments"][0]
    assert placeholder["deleted"] is True and placeholder["body"] is None
    assert [r["body"] for r in placeholder["replies"]] == ["An answer to something removed"]
    assert count(client, "s") == 1


def test_orphans_become_top_level_and_are_counted(app: Flask, client: FlaskClient) -> None:
    summary = run(
        app,
        [
            Thread("t1", identifier="s"),
            Thread("t2", identifier="other"),
            post("1", thread="t2", body="On another page"),
            post("2", parent="missing", body="Parent never came"),
            post("3", parent="1", body="Parent on another page"),
            Skip("in the trash", "t1"),
        ],
    )
    assert summary.orphans == 2
    assert summary.skipped == {"in the trash": 1}
    bodies = sorted(c["body"] for c in listing(client, "s")["comments"])
    assert bodies == ["Parent never came", "Parent on another page"]


def test_a_loop_of_replies_cannot_hang_the_import(app: Flask, client: FlaskClient) -> None:
    summary = run(
        app,
        [
            Thread("t1", identifier="s"),
            post("1", parent="2"),
            post("2", parent="1"),
            post("3", parent="3"),
            post("4", parent="1"),
        ],
    )
    assert summary.imported == 4
    assert summary.orphans == 2  # the loop's last link, and the reply to itself
    page = listing(client, "s")
    # The loop is cut where it closed (1 -> 2, linked last): 1 stands alone
    # with its replies; 3 answered itself and stands alone too.
    tops = {c["body"]: c for c in page["comments"]}
    assert sorted(tops) == ["Comment 1", "Comment 3"]
    assert sorted(r["body"] for r in tops["Comment 1"]["replies"]) == ["Comment 2", "Comment 4"]
    assert tops["Comment 3"]["reply_count"] == 0
    assert count(client, "s") == 4


def test_running_the_same_import_again_adds_nothing(app: Flask, client: FlaskClient) -> None:
    records = [Thread("t1", identifier="s"), post("1"), post("2", parent="1")]
    run(app, records)
    again = run(app, [*records, post("3", parent="2", body="New since")])
    assert again.imported == 1 and again.skipped == {"imported before": 2}
    assert stored(app) == 3
    top = listing(client, "s")["comments"][0]
    assert top["reply_count"] == 2  # the new reply found its parent from the first run
    assert count(client, "s") == 3


def test_the_same_comment_twice_in_one_file_is_imported_once(app: Flask) -> None:
    summary = run(app, [Thread("t1", identifier="s"), post("1"), post("1")])
    assert summary.imported == 1
    assert summary.skipped == {"the same comment twice in the file": 1}


def test_a_dry_run_reports_and_writes_nothing(app: Flask, client: FlaskClient) -> None:
    summary = run(app, [Thread("t1", identifier="s"), post("1"), post("2")], dry_run=True)
    assert summary.imported == 2 and summary.per_article == {"s": 2}
    assert stored(app) == 0
    assert count(client, "s") == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportedComment)) == 0


def test_a_failure_late_in_the_file_leaves_nothing_written(app: Flask, client: FlaskClient) -> None:
    records = [Thread("t1", identifier="s")] + [post(str(n)) for n in range(2500)]
    with pytest.raises(ImportFailure):
        run(app, records, fail_after=2400)  # after two batches were written
    assert stored(app) == 0
    assert count(client, "s") == 0
    # ... and the same import, run again on a good file, starts clean.
    assert run(app, records).imported == 2500


def test_the_listing_and_counts_change_at_once(app: Flask, client: FlaskClient) -> None:
    posted(client, "s")
    before = client.get(comments_url("s"))
    run(app, [Thread("t1", identifier="s"), post("1")])
    after = client.get(comments_url("s"), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.get_json()["total"] == 2
    assert count(client, "s") == 2


def test_control_characters_are_removed_and_counted(app: Flask, client: FlaskClient) -> None:
    summary = run(
        app,
        [
            Thread("t1", identifier="s"),
            post("1", body="Bell\x07 and\r\nnull\x00 and \u202eoverride", author="Eve\x1b"),
            post("2", body="Clean\ttext"),
        ],
    )
    assert summary.cleaned == 1
    bodies = [c["body"] for c in listing(client, "s")["comments"]]
    assert bodies == ["Bell and\nnull and override", "Clean\ttext"]
    assert listing(client, "s")["comments"][0]["author"] == "Eve"


def test_hard_cases_of_names_and_addresses(app: Flask) -> None:
    run(
        app,
        [
            Thread("t1", identifier="s"),
            post("1", author="   ", email="not an address"),
            post("2", author="x" * 300, email="a@" + "b" * 300),
            post("3", body="   ", status=Status.PUBLISHED),
        ],
    )
    with app.app_context():
        rows = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.author[:9], len(c.author), c.email) for c in rows] == [
        ("Anonymous", 9, None),
        ("xxxxxxxxx", 80, None),
    ]


def test_article_ids_from_identifier_address_or_map(app: Flask) -> None:
    summary = run(
        app,
        [
            Thread("t1", identifier="valid-id", url="https://a.example/x/"),
            Thread(
                "t2",
                identifier="42 https://a.example/?p=42",
                url="https://a.example/2019/05/hello/",
            ),
            Thread("t3", identifier=None, url="https://a.example/mapped/"),
            Thread("t4"),
            post("1", thread="t1"),
            post("2", thread="t2"),
            post("3", thread="t3"),
            post("4", thread="t4"),
            post("5", thread="nowhere"),
        ],
        mapping={"https://a.example/mapped": "chosen-by-map"},
    )
    assert summary.per_article == {"valid-id": 1, "2019-05-hello": 1, "chosen-by-map": 1}
    assert summary.skipped == {
        "its page has no identifier or address": 1,
        "its thread is not in the file": 1,
    }


def test_our_own_ids_are_kept_in_an_empty_database(app: Flask, client: FlaskClient) -> None:
    run(
        app,
        [
            post("70", thread=None, article_id="s", id=70, source="json"),
            post("71", thread=None, parent="70", article_id="s", id=71, source="json"),
        ],
    )
    top = listing(client, "s")["comments"][0]
    assert top["id"] == 70 and top["replies"][0]["id"] == 71
    # A comment posted afterwards takes the next id (PostgreSQL's sequence moved on).
    assert posted(client, "s")["id"] == 72


def _indexes(app: Flask) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comments'"
                )
            )
        )


def test_a_large_sqlite_import_builds_the_indexes_again(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "REBUILD_INDEXES_AFTER", 10)
    app = make_app(tmp_path)  # SQLite: PostgreSQL keeps its indexes while it imports
    indexes = _indexes(app)
    assert "ix_comments_article_listed_id" in indexes
    records = [Thread("t1", identifier="s")] + [post(str(n)) for n in range(1500)]
    with pytest.raises(ImportFailure):
        run(app, records, fail_after=1400)  # the indexes were dropped, then rolled back
    assert _indexes(app) == indexes
    run(app, [*records, post("r", parent="7", body="A reply")])
    assert _indexes(app) == indexes
    client = app.test_client()
    assert count(client, "s") == 1501
    with app.app_context():
        plan = " ".join(
            str(row)
            for row in db.session.execute(
                text("EXPLAIN QUERY PLAN SELECT id FROM comments WHERE article_id = 's' AND listed")
            )
        )
    assert "ix_comments_article_listed" in plan


def test_replies_under_a_reply_whose_parent_came_later_join_the_right_thread(
    app: Flask, client: FlaskClient
) -> None:
    run(
        app,
        [
            Thread("t1", identifier="s"),
            post("a", parent="b", body="Answering b, which comes later"),
            post("c", parent="a", body="Answering a"),
            post("d", parent="c", body="Answering c"),
            post("b", body="The top"),
        ],
    )
    page = listing(client, "s")
    assert [c["body"] for c in page["comments"]] == ["The top"]
    top = page["comments"][0]
    assert top["reply_count"] == 3
    assert sorted(r["body"] for r in top["replies"]) == [
        "Answering a",
        "Answering b, which comes later",
        "Answering c",
    ]
