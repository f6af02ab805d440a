"""Readers' data requests from a sender's page: the addresses its comments
carry, each with "Export data" (a file) and "Erase data" (confirmed first),
posted with the real CSRF token as a browser would."""

from __future__ import annotations

import json
import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from widget.extensions import db
from widget.models import AuditEntry, Comment

from ..admin_support import csrf_token, flashes, hidden_fields
from ..conftest import comments_url, posted, reader, stored_comment

ANN_ADDRESS, BOB_ADDRESS = "203.0.113.5", "198.51.100.7"


def _post(app: Flask, address: str, email: str, **fields: object) -> int:
    author = "Ann Quirinal" if address == ANN_ADDRESS else "Bob Jones"
    return posted(reader(app, address), author=author, email=email, **fields)["id"]


def _sender_page(app: Flask, comment_id: int) -> str:
    return f"/admin/senders/{stored_comment(app, comment_id).sender_hash}"


def _send(
    client: FlaskClient, page: str, what: str, address: str, **data: str
) -> tuple[str, object]:
    """Post the page's ``what`` form (reader-data, reader-erase) for ``address``,
    token and hidden fields as the page wrote them."""
    html = client.get(page).get_data(as_text=True)
    action = f"{page}/{what}"
    for form in re.findall(r"<form\b.*?</form>", html, re.DOTALL):
        if f'action="{action}"' in form and hidden_fields(form, action)["email"] == address:
            fields = {"csrf_token": csrf_token(form, action), **hidden_fields(form, action)}
            return html, client.post(action, data={**fields, **data})
    raise AssertionError(f"no {what} form for {address}")


def _listed(client: FlaskClient) -> list[dict]:
    return client.get(comments_url("a1")).get_json()["comments"]


def _audit(app: Flask, action: str) -> AuditEntry:
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()


def test_a_senders_page_exports_each_readers_data_as_a_file(app: Flask, admin: FlaskClient) -> None:
    first = _post(app, ANN_ADDRESS, "Ann@Example.org")
    second = _post(app, ANN_ADDRESS, "ann@EXAMPLE.org")
    _post(app, ANN_ADDRESS, "ann.work@example.org")
    page = _sender_page(app, first)

    html, response = _send(admin, page, "reader-data", "ann@example.org")

    # One line per reader, however they capitalised the address.
    assert re.findall(r'<p class="mono">([^<]*)</p>', html) == [
        "ann.work@example.org",
        "ann@example.org",
    ]
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="reader-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data())
    assert data["email"] == "ann@example.org"
    assert [c["id"] for c in data["comments"]] == [first, second]
    assert {c["author"] for c in data["comments"]} == {"Ann Quirinal"}
    entry = _audit(app, "reader_export")
    assert (entry.actor, entry.count) == ("ann", 2)
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "reader export" in audit and "example.org" not in audit


def test_erasing_asks_for_confirmation_then_says_what_it_did(
    app: Flask, admin: FlaskClient
) -> None:
    top = _post(app, ANN_ADDRESS, "ann@example.org")
    reply = _post(app, BOB_ADDRESS, "bob@example.org", parent_id=top)
    _post(app, ANN_ADDRESS, "ann@example.org")
    page = _sender_page(app, top)
    before = _listed(admin)
    assert len(before) == 2

    html, refused = _send(admin, page, "reader-erase", "ann@example.org")

    assert "comments without replies are deleted, those with replies are emptied" in html
    assert refused.status_code == 400
    assert "Tick the box to confirm the erase." in refused.get_data(as_text=True)
    assert _listed(admin) == before

    _, response = _send(admin, page, "reader-erase", "ann@example.org", confirm="y")

    assert response.status_code == 302 and response.headers["Location"] == page
    after = admin.get(page)
    assert flashes(after) == [
        "Erased: 1 comment deleted, 1 comment emptied and kept for the replies below."
    ]
    assert "None of this sender's comments carries an email address." in after.get_data(
        as_text=True
    )
    listed = _listed(admin)
    assert [(c["id"], c.get("deleted"), c["author"]) for c in listed] == [(top, True, None)]
    assert [r["id"] for r in listed[0]["replies"]] == [reply]
    entry = _audit(app, "reader_erase")
    assert (entry.actor, entry.count) == ("ann", 2)
    assert "example.org" not in admin.get("/admin/audit").get_data(as_text=True)


def test_without_the_csrf_token_nothing_is_erased(app: Flask, admin: FlaskClient) -> None:
    comment = _post(app, ANN_ADDRESS, "ann@example.org")
    page = _sender_page(app, comment)

    for what in ("reader-erase", "reader-data"):
        response = admin.post(f"{page}/{what}", data={"email": "ann@example.org", "confirm": "y"})
        assert response.status_code == 400
        assert "nothing was changed" in response.get_data(as_text=True)
    assert [c["id"] for c in _listed(admin)] == [comment]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_an_address_is_escaped_on_the_page_and_erased_as_written(
    app: Flask, admin: FlaskClient
) -> None:
    comment = _post(app, ANN_ADDRESS, "ann@example.org")
    hostile = '"<b>x</b>&amp;"@example.org'
    with app.app_context():  # as an import might have kept it
        db.session.execute(update(Comment).values(email=hostile))
        db.session.commit()
    page = _sender_page(app, comment)

    html, response = _send(admin, page, "reader-erase", hostile, confirm="y")

    assert "<b>x</b>" not in html
    assert "&#34;&lt;b&gt;x&lt;/b&gt;&amp;amp;&#34;@example.org" in html
    assert unescape("&#34;&lt;b&gt;x&lt;/b&gt;&amp;amp;&#34;@example.org") == hostile
    assert response.status_code == 302
    assert flashes(admin.get(page)) == ["Erased: 1 comment deleted."]
    assert _listed(admin) == []


def test_an_address_not_on_the_page_is_answered_plainly(app: Flask, admin: FlaskClient) -> None:
    comment = _post(app, ANN_ADDRESS, "ann@example.org")
    page = _sender_page(app, comment)
    html = admin.get(page).get_data(as_text=True)
    token = csrf_token(html, f"{page}/reader-erase")

    unknown = admin.post(
        f"{page}/reader-erase", data={"csrf_token": token, "email": "x@example.org", "confirm": "y"}
    )
    assert unknown.status_code == 302
    assert flashes(admin.get(page)) == ["Nothing was held about that address."]
    empty = admin.post(
        f"{page}/reader-erase", data={"csrf_token": token, "email": "  ", "confirm": "y"}
    )
    assert empty.status_code == 400
    assert "Give the reader&#39;s email address." in empty.get_data(as_text=True)
    bad_sender = admin.post(
        "/admin/senders/not%20a%20hash/reader-erase",
        data={"csrf_token": token, "email": "ann@example.org", "confirm": "y"},
    )
    assert bad_sender.status_code == 404
    assert [c["id"] for c in _listed(admin)] == [comment]
