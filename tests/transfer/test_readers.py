"""A reader's data request, as the reader and the site's other readers see it:
the export holds everything kept about their address, and after an erase the
listing shows nothing of them but empty placeholders where others replied,
the counts drop at once, no mail goes out, and the address is nowhere in the
database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, Text, func, inspect, select, text, update

from widget.errors import Refusal
from widget.extensions import db
from widget.models import AuditEntry, Comment, Report, SpamExample, Status
from widget.moderation import actions, reports
from widget.moderation.selection import Selection
from widget.notify.models import OutboxMessage, ReplyWatch, State, Subscriber
from widget.transfer import readers

from ..conftest import comments_url, make_app, posted, reader

ANN = "Ann.Reader@Example.org"  # as she typed it on the form
ANN_KEY = "ann.reader@example.org"  # what any trace of her address contains, lower-cased
BOB = "bob@example.org"
ANN_NAME = "Ann Quirinal"  # a name nobody else has: its absence is checkable
ANN_ADDRESS, BOB_ADDRESS = "203.0.113.5", "198.51.100.7"


def _body(word: str) -> str:
    return f"A considered comment about the article, number {word}, long enough to pass."


@pytest.fixture
def app(tmp_path: Path, backend: str) -> Flask:
    """Mail and webhooks configured, so that anything an erase sent would show
    up in the outbox (no server is reached: nothing drains it)."""
    return make_app(
        tmp_path,
        PUBLIC_URL="https://comments.news.example",
        SMTP_URL="smtp://mailer:secret@127.0.0.1:9",
        MAIL_FROM="comments@news.example",
        WEBHOOK_URLS=["https://hooks.news.example/comments"],
        WEBHOOK_SECRET=b"0123456789abcdef0123",
    )


@dataclass
class Scene:
    """Ann's comments of every kind, and Bob's around them."""

    top: int  # a1, published; Bob replied: stays as a placeholder
    bob_reply: int
    alone: int  # a1, published, no replies; stored with spaces and other case
    bob_top: int  # a1, Bob's; Ann replied to it
    reply: int  # a1, Ann's reply to Bob: goes, Bob's thread shows no reply
    chain: int  # a1, Ann's comment with only her own reply below: both go
    chain_reply: int
    deep: int  # a1, Ann's comment, her reply to it, and Bob's reply to that: hers stay
    deep_mid: int
    deep_reply: int
    held_thread: int  # a2, Ann's; only a pending reply of Bob's below it
    bob_pending: int
    pending: int  # a2, Ann's comments of the other statuses
    spam: int
    deleted: int
    bob_a2: int  # a2, Bob's, that Ann reported as illegal

    @property
    def anns(self) -> set[int]:
        return {
            self.top,
            self.alone,
            self.reply,
            self.chain,
            self.chain_reply,
            self.deep,
            self.deep_mid,
            self.held_thread,
            self.pending,
            self.spam,
            self.deleted,
        }


def _post(app: Flask, who: str, article_id: str = "a1", **fields: Any) -> int:
    address, email, author = (
        (ANN_ADDRESS, ANN, ANN_NAME) if who == "ann" else (BOB_ADDRESS, BOB, "Bob Jones")
    )
    given = {"author": author, "email": email, "body": _body(f"{who} on {article_id}"), **fields}
    return posted(reader(app, address), article_id, **given)["id"]


def _status(app: Flask, comment_id: int, to: Status) -> None:
    with app.app_context():
        actions.set_status(Selection.of(ids=[comment_id]), to)
        db.session.commit()


def _scene(app: Flask) -> Scene:
    top = _post(app, "ann", notify_replies=True, body=_body("top"))
    bob_reply = _post(app, "bob", parent_id=top)
    alone = _post(app, "ann", body=_body("alone"))
    bob_top = _post(app, "bob")
    reply = _post(app, "ann", parent_id=bob_top, body=_body("reply"))
    chain = _post(app, "ann", body=_body("chain"))
    chain_reply = _post(app, "ann", parent_id=chain, body=_body("chain reply"))
    deep = _post(app, "ann", body=_body("deep"))
    deep_mid = _post(app, "ann", parent_id=deep, body=_body("deep mid"))
    deep_reply = _post(app, "bob", parent_id=deep_mid)
    held_thread = _post(app, "ann", "a2", body=_body("held thread"))
    bob_pending = _post(app, "bob", "a2", parent_id=held_thread)
    _status(app, bob_pending, Status.PENDING)
    pending = _post(app, "ann", "a2", body=_body("pending"))
    _status(app, pending, Status.PENDING)
    spam = _post(app, "ann", "a2", body=_body("spam"))
    deleted = _post(app, "ann", "a2", body=_body("deleted"))
    bob_a2 = _post(app, "bob", "a2")
    with app.app_context():
        # An admin's decisions: the spam filter keeps a copy of the text.
        actions.change_status(Selection.of(ids=[spam]), "spam", "desk")
        actions.change_status(Selection.of(ids=[deleted]), "delete", "desk")
        # An importer keeps addresses as the source had them.
        db.session.execute(
            update(Comment).where(Comment.id == alone).values(email="  ANN.READER@example.ORG ")
        )
        # Mails to her that went out, and one given up on.
        db.session.execute(update(OutboxMessage).values(state=State.SENT))
        db.session.add(
            OutboxMessage(
                kind="mail",
                payload=json.dumps({"to": [" ANN.reader@EXAMPLE.org"], "subject": "s"}),
                state=State.FAILED,
            )
        )
        db.session.commit()
    response = reader(app, ANN_ADDRESS).post(
        f"/api/v1/articles/a2/comments/{bob_a2}/reports",
        json={
            "voter": "box-voter-0000000001",
            "reason": "illegal",
            "details": "It names my neighbour.",
            "email": ANN,
        },
    )
    assert response.status_code == 202, response.get_json()
    # Bob reports her first comment: an admin would see it in the Reported queue.
    response = reader(app, BOB_ADDRESS).post(
        f"/api/v1/articles/a1/comments/{top}/reports",
        json={"voter": "box-voter-0000000002", "reason": "abuse"},
    )
    assert response.status_code == 202, response.get_json()
    return Scene(
        top, bob_reply, alone, bob_top, reply, chain, chain_reply, deep, deep_mid, deep_reply,
        held_thread, bob_pending, pending, spam, deleted, bob_a2,
    )  # fmt: skip


def _listing(client: FlaskClient, article_id: str = "a1") -> dict[str, Any]:
    """The public listing, without its form (a new token each time)."""
    listing = client.get(comments_url(article_id)).get_json()
    del listing["form"]
    return listing


def _count(client: FlaskClient, article_id: str) -> int:
    answer = client.get(f"/api/v1/counts?article_id={article_id}").get_json()
    return answer["counts"][article_id]


def _shown(listing: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Every comment the listing shows, top-level and replies, by id."""
    found = {}
    for comment in listing["comments"]:
        found[comment["id"]] = comment
        for reply in comment.get("replies", []):
            found[reply["id"]] = reply
    return found


def _traces(app: Flask, needle: str) -> list[str]:
    """Every table.column of the database whose text holds ``needle`` (any
    case): read from the database itself, so a new table is searched too."""
    found = []
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if not isinstance(column["type"], String | Text):
                    continue
                name = column["name"]
                query = text(f'SELECT count(*) FROM "{table}" WHERE lower("{name}") LIKE :n')  # noqa: S608 (names from the schema)
                if db.session.scalar(query, {"n": f"%{needle}%"}):
                    found.append(f"{table}.{name}")
    return found


def _outbox_ids(app: Flask) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(OutboxMessage.id)))


# --- erase -----------------------------------------------------------------------


def test_after_an_erase_only_placeholders_are_left_where_others_replied(
    app: Flask, client: FlaskClient
) -> None:
    scene = _scene(app)
    assert ANN_NAME in json.dumps(_listing(client))
    before = {article: _count(client, article) for article in ("a1", "a2")}
    assert before == {"a1": 10, "a2": 2}

    with app.app_context():
        erased = readers.erase(ANN, "cli")

    a1 = _listing(client)
    shown = _shown(a1)
    # Her comment with Bob's reply is an empty placeholder; his reply stays below it.
    placeholder = shown[scene.top]
    assert placeholder["deleted"] is True
    assert placeholder["author"] is None and placeholder["body"] is None
    assert [r["id"] for r in placeholder["replies"]] == [scene.bob_reply]
    # Nothing else of hers is shown; Bob's thread has no reply any more.
    assert set(shown) == {scene.top, scene.bob_reply, scene.bob_top, scene.deep, scene.deep_reply}
    # Below her own reply, Bob's reply keeps its place under her first comment.
    assert [r["id"] for r in shown[scene.deep]["replies"]] == [scene.deep_reply]
    assert shown[scene.deep]["deleted"] is True and shown[scene.deep]["body"] is None
    assert shown[scene.deep_reply]["parent_id"] == scene.deep_mid
    assert shown[scene.bob_top]["reply_count"] == 0 and shown[scene.bob_top]["replies"] == []
    assert ANN_NAME not in json.dumps(a1) and "Ann" not in json.dumps(a1)
    # Her a2 comment had only a held reply below it: nothing left to show.
    assert [c["id"] for c in _listing(client, "a2")["comments"]] == [scene.bob_a2]
    # The counts dropped at once: a1 lost her 7 published comments, a2 one.
    assert _count(client, "a1") == 3 and a1["total"] == 3
    assert _count(client, "a2") == 1

    with app.app_context():
        rows = {
            c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(scene.anns)))
        }
        # Kept only where someone else's comment (of any status) hangs below.
        assert set(rows) == {scene.top, scene.deep, scene.deep_mid, scene.held_thread}
        for kept in rows.values():
            assert kept.status == Status.DELETED
            assert (kept.author, kept.body, kept.email, kept.user_agent) == ("", "", None, "")
            assert kept.sender_hash == readers.ERASED_SENDER
            assert kept.edit_token_hash is None and kept.body_hash is None
        assert db.session.scalar(select(func.count()).where(Comment.author == ANN_NAME)) == 0
        # An emptied comment leaves the Reported queue: nothing is left to judge.
        assert [entry.comment.id for entry in reports.queue(0, 10)] == [scene.bob_a2]
    assert erased == readers.Erased(
        deleted=7, placeholders=4, reports=1, subscriptions=1, watches=1, messages=2, examples=1
    )
    assert erased.describe() == (
        "Erased: 7 comments deleted, 4 comments emptied and kept for the replies below, "
        "1 report kept without the address, 1 reply-mail subscription removed, "
        "1 watched comment forgotten, 2 mails removed from the outbox, "
        "1 spam-filter example removed."
    )


def test_after_an_erase_the_address_is_nowhere_and_nothing_was_sent(app: Flask) -> None:
    scene = _scene(app)
    # Her address is kept in comments, her report, her subscription and the outbox.
    assert set(_traces(app, ANN_KEY)) == {
        "comments.email",
        "reports.email",
        "mail_subscribers.email",
        "outbox.payload",
    }
    outbox_before = _outbox_ids(app)

    with app.app_context():
        readers.erase(f"  {ANN.upper()}  ", "desk")

    assert _traces(app, ANN_KEY) == []
    # No mail and no webhook recorded: only the mails to her left the outbox.
    assert _outbox_ids(app) < outbox_before
    with app.app_context():
        # Her report stays, without the address; Bob's comment is untouched.
        report = db.session.scalars(select(Report).where(Report.reason == "illegal")).one()
        assert (report.comment_id, report.reason, report.email) == (scene.bob_a2, "illegal", None)
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReplyWatch)) == 0
        # The spam filter's copy of her text is gone.
        assert db.session.scalars(select(SpamExample.text)).all() == []
        # Audited by a keyed hash of the address, never the address.
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reader_erase")
        ).one()
        assert (entry.actor, entry.count) == ("desk", 11)
        assert entry.detail == f"reader {readers.reader_hash(ANN_KEY)}"
        assert len(readers.reader_hash(ANN_KEY)) == 12


def test_a_mail_to_others_as_well_loses_only_her_address(app: Flask) -> None:
    with app.app_context():
        payload = {"to": ["desk@news.example", ANN], "subject": "Digest"}
        db.session.add(OutboxMessage(kind="mail", payload=json.dumps(payload)))
        db.session.commit()
        erased = readers.erase(ANN_KEY, "cli")
        kept = db.session.scalars(select(OutboxMessage.payload)).one()
    assert erased.messages == 1
    assert json.loads(kept) == {"to": ["desk@news.example"], "subject": "Digest"}


def test_an_unknown_address_is_no_error_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    top = _post(app, "ann", notify_replies=True)
    _post(app, "bob", parent_id=top)
    listing, outbox = _listing(client), _outbox_ids(app)
    with app.app_context():
        erased = readers.erase("someone.else@example.org", "cli")
        # Neighbours of her address by spelling are someone else.
        assert readers.erase("nn.reader@example.org", "cli") == readers.Erased()
        assert readers.erase("ann.reader@example.org.uk", "cli") == readers.Erased()
        answer = readers.export("ann_reader@example.org", "cli")
    assert erased == readers.Erased()
    assert erased.describe() == "Nothing was held about that address."
    assert answer == {
        "email": "ann_reader@example.org",
        "comments": [],
        "reports": [],
        "reply_mails": None,
    }
    assert _listing(client) == listing and _count(client, "a1") == 2
    assert _outbox_ids(app) == outbox and _traces(app, ANN_KEY)


def test_an_empty_address_is_refused(app: Flask) -> None:
    _post(app, "ann")
    with app.app_context():
        db.session.execute(update(Comment).values(email=""))  # as some imports keep "no address"
        db.session.commit()
        for given in ("", "   "):
            with pytest.raises(Refusal, match="Give the reader's email address"):
                readers.erase(given, "cli")
            with pytest.raises(Refusal):
                readers.export(given, "cli")
        with pytest.raises(Refusal, match="at most 254"):
            readers.erase("a" * 250 + "@x.org", "cli")
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


# --- export ----------------------------------------------------------------------


def test_the_export_holds_every_comment_report_and_subscription_of_the_address(
    app: Flask,
) -> None:
    scene = _scene(app)
    with app.app_context():
        answer = readers.export(" ann.READER@example.ORG", "desk")

    assert answer["email"] == ANN_KEY
    comments = {line["id"]: line for line in answer["comments"]}
    # Every one of hers, of every status; none of Bob's.
    assert set(comments) == scene.anns
    assert {line["status"] for line in comments.values()} == {
        "published",
        "pending",
        "spam",
        "deleted",
    }
    assert comments[scene.reply]["parent_id"] == scene.bob_top
    assert comments[scene.top]["body"] == _body("top")
    assert comments[scene.alone]["email"] == "  ANN.READER@example.ORG "
    assert {line["author"] for line in comments.values()} == {ANN_NAME}
    assert [line["id"] for line in answer["comments"]] == sorted(comments)  # id order
    assert answer["reports"] == [
        {
            "comment_id": scene.bob_a2,
            "reason": "illegal",
            "details": "It names my neighbour.",
            "created_at": answer["reports"][0]["created_at"],
        }
    ]
    assert answer["reports"][0]["created_at"].endswith("Z")
    mails = answer["reply_mails"]
    assert (mails["status"], mails["watching"], mails["confirmed_at"]) == (
        "pending",
        [scene.top],
        None,
    )
    # Written as the CLI prints it; an export changes nothing but the audit log.
    assert json.loads(readers.to_json(answer)) == answer
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reader_export")
        ).one()
        assert (entry.actor, entry.count, entry.detail) == (
            "desk",
            11,
            f"reader {readers.reader_hash(ANN_KEY)}",
        )
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_an_address_beyond_ascii_is_matched_in_any_case(app: Flask, client: FlaskClient) -> None:
    """Databases lower-case only ASCII: the match is made in Python."""
    first = _post(app, "bob", email="ÄNNE@Bücher.example")
    other = _post(app, "bob", email="anne@bucher.example")
    with app.app_context():
        answer = readers.export("änne@bücher.EXAMPLE", "cli")
        assert [line["id"] for line in answer["comments"]] == [first]
        erased = readers.erase("  äNNE@BÜCHER.example", "cli")
    assert erased.deleted == 1
    assert set(_shown(_listing(client))) == {other}


# --- the CLI, on an imported site ---------------------------------------------------

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
WORDPRESS = str(DATA / "isso-wordpress.xml")  # info@posativ.org wrote 6 of its 8 comments


def _ids(listing: dict[str, Any]) -> set[int]:
    return set(_shown(listing))


def test_the_cli_exports_and_erases_an_imported_readers_comments(
    app: Flask, client: FlaskClient, runner: Any
) -> None:
    assert runner.invoke(args=["import", "wordpress", WORDPRESS]).exit_code == 0
    before = {article: _count(client, article) for article in ("18", "4")}
    assert sum(before.values()) == 8

    exported = runner.invoke(args=["reader", "export", " INFO@posativ.org "])

    assert exported.exit_code == 0, exported.output
    answer = json.loads(exported.output)
    hers = {line["id"] for line in answer["comments"]}
    assert len(hers) == 6 and {line["source"] for line in answer["comments"]} == {"wordpress"}

    erased = runner.invoke(args=["reader", "erase", "info@POSATIV.org"])

    assert erased.exit_code == 0, erased.output
    assert erased.output == "Erased: 6 comments deleted.\n"
    # Nobody else replied to her: nothing of hers is listed, the others' stay.
    assert sum(_count(client, article) for article in ("18", "4")) == 2
    shown = _ids(_listing(client, "18")) | _ids(_listing(client, "4"))
    assert len(shown) == 2 and not shown & hers
    assert _traces(app, "info@posativ.org") == []
    refused = runner.invoke(args=["reader", "erase", "  "])
    assert refused.exit_code == 1
    assert refused.output == "Error: Give the reader's email address.\n"


def test_importing_the_same_file_again_does_not_bring_an_erased_reader_back(
    client: FlaskClient, runner: Any
) -> None:
    assert runner.invoke(args=["import", "wordpress", WORDPRESS]).exit_code == 0
    assert runner.invoke(args=["reader", "erase", "info@posativ.org"]).exit_code == 0

    assert runner.invoke(args=["import", "wordpress", WORDPRESS]).exit_code == 0

    assert sum(_count(client, article) for article in ("18", "4")) == 2
