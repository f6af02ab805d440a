"""The learning spam filter in the posting path (issue 12): what admins decide
changes the next verdict, each comment teaches once, nothing is held while the
filter is untrained, COMMENTS_SPAM_FILTER=off only scores, and an edit is
judged as a post is.

The filter is trained once per module on four videos of the YouTube Spam
Collection (read in place from ../shared/data); each test gets a copy of what
it learnt in a database of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, insert, select

from widget.extensions import db
from widget.models import SpamCount, SpamExample, SpamFilterState
from widget.moderation import actions, learning, training
from widget.moderation.selection import Selection

from ..admin_support import cheap_hashing, hidden_fields, signed_in  # noqa: F401 (autouse)
from ..conftest import LONG_BODY, comments_url, make_app, posted, reader, stored_comment
from ..servers import REPO

pytestmark = pytest.mark.usefixtures("backend")  # every test on SQLite and PostgreSQL

DATA = REPO.parent / "shared" / "data" / "youtube-spam"
VIDEOS = sorted(DATA.glob("Youtube0*.csv"))
MODEL_TABLES: tuple[Table, ...] = (
    SpamFilterState.__table__,  # type: ignore[assignment]
    SpamExample.__table__,  # type: ignore[assignment]
    SpamCount.__table__,  # type: ignore[assignment]
)

BLATANT = "Check out my channel for free giftcards!! Subscribe and like, http://free-giftcards.example/win"
# Spam the four videos never taught: a "happy customer" of a made-up shop.
SHOP = [
    f"I bought my {thing} from cheapwatchez.example last month and {it} arrived in a week, "
    "good quality."
    for thing, it in [
        ("reading glasses", "they"),
        ("wedding ring", "it"),
        ("husband's watch", "it"),
        ("daughter's bracelet", "it"),
    ]
]
SHOP_PROBES = [
    "I bought my mother's necklace from cheapwatchez.example last month and it arrived in a "
    "week, good quality.",
    "Got my father a leather wallet from cheapwatchez.example, it arrived in a week and the "
    "quality is good.",
]
# Good comments on a subject the videos never touched, in words their spam uses
# ("check", "free", "subscribe", "website"): held until an admin says otherwise.
LIBRARY = [
    "The library app lets you borrow e-books free with your card; check the website and "
    "subscribe to the events list.",
    "Free e-books through the library app are a gift; check the website, the events list is "
    "worth subscribing to.",
    "Borrow e-books free with a library card: the app works well, and the website lists every "
    "author event.",
    "The library website's events list is worth subscribing to; the e-book app is free with "
    "your card too.",
]
LIBRARY_PROBE = (
    "Check the library website: with your card the e-book app is free, and you can subscribe "
    "to author events."
)


# --- the model, trained once -----------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new process's model for every test, as after a restart: each test's
    database is new, but copies of one trained model share its identity."""
    monkeypatch.setattr(learning, "_model", learning._Model())


def youtube_texts(*paths: Any) -> list[tuple[str, bool]]:
    return [pair for path in paths for pair in training.read(str(path), "CONTENT", "CLASS").texts]


@pytest.fixture(scope="module")
def learnt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """What training.train learns from four videos, as rows (seconds: once)."""
    folder = tmp_path_factory.mktemp("trained")
    app = make_app(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/trained.db")
    with app.app_context():
        labelled = training.Labelled(youtube_texts(*VIDEOS[:4]), blank=0)
        assert training.train(labelled, "four videos", "test") > 1000
        rows = {
            table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in MODEL_TABLES
        }
        db.engine.dispose()
    for row in rows[SpamExample.__tablename__]:
        del row["id"]  # the copy's own sequence numbers them, in the same order
    return rows


def install(rows: dict[str, list[dict[str, Any]]]) -> None:
    for table in MODEL_TABLES:
        if table.name == SpamCount.__tablename__ and db.engine.dialect.name == "postgresql":
            # COPY: 67,000 rows in a fifth of the time an INSERT takes.
            columns = list(rows[table.name][0])
            raw = db.session.connection().connection.driver_connection
            with (
                raw.cursor() as cursor,  # type: ignore[union-attr]
                cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows[table.name]:
                    copy.write_row([row[name] for name in columns])
        else:
            db.session.execute(insert(table), rows[table.name])
    db.session.commit()


def trained_app(tmp_path: Any, rows: dict[str, list[dict[str, Any]]]) -> Flask:
    app = make_app(tmp_path)
    with app.app_context():
        install(rows)
    return app


@pytest.fixture
def trained(tmp_path: Any, backend: str, learnt: dict[str, list[dict[str, Any]]]) -> Flask:
    return trained_app(tmp_path, learnt)


# --- helpers ---------------------------------------------------------------------------


def listed_ids(client: FlaskClient, article_id: str) -> list[int]:
    return [c["id"] for c in client.get(comments_url(article_id)).get_json()["comments"]]


@dataclass(frozen=True)
class Knowledge:
    """Everything the filter has learnt, as stored (not its revision, which
    also moves when the same knowledge is calibrated again)."""

    spam_docs: int
    ham_docs: int
    spam_total: int
    ham_total: int
    threshold: float | None
    examples: frozenset[tuple[str, bool]]
    counts: dict[int, tuple[int, int]]


def knowledge(app: Flask) -> Knowledge:
    with app.app_context():
        state = db.session.scalars(select(SpamFilterState)).one()
        examples = db.session.execute(select(SpamExample.text, SpamExample.is_spam)).all()
        counts = db.session.execute(select(SpamCount.bucket, SpamCount.spam, SpamCount.ham))
        return Knowledge(
            state.spam_docs,
            state.ham_docs,
            state.spam_total,
            state.ham_total,
            state.threshold,
            frozenset((text, is_spam) for text, is_spam in examples),
            {bucket: (spam, ham) for bucket, spam, ham in counts},
        )


def revision(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(SpamFilterState.revision)).one()


def mark(app: Flask, action: str, **selection: Any) -> int:
    """An admin's decision, as the admin area and the CLI make it."""
    with app.app_context():
        return actions.change_status(Selection.of(**selection), action, "ann")


def sender_of(app: Flask, comment_id: int) -> str:
    return stored_comment(app, comment_id).sender_hash


# --- learning from decisions -----------------------------------------------------------


def test_spam_an_admin_marks_teaches_the_filter_to_hold_that_phrasing_from_anyone(
    trained: Flask,
) -> None:
    newcomer = reader(trained, "198.51.100.7")
    before = [posted(newcomer, "watches", 201, body=probe) for probe in SHOP_PROBES]
    shop = reader(trained, "203.0.113.66")
    shop_posts = [
        posted(shop, "watches", 201, body=body) for body in SHOP
    ]  # the filter lets them through

    assert mark(trained, "spam", sender=sender_of(trained, shop_posts[0]["id"])) == len(SHOP)

    after = [posted(newcomer, "watches", 202, body=probe) for probe in SHOP_PROBES]
    for old, new in zip(before, after, strict=True):
        assert new["status"] == "pending"
        held = stored_comment(trained, new["id"])
        assert (held.status, held.reason) == ("pending", "likely_spam")
        assert (
            held.spam_score >= learning.LIKELY_RANK > stored_comment(trained, old["id"]).spam_score
        )
    assert listed_ids(newcomer, "watches") == [c["id"] for c in reversed(before)]


def bulk_action(html: str) -> str:
    """Where the comments list's bulk form posts (the list's filters included)."""
    form = re.search(r'<form\b[^>]*class="bulk"[^>]*>', html)
    assert form, "the list has no bulk form"
    found = re.search(r'action="([^"]*)"', form.group(0))
    assert found
    return found.group(1).replace("&amp;", "&")


def test_good_comments_an_admin_approves_teach_the_filter_to_publish_the_next(
    trained: Flask,
) -> None:
    librarian = reader(trained, "198.51.100.8")
    before = posted(librarian, "library-news", 202, body=LIBRARY_PROBE)
    assert stored_comment(trained, before["id"]).reason == "likely_spam"
    for n, body in enumerate(LIBRARY):
        posted(reader(trained, f"192.0.2.{n + 10}"), "library-events", 202, body=body)

    # The admin opens the likely-spam list of that article and approves all of it.
    admin = signed_in(trained)
    page = admin.get("/admin/comments?status=pending&likely_spam=1&article=library-events")
    html = page.get_data(as_text=True)
    assert f"Apply to all {len(LIBRARY)} matching" in html
    target = bulk_action(html)
    response = admin.post(
        target, data={**hidden_fields(html, target), "action": "approve", "scope": "matching"}
    )
    assert response.status_code == 302

    after = posted(librarian, "library-news", 201, body=LIBRARY_PROBE)
    assert stored_comment(trained, after["id"]).spam_score < learning.LIKELY_RANK
    assert listed_ids(librarian, "library-news") == [after["id"]]
    assert len(listed_ids(librarian, "library-events")) == len(LIBRARY)
    assert stored_comment(trained, before["id"]).status == "pending"  # the earlier one still waits


# --- once per comment ------------------------------------------------------------------


def test_deciding_about_the_same_comments_again_teaches_nothing_more(trained: Flask) -> None:
    start, started_at = knowledge(trained), revision(trained)
    shop = reader(trained, "203.0.113.66")
    ids = [posted(shop, "watches", 201, body=body)["id"] for body in SHOP]
    sender = sender_of(trained, ids[0])

    mark(trained, "spam", sender=sender)
    once = knowledge(trained)
    assert (once.spam_docs, once.ham_docs) == (start.spam_docs + len(SHOP), start.ham_docs)
    assert revision(trained) > started_at  # other processes catch up

    mark(trained, "spam", sender=sender)
    mark(trained, "spam", ids=ids[:2])
    assert knowledge(trained) == once

    # Approving one of them moves it: unlearnt as spam, learnt as good.
    mark(trained, "approve", ids=[ids[0]])
    moved = knowledge(trained)
    assert (moved.spam_docs, moved.ham_docs) == (once.spam_docs - 1, once.ham_docs + 1)
    assert len(moved.examples) == len(once.examples)
    mark(trained, "approve", ids=[ids[0]])
    assert knowledge(trained) == moved


def test_training_on_a_file_again_learns_nothing(trained: Flask) -> None:
    before = knowledge(trained)

    with trained.app_context():
        again = training.read(str(VIDEOS[0]), "CONTENT", "CLASS")
        assert training.train(again, VIDEOS[0].name, "test") == 0

    assert knowledge(trained) == before


# --- untrained, switched off -----------------------------------------------------------


def distinct(texts: list[tuple[str, bool]], is_spam: bool) -> list[str]:
    other = {text for text, spam in texts if spam != is_spam}
    return [t for t in dict.fromkeys(t for t, spam in texts if spam == is_spam) if t not in other]


@pytest.mark.parametrize("scarce", ["spam", "good"])
def test_the_filter_holds_nothing_until_it_knows_enough_of_each_class(
    tmp_path: Any, scarce: str
) -> None:
    app = make_app(tmp_path)
    client = app.test_client()
    nothing_learnt = posted(client, "a1", 201, body=BLATANT)
    assert stored_comment(app, nothing_learnt["id"]).spam_score is None

    texts = youtube_texts(VIDEOS[0])
    few, many = distinct(texts, scarce == "spam"), distinct(texts, scarce != "spam")
    few_label = scarce == "spam"
    lessons = [(t, few_label) for t in few[: learning.TRUSTED_EXAMPLES - 1]]
    lessons += [(t, not few_label) for t in many]
    with app.app_context():
        training.train(training.Labelled(lessons, blank=0), "part of a video", "test")
    known = knowledge(app)
    assert (known.spam_docs if scarce == "spam" else known.ham_docs) == len(lessons) - len(many)
    assert len(lessons) - len(many) == learning.TRUSTED_EXAMPLES - 1
    assert len(many) > 2 * learning.TRUSTED_EXAMPLES

    almost = posted(client, "a1", 201, body=BLATANT)
    assert stored_comment(app, almost["id"]).spam_score is None

    with app.app_context():
        one_more = [(few[learning.TRUSTED_EXAMPLES - 1], few_label)]
        training.train(training.Labelled(one_more, blank=0), "one more", "test")

    trusted = posted(client, "a1", 202, body=BLATANT)
    held = stored_comment(app, trusted["id"])
    assert held.reason == "likely_spam"
    assert held.spam_score >= learning.LIKELY_RANK
    assert listed_ids(client, "a1") == [almost["id"], nothing_learnt["id"]]


def test_switched_off_the_filter_publishes_likely_spam_but_stores_its_score(
    tmp_path: Any,
    backend: str,
    learnt: dict[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMENTS_SPAM_FILTER", "off")
    app = trained_app(tmp_path, learnt)
    client = app.test_client()

    published = posted(client, "a1", 201, body=BLATANT)

    row = stored_comment(app, published["id"])
    assert (row.status, row.reason) == ("published", None)
    assert row.spam_score >= learning.LIKELY_RANK
    assert listed_ids(client, "a1") == [published["id"]]
    # The admin list's "likely spam" filter still finds it.
    page = signed_in(app).get("/admin/comments?likely_spam=1").get_data(as_text=True)
    assert "Apply to all 1 matching" in page


# --- edits -----------------------------------------------------------------------------


def test_an_edit_into_likely_spam_is_held_and_rescored(trained: Flask) -> None:
    client = trained.test_client()
    kept = posted(client, "a1", 201, body=LONG_BODY)
    comment = posted(
        client, "a1", 201, body="The minister said Tuesday, not Thursday; the vote is next week."
    )
    was = stored_comment(trained, comment["id"]).spam_score
    assert was is not None and was < learning.LIKELY_RANK

    response = client.patch(
        f"{comments_url('a1')}/{comment['id']}",
        json={"body": f"{LONG_BODY.strip()} {BLATANT}"},
        headers={"Authorization": f"Bearer {comment['edit_token']}"},
    )

    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "pending"
    row = stored_comment(trained, comment["id"])
    assert (row.status, row.reason) == ("pending", "likely_spam")
    assert row.spam_score >= learning.LIKELY_RANK
    assert listed_ids(client, "a1") == [kept["id"]]
