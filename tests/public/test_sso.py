"""Readers signed in through the publisher (contract 1.1): a JWT the
publisher's server signed names the reader, marks the comment verified (and
staff), and carries limits and bans from address to address."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment, Status
from widget.moderation import actions
from widget.moderation.selection import Selection

from ..conftest import (
    LONG_BODY,
    assert_refused,
    comments_url,
    form_token,
    make_app,
    post_comment,
    reader,
    stored_comment,
)

pytestmark = pytest.mark.usefixtures("backend")

SECRET = "publisher-and-service-share-this-key-0123456789-and-some-more-bytes"
OTHER_SECRET = "a-different-publisher-key-0123456789-abcdefghij-and-some-more-bytes"
LINKS = "See https://a.example and https://b.example and https://c.example for more."


def mint(secret: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": "reader-1", "name": "Priya S", "exp": int(time.time()) + 3600}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not ...}, secret, algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned(**claims: Any) -> str:
    """A token with ``alg: none`` and no signature, crafted by hand."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = {"sub": "reader-1", "name": "Priya S", "exp": int(time.time()) + 3600, **claims}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


@pytest.fixture
def app(tmp_path: Any, backend: str) -> Flask:
    return make_app(tmp_path, SSO_SECRET=SECRET)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Comment.id)))


def signed_post(client: FlaskClient, sign_in: str, article_id: str = "a1", **fields: Any):
    return post_comment(client, article_id, headers=bearer(sign_in), **fields)


# --- a valid token -------------------------------------------------------------


def test_a_signed_in_reader_posts_under_the_publishers_name_verified(
    app: Flask, client: FlaskClient
) -> None:
    response = signed_post(client, mint(name="  Priya Sharma "), author="Someone Else")

    assert response.status_code == 201, response.get_json()
    posted = response.get_json()
    assert (posted["author"], posted["verified"], posted["staff"]) == ("Priya Sharma", True, False)
    listed = client.get(comments_url("a1")).get_json()["comments"][0]
    assert (listed["author"], listed["verified"], listed["staff"]) == ("Priya Sharma", True, False)
    assert stored_comment(app, posted["id"]).verified is True


def test_a_signed_in_post_needs_no_author_and_anonymous_ones_stay_unverified(
    client: FlaskClient,
) -> None:
    token = form_token(client, "a1")
    payload = {"body": LONG_BODY, "token": token}
    signed = client.post(comments_url("a1"), json=payload, headers=bearer(mint()))
    anonymous = post_comment(client, "a1", author="Rohit P", body=f"{LONG_BODY} 2")

    assert signed.status_code == 201 and signed.get_json()["author"] == "Priya S"
    assert anonymous.status_code == 201
    assert (anonymous.get_json()["verified"], anonymous.get_json()["staff"]) == (False, False)
    assert client.get(comments_url("a1")).get_json()["form"]["login_required"] is False


def test_staff_are_published_unscreened_and_marked(tmp_path: Any) -> None:
    app = make_app(tmp_path, SSO_SECRET=SECRET, MODERATION="pre", MIN_FILL_SECONDS=60)
    client = app.test_client()
    staff = mint(sub="editor-7", name="The Editor", role="staff")

    held = post_comment(client, "a1", body=f"{LONG_BODY} {LINKS}")
    published = signed_post(client, staff, body=f"{LONG_BODY} {LINKS}", token=None)
    verified_only = signed_post(client, mint(), body=f"{LONG_BODY} 3")

    assert held.status_code == 202
    assert verified_only.status_code == 202  # signed in, but screened like anyone
    assert published.status_code == 201, published.get_json()
    assert (published.get_json()["staff"], published.get_json()["verified"]) == (True, True)
    listed = client.get(comments_url("a1")).get_json()["comments"]
    assert [(c["author"], c["staff"]) for c in listed] == [("The Editor", True)]


def test_staff_text_is_still_length_checked(client: FlaskClient) -> None:
    response = signed_post(client, mint(role="staff"), body="Too short.")

    assert_refused(response, 422, "validation_failed")
    assert "body" in response.get_json()["fields"]


def test_a_token_lasting_exactly_a_day_and_the_longest_sub_are_accepted(
    client: FlaskClient,
) -> None:
    token = mint(sub="s" * 256, exp=int(time.time()) + 24 * 3600)

    assert signed_post(client, token).status_code == 201


def test_a_token_of_4096_characters_is_read_and_one_more_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    # base64 grows in steps of one or two: pad to land on 4096 exactly, then just past it.
    padded = [mint(pad="x" * n) for n in range(2900, 3100)]
    exact = next(token for token in padded if len(token) == 4096)
    over = next(token for token in padded if len(token) > 4096)

    assert signed_post(client, exact).status_code == 201
    assert_refused(signed_post(client, over, body=f"{LONG_BODY} 2"), 401, "sso_invalid")


def test_the_tokens_email_serves_for_reply_mails_when_the_post_gives_none(
    app: Flask, client: FlaskClient
) -> None:
    token = mint(email="priya@news.example")

    asked = signed_post(client, token, notify_replies=True)
    not_asked = signed_post(client, token, body=f"{LONG_BODY} 2")
    own = signed_post(
        client, token, body=f"{LONG_BODY} 3", email="p@home.example", notify_replies=True
    )

    assert asked.status_code == 201, asked.get_json()
    assert stored_comment(app, asked.get_json()["id"]).email == "priya@news.example"
    assert stored_comment(app, not_asked.get_json()["id"]).email is None
    assert stored_comment(app, own.get_json()["id"]).email == "p@home.example"
    unsigned_ask = post_comment(client, "a1", body=f"{LONG_BODY} 4", notify_replies=True)
    assert_refused(unsigned_ask, 422, "validation_failed")


# --- tokens refused --------------------------------------------------------------


def forged(token: str) -> str:
    """The token with its claims changed after signing (another sub)."""
    header, _, signature = token.split(".")
    claims = {"sub": "someone-else", "name": "Priya S", "exp": int(time.time()) + 3600}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


REFUSED = {
    "forged": lambda: forged(mint()),
    "wrong key": lambda: mint(secret=OTHER_SECRET),
    "expired": lambda: mint(exp=time.time() - 300),
    "alg none": lambda: unsigned(),
    "HS512": lambda: mint(algorithm="HS512"),
    "exp 25 hours ahead": lambda: mint(exp=time.time() + 25 * 3600),
    "no exp": lambda: mint(exp=...),
    "no sub": lambda: mint(sub=...),
    "no name": lambda: mint(name=...),
    "sub a number": lambda: mint(sub=42),
    "empty sub": lambda: mint(sub=" "),
    "sub of 257": lambda: mint(sub="s" * 257),
    "name a list": lambda: mint(name=["Priya"]),
    "empty name": lambda: mint(name=""),
    "name with RLO": lambda: mint(name="Priya\u202eS"),
    "name without letters": lambda: mint(name="!!!"),
    "name of 81": lambda: mint(name="P" * 81),
    "email not an address": lambda: mint(email="priya"),
    "email a number": lambda: mint(email=7),
    "role admin": lambda: mint(role="admin"),
    "role null": lambda: mint(role=None),
    "garbage": lambda: "not.a.token",
    "10 KB": lambda: mint(pad="x" * 10_000),
}


@pytest.mark.parametrize("make", REFUSED.values(), ids=REFUSED.keys())
def test_a_bad_token_is_refused_401_and_nothing_is_stored(
    app: Flask, client: FlaskClient, make: Any
) -> None:
    response = signed_post(client, make())

    assert_refused(response, 401, "sso_invalid")
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert count(app) == 0


def test_the_refusal_says_what_is_wrong(client: FlaskClient) -> None:
    def message(token: str) -> str:
        return signed_post(client, token).get_json()["message"]

    assert "expired" in message(mint(exp=time.time() - 300))
    assert "24 hours" in message(mint(exp=time.time() + 25 * 3600))
    assert "HS256" in message(mint(algorithm="HS512"))
    assert "signature" in message(mint(secret=OTHER_SECRET))
    assert "direction-changing" in message(mint(name="Priya\u202eS"))


def test_another_scheme_in_the_authorization_header_is_refused(client: FlaskClient) -> None:
    response = post_comment(client, "a1", headers={"Authorization": "Basic cHJpeWE6cw=="})

    assert_refused(response, 401, "sso_invalid")


def test_a_token_sent_to_a_service_without_sso_is_refused_as_not_set_up(
    tmp_path: Any,
) -> None:
    client = make_app(tmp_path).test_client()

    response = signed_post(client, mint())

    assert_refused(response, 401, "sso_invalid")
    assert "not set up" in response.get_json()["message"]
    assert post_comment(client, "a1").status_code == 201  # anonymous posts as ever


def test_likes_and_reports_refuse_a_bad_token_too(client: FlaskClient) -> None:
    comment_id = signed_post(client, mint()).get_json()["id"]
    path = f"{comments_url('a1')}/{comment_id}"
    voter = {"voter": "v" * 20}
    bad = bearer(mint(secret=OTHER_SECRET))

    assert_refused(client.post(f"{path}/likes", json=voter, headers=bad), 401, "sso_invalid")
    assert_refused(client.delete(f"{path}/likes", json=voter, headers=bad), 401, "sso_invalid")
    report = {**voter, "reason": "spam"}
    assert_refused(client.post(f"{path}/reports", json=report, headers=bad), 401, "sso_invalid")
    assert client.post(f"{path}/likes", json=voter, headers=bearer(mint())).status_code == 200


# --- required ----------------------------------------------------------------------


def test_when_sign_in_is_required_anonymous_posts_are_refused_but_likes_work(
    tmp_path: Any,
) -> None:
    app = make_app(tmp_path, SSO_SECRET=SECRET, SSO_REQUIRED=True)
    client = app.test_client()

    refused = post_comment(client, "a1")
    signed = signed_post(client, mint())
    path = f"{comments_url('a1')}/{signed.get_json()['id']}"
    like = client.post(f"{path}/likes", json={"voter": "v" * 20})
    report = client.post(f"{path}/reports", json={"voter": "w" * 20, "reason": "spam"})

    assert_refused(refused, 401, "login_required")
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert signed.status_code == 201
    assert like.status_code == 200 and like.get_json()["likes"] == 1
    assert report.status_code == 202
    assert client.get(comments_url("a1")).get_json()["form"]["login_required"] is True
    assert count(app) == 1


# --- limits and bans follow the reader ------------------------------------------------


def limited_app(tmp_path: Any) -> Flask:
    storage = f"sqlite:///{tmp_path / 'ratelimits.db'}"
    return make_app(
        tmp_path,
        SSO_SECRET=SECRET,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        POST_LIMITS="2/minute",
    )


def statuses(client: FlaskClient, token: str | None, n: int, tag: str) -> list[int]:
    headers = bearer(token) if token else {}
    return [
        post_comment(client, "a1", headers=headers, body=f"{LONG_BODY} {tag} {i}").status_code
        for i in range(n)
    ]


def test_two_readers_behind_one_address_have_limits_of_their_own(tmp_path: Any) -> None:
    office = reader(limited_app(tmp_path), "198.51.100.7")

    assert statuses(office, mint(sub="alice"), 3, "a") == [201, 201, 429]
    assert statuses(office, mint(sub="bob"), 3, "b") == [201, 201, 429]
    assert statuses(office, None, 3, "anonymous") == [201, 201, 429]


def test_one_reader_from_two_addresses_shares_one_limit(tmp_path: Any) -> None:
    app = limited_app(tmp_path)
    token = mint(sub="alice")

    at_home = statuses(reader(app, "198.51.100.7"), token, 2, "home")
    on_the_train = statuses(reader(app, "203.0.113.9"), token, 1, "train")

    assert (at_home, on_the_train) == ([201, 201], [429])
    assert statuses(reader(app, "203.0.113.9"), None, 1, "anonymous") == [201]


def test_banning_a_signed_in_readers_sender_follows_them_not_their_address(
    app: Flask,
) -> None:
    token = mint(sub="troll-9", name="Troll")
    first = signed_post(reader(app, "198.51.100.7"), token)
    sender = stored_comment(app, first.get_json()["id"]).sender_hash

    banned = app.test_cli_runner().invoke(args=["ban", sender, "--days", "3"])
    elsewhere = signed_post(reader(app, "203.0.113.9"), token, body=f"{LONG_BODY} 2")
    neighbour = post_comment(reader(app, "198.51.100.7"), "a1", body=f"{LONG_BODY} 3")

    assert banned.exit_code == 0, banned.output
    assert_refused(elsewhere, 403, "sender_banned")
    assert neighbour.status_code == 201


def test_likes_from_signed_in_readers_are_capped_per_reader_not_per_address(
    app: Flask,
) -> None:
    office = reader(app, "198.51.100.7")
    comment_id = signed_post(office, mint()).get_json()["id"]
    likes = f"{comments_url('a1')}/{comment_id}/likes"

    def like(n: int, token: str | None) -> Any:
        headers = bearer(token) if token else {}
        return office.post(likes, json={"voter": f"voter-{n:02d}-abcdefghij"}, headers=headers)

    signed = [like(n, mint(sub=f"reader-{n}")).get_json()["likes"] for n in range(4)]
    anonymous = [like(10 + n, None).get_json()["likes"] for n in range(4)]

    assert signed == [1, 2, 3, 4]
    assert anonymous == [5, 6, 7, 7]  # the address's cap of three


# --- edits keep the edit token ----------------------------------------------------------


def test_a_signed_in_readers_comment_is_edited_with_its_edit_token(
    client: FlaskClient,
) -> None:
    token = mint()
    posted = signed_post(client, token).get_json()
    path = f"{comments_url('a1')}/{posted['id']}"
    edit = {"body": f"{LONG_BODY} (edited)", "author": "Somebody Else"}

    with_sign_in = client.patch(path, json=edit, headers=bearer(token))
    with_edit_token = client.patch(path, json=edit, headers=bearer(posted["edit_token"]))

    assert_refused(with_sign_in, 403, "not_author")
    assert with_edit_token.status_code == 200, with_edit_token.get_json()
    edited = with_edit_token.get_json()
    assert (edited["author"], edited["verified"]) == ("Priya S", True)
    assert edited["body"].endswith("(edited)")
    gone = client.delete(path, headers=bearer(posted["edit_token"]))
    assert gone.status_code == 204


def test_staff_still_meet_bans_padding_and_double_posts(tmp_path: Any) -> None:
    app = make_app(tmp_path, SSO_SECRET=SECRET, DUPLICATE_WINDOW=86400)
    client = app.test_client()
    staff = mint(sub="editor-7", name="The Editor", role="staff")
    token = form_token(client, "a1")

    first = signed_post(client, staff, token=token)
    again_with_the_token = signed_post(client, staff, token=token, body=f"{LONG_BODY} 2")
    double = signed_post(client, staff)
    padded = signed_post(client, staff, body="x" * 80)
    sender = stored_comment(app, first.get_json()["id"]).sender_hash
    app.test_cli_runner().invoke(args=["ban", sender, "--days", "1"])
    banned = signed_post(client, staff, body=f"{LONG_BODY} 3")

    assert (first.status_code, again_with_the_token.status_code) == (201, 201)
    assert_refused(double, 422, "validation_failed")
    assert_refused(padded, 422, "validation_failed")
    assert_refused(banned, 403, "sender_banned")


def test_a_staff_edit_is_not_screened_and_a_verified_placeholder_says_nothing(
    tmp_path: Any,
) -> None:
    app = make_app(tmp_path, SSO_SECRET=SECRET, MODERATION="pre")
    client = app.test_client()
    posted = signed_post(client, mint(role="staff")).get_json()
    path = f"{comments_url('a1')}/{posted['id']}"

    edit = {"body": f"{LONG_BODY} {LINKS}"}
    edited = client.patch(path, json=edit, headers=bearer(posted["edit_token"]))
    reply = signed_post(client, mint(sub="r2", role="staff"), parent_id=posted["id"])
    with app.app_context():
        actions.set_status(Selection(ids=(posted["id"],)), Status.DELETED)
        db.session.commit()
    listed = client.get(comments_url("a1")).get_json()["comments"][0]

    assert edited.status_code == 200, edited.get_json()
    assert reply.status_code == 201
    assert listed["deleted"] is True
    assert (listed["author"], listed["verified"], listed["staff"]) == (None, False, False)
    assert listed["replies"][0]["verified"] is True


def test_reports_from_signed_in_readers_behind_one_address_are_distinct(
    tmp_path: Any,
) -> None:
    app = make_app(tmp_path, SSO_SECRET=SECRET, REPORTS_TO_HOLD=3)
    office = reader(app, "198.51.100.7")
    signed_id = signed_post(office, mint()).get_json()["id"]
    anonymous_id = post_comment(office, "a1", body=f"{LONG_BODY} 2").get_json()["id"]

    def report(comment_id: int, n: int, token: str | None) -> None:
        path = f"{comments_url('a1')}/{comment_id}/reports"
        headers = bearer(token) if token else {}
        voter = {"voter": f"voter-{n:02d}-abcdefghij", "reason": "spam"}
        assert office.post(path, json=voter, headers=headers).status_code == 202

    for n in range(3):
        report(signed_id, n, mint(sub=f"reporter-{n}"))
        report(anonymous_id, n, None)

    assert stored_comment(app, signed_id).status == Status.PENDING
    assert stored_comment(app, anonymous_id).status == Status.PUBLISHED


def test_a_sign_in_token_buys_no_extra_reading(tmp_path: Any) -> None:
    """Only posting, liking and reporting read the token: elsewhere the limits
    stay the address's (and a comment's PATCH bearer is its edit token)."""
    app = make_app(
        tmp_path,
        SSO_SECRET=SECRET,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'ratelimits.db'}",
        READ_LIMITS="2/minute",
    )
    office = reader(app, "198.51.100.7")

    seen = [
        office.get(comments_url("a1"), headers=bearer(mint(sub=f"r{n}"))).status_code
        for n in range(3)
    ]

    assert seen == [200, 200, 429]


def test_a_signed_in_reader_without_an_email_must_give_one_for_reply_mails(
    client: FlaskClient,
) -> None:
    response = signed_post(client, mint(), notify_replies=True)

    assert_refused(response, 422, "validation_failed")
    assert "email" in response.get_json()["fields"]


# --- the HTML fragment --------------------------------------------------------


def test_the_fragment_marks_verified_and_staff_comments(client: FlaskClient) -> None:
    assert signed_post(client, mint(name="Priya Sharma")).status_code == 201
    assert (
        signed_post(client, mint(sub="editor-7", name="Mara Editor", role="staff")).status_code
        == 201
    )
    assert post_comment(client, "a1", author="Anon Reader").status_code == 201

    html = client.get("/articles/a1/comments.html?lang=de").get_data(as_text=True)

    marks = {
        name: html.split(f">{name}</bdi>", 1)[1].split("</header>", 1)[0]
        for name in ("Priya Sharma", "Mara Editor", "Anon Reader")
    }
    assert "Verifiziert" in marks["Priya Sharma"] and "Redaktion" not in marks["Priya Sharma"]
    assert "Redaktion" in marks["Mara Editor"] and "Verifiziert" not in marks["Mara Editor"]
    assert "Verifiziert" not in marks["Anon Reader"] and "Redaktion" not in marks["Anon Reader"]
