"""Hostile values in every admin query parameter and form field: a page or a
clear 400, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widget.extensions import db
from widget.models import Comment

from ..admin_support import csrf_token
from ..conftest import LONG_BODY

# Text a browser or a script could send: any code point (werkzeug decodes
# bad UTF-8 as U+FFFD), numbers in odd shapes, and SQL-looking strings.
hostile = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "' OR 1=1 --", "%", "_", "\\", "%00"]),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FORMS = {
    "/admin/comments/bulk": (
        "/admin/comments",
        ["action", "scope", "ids", "ids", "shown_max_id", "shown_count"],
    ),
    "/admin/comments/empty-spam": ("/admin/comments/empty-spam", []),
    "/admin/bans": ("/admin/rules", ["sender", "duration", "note", "mark_spam"]),
    "/admin/rules/settings": ("/admin/rules", ["pre_moderation", "hold_first_comment"]),
    "/admin/rules/phrases": ("/admin/rules", ["phrase", "action"]),
    "/admin/rules/articles/close": ("/admin/rules", ["article_id"]),
    "/admin/rules/articles/reopen": ("/admin/rules", ["article_id"]),
}


@pytest.fixture
def admin(app: Flask, admin: FlaskClient) -> FlaskClient:
    """The signed-in admin (tests/admin/conftest.py), with a comment to act on."""
    with app.app_context():
        db.session.add(Comment(article_id="a1", author="A", body=LONG_BODY, sender_hash="s"))
        db.session.commit()
    return admin


@FUZZ
@given(
    names=st.lists(st.sampled_from(["status", "article", "q", "sender", "page", "x"]), max_size=4),
    values=st.lists(hostile, min_size=4, max_size=4),
)
def test_the_comments_list_never_fails(admin: FlaskClient, names: list[str], values: list[str]):
    query = [(name, value) for name, value in zip(names, values, strict=False)]

    response = admin.get("/admin/comments", query_string=query)

    assert response.status_code in (200, 400), query


@FUZZ
@given(page=hostile)
def test_the_audit_log_never_fails(admin: FlaskClient, page: str) -> None:
    assert admin.get("/admin/audit", query_string={"page": page}).status_code == 200


@FUZZ
@given(sender=hostile)
def test_sender_pages_never_fail(admin: FlaskClient, sender: str) -> None:
    path = "/admin/senders/" + sender.replace("/", "").replace("?", "").replace("#", "")
    assert admin.get(path).status_code in (200, 308, 404)


@pytest.mark.parametrize("action", sorted(FORMS))
def test_every_admin_form_refuses_hostile_fields_cleanly(admin: FlaskClient, action: str) -> None:
    page, fields = FORMS[action]
    token = csrf_token(admin.get(page).get_data(as_text=True), "/admin/logout")

    @FUZZ
    @given(values=st.lists(hostile, min_size=len(fields), max_size=len(fields)))
    def post(values: list[str]) -> None:
        data: dict[str, list[str] | str] = {"csrf_token": token}
        for name, value in zip(fields, values, strict=True):
            data.setdefault(name, [])
            data[name].append(value)  # type: ignore[union-attr]
        response = admin.post(action, data=data)
        # 409: a bulk action whose page counts no longer match asks again.
        allowed = (302, 400, 409) if action == "/admin/comments/bulk" else (302, 400)
        assert response.status_code in allowed, (action, data, response.status_code)

    post()


def test_the_login_form_refuses_hostile_fields_cleanly(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True), "/admin/login")

    @FUZZ
    @given(name=hostile, password=hostile, target=hostile)
    def post(name: str, password: str, target: str) -> None:
        data = {"csrf_token": token, "name": name, "password": password, "next": target}
        response = client.post("/admin/login", data=data)
        assert response.status_code == 200, (data, response.status_code)
        assert "do not match an admin" in response.get_data(as_text=True)

    post()
