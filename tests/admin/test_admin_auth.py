"""Admin sign-in, sessions, CSRF and the headers every admin page sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.admin import accounts
from widget.extensions import db
from widget.models import Admin, Article, AuditEntry

from ..admin_support import NAME, PASSWORD, create_admin, csrf_token, login, signed_in, submit
from ..conftest import make_app

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SAME_MESSAGE = "That name and password do not match an admin."


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, url) for every /admin route but the login page, with sample arguments."""
    samples = {"sender": "abc123", "phrase_id": "1", "change": "close", "comment_id": "1"}
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or rule.endpoint == "admin.login":
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: samples[m.group(1)], rule.rule)
        url = re.sub(r"<any\([^)]*\):change>", "close", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def test_the_route_list_covers_the_admin_area(app: Flask) -> None:
    routes = admin_routes(app)
    assert ("GET", "/admin/") in routes
    assert ("POST", "/admin/comments/bulk") in routes
    assert ("POST", "/admin/rules/articles/close") in routes
    assert len(routes) >= 14


def test_every_admin_page_redirects_to_login_when_signed_out(app: Flask) -> None:
    client = app.test_client()
    # A real token from the login page: the POSTs pass CSRF and meet the login check.
    token = csrf_token(client.get("/admin/login").get_data(as_text=True), "/admin/login")

    for method, url in admin_routes(app):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url, data={"csrf_token": token, "article_id": "a1", "phrase": "x"}
            )
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/admin/login"), (method, url)

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0
        assert db.session.get(Article, "a1") is None


def test_the_login_redirect_remembers_the_page(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()

    assert client.get("/admin/rules").headers["Location"] == "/admin/login?next=/admin/rules?"
    html = client.get("/admin/login?next=/admin/rules").get_data(as_text=True)
    token = csrf_token(html, "/admin/login")
    response = client.post(
        "/admin/login",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD, "next": "/admin/rules"},
    )

    assert response.headers["Location"] == "/admin/rules"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/admin", "/\\evil.example", "/api/v1/x"]
)
def test_login_never_redirects_off_the_admin_area(app: Flask, target: str) -> None:
    create_admin(app)
    client = app.test_client()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True), "/admin/login")

    response = client.post(
        "/admin/login",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD, "next": target},
    )

    assert response.headers["Location"] == "/admin/"


def test_sign_in_sets_a_strict_session_cookie(app: Flask) -> None:
    create_admin(app)
    response = login(app.test_client())

    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("comments_admin=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # outside debug


def test_unknown_name_and_wrong_password_get_the_same_answer(app: Flask) -> None:
    create_admin(app)
    wrong_password = login(app.test_client(), NAME, "not the password")
    unknown_name = login(app.test_client(), "nobody", PASSWORD)

    for response in (wrong_password, unknown_name):
        assert response.status_code == 200
        assert SAME_MESSAGE in response.get_data(as_text=True)
        assert "comments_admin" not in response.headers.get("Set-Cookie", "admin_id")
    strip = re.compile(r'value="[^"]*"')  # tokens and the typed name differ
    assert strip.sub("", wrong_password.get_data(as_text=True)) == strip.sub(
        "", unknown_name.get_data(as_text=True)
    )


def test_a_post_without_a_csrf_token_is_refused(app: Flask) -> None:
    client = signed_in(app)

    for url, data in [
        ("/admin/rules/articles/close", {"article_id": "a1"}),
        ("/admin/comments/bulk", {"action": "spam", "scope": "matching"}),
        ("/admin/logout", {}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "nothing was changed" in response.get_data(as_text=True)
        forged = client.post(url, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 400, url

    with app.app_context():
        assert db.session.get(Article, "a1") is None
    assert client.get("/admin/").status_code == 200  # still signed in


def test_a_login_without_a_csrf_token_is_refused(app: Flask) -> None:
    create_admin(app)
    response = app.test_client().post("/admin/login", data={"name": NAME, "password": PASSWORD})

    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or "admin_id" not in response.headers["Set-Cookie"]


def test_sign_out_ends_the_session(app: Flask) -> None:
    client = signed_in(app)
    assert client.get("/admin/").status_code == 200

    response = submit(client, "/admin/", "/admin/logout")

    assert response.headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 302


def test_sign_out_is_a_post(app: Flask) -> None:
    client = signed_in(app)

    assert client.get("/admin/logout").status_code == 405  # a link cannot sign you out
    assert client.get("/admin/").status_code == 200


def test_a_password_reset_signs_out_every_session(app: Flask) -> None:
    client = signed_in(app)
    with app.app_context():
        accounts.set_password(NAME, "a brand new password")
        db.session.commit()

    assert client.get("/admin/").status_code == 302


def test_passwords_are_stored_as_argon2id_hashes(app: Flask) -> None:
    create_admin(app)
    with app.app_context():
        stored = db.session.scalar(db.select(Admin.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_login_is_limited_to_five_attempts_a_minute(tmp_path) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    create_admin(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.77"
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        statuses = [login(client, NAME, f"guess {i}").status_code for i in range(5)]
        refused = login(client, NAME, PASSWORD)  # even the right password
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "127.0.0.78"
        elsewhere = login(other)
        traveller.shift(61)
        later = login(client)

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert refused.headers["Content-Security-Policy"] == CSP
    assert elsewhere.status_code == 302  # per client
    assert later.status_code == 302


def test_admin_pages_send_strict_headers(app: Flask) -> None:
    client = signed_in(app)
    anonymous = app.test_client()

    for response in (
        client.get("/admin/"),
        client.get("/admin/comments"),
        client.get("/admin/comments?status=nonsense"),
        anonymous.get("/admin/login"),
        anonymous.get("/admin/rules"),
    ):
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"


def test_admin_pages_carry_no_script_and_no_inline_style(app: Flask) -> None:
    client = signed_in(app)
    pages = [client.get(url) for url in ("/admin/", "/admin/comments", "/admin/rules")]
    pages += [client.get("/admin/audit"), app.test_client().get("/admin/login")]
    for response in pages:
        html, url = response.get_data(as_text=True), response.request.path
        assert response.status_code == 200, url
        assert "<script" not in html, url
        assert " style=" not in html and "<style" not in html, url  # CSP: style-src 'self'
        assert 'rel="stylesheet" href="/static/css/admin.css"' in html


def test_the_admin_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/css/admin.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
