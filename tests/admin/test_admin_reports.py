"""The Reported queue: what admins see of readers' reports, and keeping or
removing a reported comment (one, or the checked ones), through the pages."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from widget.extensions import db
from widget.models import AuditEntry, Comment, Report
from widget.moderation import ModerationError, actions, reports
from widget.moderation.selection import Selection

from ..admin_support import csrf_token, flashes, submit
from ..conftest import LONG_BODY, comments_url, stored_comment
from ..public.test_likes import published, set_status, voter
from ..public.test_reports import ADDRESSES, listed, report, reported_by
from .test_admin_comments import bulk as bulk_in_list

QUEUE = "/admin/reports"


@pytest.fixture
def reported(client: FlaskClient) -> int:
    """A published comment one reader reported: its id."""
    cid = published(client)
    reported_by(client, cid, range(1))
    return cid


def keep(admin: FlaskClient, cid: int):
    """A row's Keep button."""
    return bulk(admin, "keep", [cid])


def remove(admin: FlaskClient, cid: int, decision: str = "Insults another reader."):
    """A row's Remove button, with the reason written above it."""
    return bulk(admin, "remove", [cid], decision)


def bulk(admin: FlaskClient, action: str, ids: list[int], decision: str = ""):
    """Keep or remove these comments (checked, or a row's own) from the queue page."""
    return submit(admin, QUEUE, f"{QUEUE}/{action}", {"ids": ids, "decision": decision})


def open_reports(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Report).where(Report.resolved_at.is_(None))).all())


def audit(app: Flask) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.actor, e.action, e.detail, e.count) for e in entries]


def flat(html: str) -> str:
    """Markup with every run of whitespace one space: no template indentation."""
    return " ".join(html.split())


def page_text(html: str) -> str:
    """A page as a reader of it sees it: text, no markup."""
    return flat(unescape(re.sub(r"<[^>]+>", "", html)))


def queue_text(admin: FlaskClient) -> str:
    return page_text(admin.get(QUEUE).get_data(as_text=True))


# --- who may see it --------------------------------------------------------------


def test_the_queue_needs_a_signed_in_admin_and_its_csrf_token(
    app: Flask, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(3))

    page = client.get(QUEUE)
    action = client.post(f"{QUEUE}/keep", data={"ids": [str(cid)]})

    assert page.status_code == 302
    assert "/admin/login" in page.location
    assert action.status_code == 400  # no token: refused before sign-in is asked for
    assert stored_comment(app, cid).status == "pending"
    assert open_reports(app) == 3


def test_the_nav_and_the_dashboard_lead_to_the_queue(
    admin: FlaskClient, client: FlaskClient
) -> None:
    first, second = (published(client, author=f"R{i}") for i in range(2))
    reported_by(client, first, range(3))
    reported_by(client, second, range(1))

    dashboard = flat(admin.get("/admin/").get_data(as_text=True))

    assert f'<a href="{QUEUE}">Reported</a>' in dashboard
    assert f'<a href="{QUEUE}"> <span class="stat-number">2</span>' in dashboard
    assert "Reported by readers" in dashboard
    keep(admin, second)
    assert '<span class="stat-number">1</span> <span class="stat-label">Reported' in flat(
        admin.get("/admin/").get_data(as_text=True)
    )


# --- what it shows ---------------------------------------------------------------


def test_the_queue_shows_the_reports_as_text(admin: FlaskClient, client: FlaskClient) -> None:
    cid = published(client, body="<img src=x onerror=alert(1)> " + LONG_BODY)
    report(client, cid, voter(0), ADDRESSES[0], reason="abuse", details="<script>alert(2)</script>")
    report(client, cid, voter(1), ADDRESSES[1], reason="abuse")
    report(client, cid, voter(3), ADDRESSES[0], reason="spam", email="spam-reporter@example.com")
    report(
        client,
        cid,
        voter(2),
        ADDRESSES[2],
        reason="illegal",
        details="It names a minor.",
        email="witness@example.com",
    )  # the third address: held

    html = admin.get(QUEUE).get_data(as_text=True)

    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Abuse \u00d7 2" in html and "Illegal \u00d7 1" in html and "Spam \u00d7 1" in html
    assert "4 open reports" in html
    assert "It names a minor." in html
    assert "witness@example.com" in html  # the receipt address of an illegal report
    assert "spam-reporter@example.com" not in html
    assert "pending" in html  # held by three addresses


def test_the_most_recently_reported_comment_comes_first(
    admin: FlaskClient, client: FlaskClient
) -> None:
    older, newer = published(client, author="Older"), published(client, author="Newer")
    report(client, newer, voter(0))
    report(client, older, voter(1))

    html = admin.get(QUEUE).get_data(as_text=True)

    assert html.index(f'id="reported-{older}"') < html.index(f'id="reported-{newer}"')
    report(client, newer, voter(2))
    html = admin.get(QUEUE).get_data(as_text=True)
    assert html.index(f'id="reported-{newer}"') < html.index(f'id="reported-{older}"')


def test_a_reported_reply_shows_what_it_answers(admin: FlaskClient, client: FlaskClient) -> None:
    body = "First words of the answered comment,\n\nthen more: " + LONG_BODY * 3
    root = published(client, author="Priya <S>", body=body)
    reply = published(client, author="Rohit P", parent_id=root)
    report(client, reply)

    text = queue_text(admin)

    shown = ("First words of the answered comment, then more: " + LONG_BODY)[:79]  # and "…"
    assert f"Answers Priya <S> #{root}: \u201c{shown}\u2026\u201d" in text
    assert "Priya &lt;S&gt;" in admin.get(QUEUE).get_data(as_text=True)


def test_many_reports_show_the_illegal_ones_and_the_newest(
    admin: FlaskClient, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "SHOWN_REPORTS", 2)
    cid = published(client)
    report(
        client, cid, voter(0), reason="illegal", details="First, illegal.", email="w@example.com"
    )
    for n in range(1, 5):
        report(client, cid, voter(n), ADDRESSES[0], reason="spam", details=f"Spam note {n}")

    text = queue_text(admin)

    assert "First, illegal." in text and "Spam note 4" in text
    assert "Spam note 3" not in text and "Spam note 1" not in text
    assert "and 3 more." in text


def test_an_empty_queue_says_so(admin: FlaskClient) -> None:
    assert "No open reports" in admin.get(QUEUE).get_data(as_text=True)


def test_a_bad_page_number_is_400(admin: FlaskClient) -> None:
    assert admin.get(f"{QUEUE}?page=abc").status_code == 400
    assert admin.get(f"{QUEUE}?page=0").status_code == 400


# --- keep --------------------------------------------------------------------------


def test_keep_publishes_a_held_comment_and_resolves_its_reports(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(3))
    assert listed(client) == ([], 0)

    response = keep(admin, cid)

    assert response.status_code == 302
    assert "Kept: 1 comment." in flashes(admin.get(response.location))
    assert listed(client) == ([cid], 1)
    kept = stored_comment(app, cid)
    assert kept.status == "published" and kept.reviewed_at is not None
    assert open_reports(app) == 0
    assert "No open reports" in admin.get(QUEUE).get_data(as_text=True)
    assert audit(app)[-1] == ("ann", "keep_reported", f"1 chosen ({cid})", 1)


def test_a_kept_comment_reported_again_is_queued_but_stays_published(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(2))  # not held yet
    keep(admin, cid)

    reported_by(client, cid, range(2, 6))

    assert stored_comment(app, cid).status == "published"
    assert listed(client) == ([cid], 1)
    assert f'id="reported-{cid}"' in admin.get(QUEUE).get_data(as_text=True)
    assert "kept after earlier reports" in admin.get(QUEUE).get_data(as_text=True)


def test_keep_leaves_a_comment_held_or_refused_for_another_reason(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    spam, edited = published(client), published(client, author="Rohit P")
    reported_by(client, spam, range(3))  # held by readers, then an admin marks it spam
    with app.app_context():
        actions.change_status(Selection.of(ids=[spam]), "spam", "bob")
    report(client, edited)  # reported, then its author's edit is held by a rule
    with app.app_context():
        db.session.execute(
            db.update(Comment)
            .where(Comment.id == edited)
            .values(status="pending", reason="blocked_phrase")
        )
        db.session.commit()

    bulk(admin, "keep", [spam, edited])

    assert stored_comment(app, spam).status == "spam"
    assert (stored_comment(app, edited).status, stored_comment(app, edited).reason) == (
        "pending",
        "blocked_phrase",
    )
    assert open_reports(app) == 0


def test_keep_without_the_csrf_token_changes_nothing(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(3))

    response = admin.post(f"{QUEUE}/keep", data={"ids": [str(cid)]})

    assert response.status_code == 400
    assert stored_comment(app, cid).status == "pending"
    assert open_reports(app) == 3


@pytest.mark.parametrize("action", ["keep", "remove"])
def test_deciding_what_another_admin_decided_says_so(
    app: Flask, admin: FlaskClient, reported: int, action: str
) -> None:
    target = f"{QUEUE}/{action}"
    page = admin.get(QUEUE).get_data(as_text=True)  # the page as the slower admin saw it
    keep(admin, reported)  # the quicker one

    response = admin.post(
        target,
        data={"csrf_token": csrf_token(page, target), "ids": [reported], "decision": "Off topic."},
    )

    assert "Nothing changed: the reports were already dealt with." in flashes(
        admin.get(response.location)
    )
    assert stored_comment(app, reported).status == "published"
    assert stored_comment(app, reported).decision is None
    assert [a[1] for a in audit(app)] == ["keep_reported"]


# --- remove ------------------------------------------------------------------------


def test_remove_deletes_the_comment_with_the_admins_reason(
    app: Flask, admin: FlaskClient, client: FlaskClient, reported: int
) -> None:
    other = published(client, author="Rohit P")

    response = remove(admin, reported, "  Insults another reader; see our rules, section 2.  ")

    assert "Removed: 1 comment." in flashes(admin.get(response.location))
    removed = stored_comment(app, reported)
    assert removed.status == "deleted"
    assert removed.decision == "Insults another reader; see our rules, section 2."
    assert listed(client) == ([other], 1)
    assert open_reports(app) == 0
    assert audit(app)[-1] == (
        "ann",
        "remove_reported",
        f"1 chosen ({reported}): Insults another reader; see our rules, section 2.",
        1,
    )


@pytest.mark.parametrize("decision", ["", "   \n "])
def test_remove_needs_a_reason(
    app: Flask, admin: FlaskClient, reported: int, decision: str
) -> None:
    response = remove(admin, reported, decision)

    assert "Write why the comment is removed: its author is told." in flashes(
        admin.get(response.location)
    )
    assert stored_comment(app, reported).status == "published"
    assert stored_comment(app, reported).decision is None
    assert open_reports(app) == 1
    assert audit(app) == []


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("x" * 1001, "Reason for removal: Field cannot be longer than 1000 characters."),
        ("a bell \x07", "Reason for removal: Contains control characters that cannot be stored."),
    ],
)
def test_a_reason_too_long_or_unreadable_is_refused(
    app: Flask, admin: FlaskClient, reported: int, decision: str, message: str
) -> None:
    response = remove(admin, reported, decision)

    assert response.status_code == 400
    assert message in page_text(response.get_data(as_text=True))
    assert stored_comment(app, reported).status == "published"
    assert open_reports(app) == 1


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (" ", "Write why the comment is removed"),
        ("x" * 1001, "at most 1000 characters of plain text"),
        ("null \x00", "at most 1000 characters of plain text"),
    ],
)
def test_removing_from_code_checks_the_reason_too(
    app: Flask, client: FlaskClient, decision: str, message: str
) -> None:
    """The CLI's way in: the same rules as the admin's form."""
    cid = published(client)
    report(client, cid)

    with app.app_context(), pytest.raises(ModerationError, match=message):
        reports.remove([cid], decision, "cli")

    assert stored_comment(app, cid).status == "published"
    assert open_reports(app) == 1


def test_a_reason_of_1000_characters_is_kept_whole(
    app: Flask, admin: FlaskClient, reported: int
) -> None:
    remove(admin, reported, "é" * 1000)

    assert stored_comment(app, reported).decision == "é" * 1000


def test_remove_without_the_csrf_token_changes_nothing(
    app: Flask, admin: FlaskClient, reported: int
) -> None:
    response = admin.post(f"{QUEUE}/remove", data={"ids": [reported], "decision": "Off topic."})

    assert response.status_code == 400
    assert stored_comment(app, reported).status == "published"


def test_removing_a_reply_keeps_its_thread_counts_exact(
    admin: FlaskClient, client: FlaskClient
) -> None:
    root = published(client)
    reply = published(client, author="Rohit P", parent_id=root)
    report(client, reply)

    remove(admin, reply)

    (shown,) = client.get(comments_url("a1")).get_json()["comments"]
    assert (shown["reply_count"], shown["replies"]) == (0, [])
    assert listed(client) == ([root], 1)


# --- bulk ------------------------------------------------------------------------------


def test_keep_selected(app: Flask, admin: FlaskClient, client: FlaskClient) -> None:
    a, b, c = (published(client, author=f"R{i}") for i in range(3))
    for cid in (a, b, c):
        reported_by(client, cid, range(3))

    response = bulk(admin, "keep", [a, b])

    assert "Kept: 2 comments." in flashes(admin.get(response.location))
    assert [stored_comment(app, i).status for i in (a, b, c)] == [
        "published",
        "published",
        "pending",
    ]
    assert listed(client) == ([b, a], 2)
    assert open_reports(app) == 3
    assert audit(app)[-1] == ("ann", "keep_reported", f"2 chosen ({a}, {b})", 2)


def test_remove_selected_with_one_reason(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    a, b, c = (published(client, author=f"R{i}") for i in range(3))
    for cid in (a, b, c):
        report(client, cid)

    refused = bulk(admin, "remove", [a, b])
    assert "Write why the comment is removed: its author is told." in flashes(
        admin.get(refused.location)
    )
    assert listed(client) == ([c, b, a], 3)

    response = bulk(admin, "remove", [a, b], "Spam wave of 4 May.")

    assert "Removed: 2 comments." in flashes(admin.get(response.location))
    assert [stored_comment(app, i).decision for i in (a, b, c)] == [
        "Spam wave of 4 May.",
        "Spam wave of 4 May.",
        None,
    ]
    assert listed(client) == ([c], 1)
    assert open_reports(app) == 1


def test_bulk_with_nothing_selected_asks_for_a_choice(
    app: Flask, admin: FlaskClient, reported: int
) -> None:
    response = bulk(admin, "remove", [], "Off topic.")

    assert "Choose at least one comment." in flashes(admin.get(response.location))
    assert stored_comment(app, reported).status == "published"


@pytest.mark.parametrize("action", ["keep", "remove"])
@pytest.mark.parametrize("ids", [["x"], ["0"], ["-1"], ["99999999999"], ["1"] * 501])
def test_forged_ids_are_400(
    app: Flask, admin: FlaskClient, reported: int, action: str, ids: list[str]
) -> None:
    response = submit(admin, QUEUE, f"{QUEUE}/{action}", {"ids": ids, "decision": "Spam."})

    assert response.status_code == 400
    assert open_reports(app) == 1


# --- hostile input -------------------------------------------------------------------

hostile = st.one_of(
    st.text(max_size=1200),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "0", "1", "NaN", "' OR 1=1 --", "%00", "\x00", "<script>"]),
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_hostile_fields_get_a_page_or_a_clear_400(admin: FlaskClient, reported: int) -> None:
    token = csrf_token(admin.get(QUEUE).get_data(as_text=True), f"{QUEUE}/keep")

    @FUZZ
    @given(
        action=st.sampled_from(["keep", "remove"]),
        ids=st.lists(hostile, max_size=3),
        decision=hostile,
        page=hostile,
    )
    def post(action: str, ids: list[str], decision: str, page: str) -> None:
        data = {"csrf_token": token, "ids": ids, "decision": decision}
        assert admin.post(f"{QUEUE}/{action}", data=data).status_code in (302, 400)
        assert admin.get(QUEUE, query_string={"page": page}).status_code in (200, 400)

    post()


def test_approving_a_reported_comment_in_the_list_counts_as_a_review(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    cid = published(client)
    reported_by(client, cid, range(3))  # held

    bulk_in_list(admin, "approve", "selected", [cid], status="pending")

    assert listed(client) == ([cid], 1)
    assert stored_comment(app, cid).reviewed_at is not None
    assert open_reports(app) == 0
    assert "No open reports" in admin.get(QUEUE).get_data(as_text=True)
    reported_by(client, cid, range(3, 6))  # reported again: queued, not held
    assert stored_comment(app, cid).status == "published"
    assert f'id="reported-{cid}"' in admin.get(QUEUE).get_data(as_text=True)


def test_approving_a_comment_nobody_reported_is_no_review(
    app: Flask, admin: FlaskClient, client: FlaskClient
) -> None:
    cid = published(client)
    set_status(app, cid, "pending")

    bulk_in_list(admin, "approve", "selected", [cid], status="pending")

    assert stored_comment(app, cid).reviewed_at is None
    reported_by(client, cid, range(3))
    assert stored_comment(app, cid).status == "pending"


def test_the_comments_list_shows_what_a_reply_answers(
    admin: FlaskClient, client: FlaskClient
) -> None:
    root = published(client, author="Priya <S>")
    published(client, author="Rohit P", parent_id=root)

    html = admin.get("/admin/comments").get_data(as_text=True)

    assert (
        f'Answers <span class="author">Priya &lt;S&gt;</span> <span class="mono">#{root}</span>'
        in html
    )
    assert html.count("Answers ") == 1


def test_approving_one_reported_comment_reviews_that_one_only(
    app: Flask, client: FlaskClient
) -> None:
    approved, other = published(client), published(client)
    reported_by(client, approved, range(3))  # held
    reported_by(client, other, range(2))  # reported, still published

    with app.app_context():
        actions.change_status(Selection.of(ids=[approved]), "approve", "test")
        open_of_other = db.session.scalars(
            select(Report).where(Report.comment_id == other, Report.resolved_at.is_(None))
        ).all()

    assert stored_comment(app, approved).reviewed_at is not None
    assert stored_comment(app, other).reviewed_at is None
    assert len(open_of_other) == 2
