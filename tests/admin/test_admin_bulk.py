"""The "Apply to all N matching" button acts only on what the admin saw: never
on comments that arrived after the page was drawn, and not at all when the
match changed meanwhile."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment
from widget.moderation import actions
from widget.moderation.selection import Selection

from ..admin_support import csrf_token, flashes, hidden_fields, submit
from ..conftest import comments_url, post_comment
from .test_admin_comments import add_comments, statuses

PENDING = "/admin/comments?status=pending"
BULK_PENDING = "/admin/comments/bulk?status=pending"


def status_of(app: Flask, author: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Comment.status).where(Comment.author == author))


def post_form(admin: FlaskClient, html: str, target: str, **data: str):
    """Post the bulk form of a page drawn earlier, as the browser still shows it."""
    return admin.post(target, data={**hidden_fields(html, target), **data})


@pytest.mark.parametrize(
    ("action", "done", "after"),
    [("approve", "Approved", "published"), ("spam", "Marked as spam", "spam"),
     ("delete", "Deleted", "deleted")],
)  # fmt: skip
def test_a_comment_arriving_after_the_page_is_not_touched(
    app: Flask, admin: FlaskClient, action: str, done: str, after: str
) -> None:
    """The report: "all 1 matching" on the page; a spam comment arrived; Approve
    said "Approved: 2 comments" and published the spam."""
    add_comments(app, [{"article_id": "a1", "status": "pending", "author": "Held reader"}])
    page = admin.get(PENDING).get_data(as_text=True)
    assert "Apply to all 1 matching" in page
    arrived = post_comment(app.test_client(), "a1", author="Spammer", token="forged")
    assert arrived.status_code == 202  # held: it matches the filter too

    response = post_form(admin, page, BULK_PENDING, action=action, scope="matching")

    assert response.status_code == 302
    assert f"{done}: 1 comment." in flashes(admin.get(response.location))
    assert status_of(app, "Held reader") == after
    assert status_of(app, "Spammer") == "pending"
    listing = app.test_client().get(comments_url("a1")).get_json()
    authors = [c["author"] for c in listing["comments"]]
    assert authors == (["Held reader"] if action == "approve" else [])


def test_all_comments_unfiltered_leaves_newer_ones_alone(app: Flask, admin: FlaskClient) -> None:
    add_comments(app, [{"article_id": "a1", "author": f"Old {i}"} for i in range(3)])
    page = admin.get("/admin/comments").get_data(as_text=True)
    assert "Apply to all 3 comments" in page
    assert post_comment(app.test_client(), "a1", author="Newer").status_code == 201

    response = post_form(admin, page, "/admin/comments/bulk", action="delete", scope="matching")

    assert "Deleted: 3 comments." in flashes(admin.get(response.location))
    assert statuses(app) == {"deleted": 3, "published": 1}
    assert status_of(app, "Newer") == "published"


def test_a_changed_match_is_asked_about_again(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(
        app, [{"article_id": "a1", "status": "pending", "author": f"R{i}"} for i in range(3)]
    )
    page = admin.get(PENDING).get_data(as_text=True)
    assert "Apply to all 3 matching" in page
    with app.app_context():  # meanwhile another admin approves one of them
        actions.change_status(Selection.of(ids=[ids[0]]), "approve", "bo")

    asked = post_form(admin, page, BULK_PENDING, action="spam", scope="matching")

    html = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert "The list changed" in html and "Nothing was changed." in html
    assert "You saw 3 comments" in html and "<strong>2 comments</strong> match now" in html
    assert statuses(app) == {"pending": 2, "published": 1}  # nothing was done
    assert 'href="/admin/comments?status=pending"' in html  # a way to review first

    again = post_form(admin, html, BULK_PENDING, scope="matching")  # its button
    assert again.status_code == 302
    assert "Marked as spam: 2 comments." in flashes(admin.get(again.location))
    assert statuses(app) == {"spam": 2, "published": 1}


def test_a_comment_newly_matching_among_the_shown_ids_is_asked_about(
    app: Flask, admin: FlaskClient
) -> None:
    ids = add_comments(
        app,
        [{"article_id": "a1", "status": "published", "author": "Older"},
         {"article_id": "a1", "status": "spam", "author": "Spam"}],
    )  # fmt: skip
    page = admin.get("/admin/comments?status=spam").get_data(as_text=True)
    with app.app_context():  # an older comment joins the filter: its id is below the bound
        actions.change_status(Selection.of(ids=[ids[0]]), "spam", "bo")

    asked = post_form(
        admin, page, "/admin/comments/bulk?status=spam", action="delete", scope="matching"
    )

    assert asked.status_code == 409
    assert statuses(app) == {"spam": 2}


def test_ticked_rows_are_unaffected(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(app, [{"article_id": "a1", "status": "pending"} for _ in range(3)])
    page = admin.get(PENDING).get_data(as_text=True)
    post_comment(app.test_client(), "a1", author="Arrived", token="forged")
    token = csrf_token(page, BULK_PENDING)

    # Without the page's counts too, as a script posting ticked ids would.
    data = {"csrf_token": token, "action": "approve", "scope": "selected", "ids": ids[:2]}
    response = admin.post(BULK_PENDING, data=data)

    assert "Approved: 2 comments." in flashes(admin.get(response.location))
    assert statuses(app) == {"published": 2, "pending": 2}


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"shown_max_id": "5"},
        {"shown_count": "1"},
        *({"shown_max_id": bad, "shown_count": "1"} for bad in
          ["-1", "1e3", "1.0", "0x10", " 1", "٣", "%00", "9" * 11, "2147483648", "9" * 5000]),
        *({"shown_max_id": "1", "shown_count": bad} for bad in ["-1", "one", "9" * 40]),
    ],
)  # fmt: skip
def test_missing_or_hostile_page_counts_are_a_clear_400(
    app: Flask, admin: FlaskClient, fields: dict[str, str]
) -> None:
    add_comments(app, [{"article_id": "a1", "status": "pending"}])
    token = csrf_token(admin.get(PENDING).get_data(as_text=True), BULK_PENDING)

    data = {"csrf_token": token, "action": "approve", "scope": "matching", **fields}
    response = admin.post(BULK_PENDING, data=data)

    assert response.status_code == 400
    assert "Reload the list" in response.get_data(as_text=True)
    assert statuses(app) == {"pending": 1}


def test_the_audit_log_says_how_far_the_action_reached(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(app, [{"article_id": "a1", "status": "pending"} for _ in range(2)])

    submit(admin, PENDING, BULK_PENDING, {"action": "approve", "scope": "matching"})

    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert f"matching status=pending up to #{ids[-1]}" in audit
