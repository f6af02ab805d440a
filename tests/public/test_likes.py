"""POST/DELETE /api/v1/articles/<id>/comments/<cid>/likes, as the contract says:
one like per voter, a cap per address, the count in the listing and its order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from widget.extensions import db
from widget.models import Comment, Like

from ..conftest import comments_url, make_app, post_comment, posted

VOTER = "box-voter-0000000001"
HOME = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


def likes_url(comment_id: int, article_id: str = "a1") -> str:
    return f"/api/v1/articles/{article_id}/comments/{comment_id}/likes"


def voter(n: int) -> str:
    return f"box-voter-{n:010d}"


def like(
    client: FlaskClient,
    comment_id: int,
    who: str = VOTER,
    address: str = HOME,
    method: str = "post",
    article_id: str = "a1",
    **kwargs: Any,
):
    kwargs.setdefault("json", {"voter": who})
    call = client.post if method == "post" else client.delete
    return call(likes_url(comment_id, article_id), environ_base={"REMOTE_ADDR": address}, **kwargs)


def published(client: FlaskClient, article_id: str = "a1", **fields: Any) -> int:
    """The id of a new published comment."""
    return posted(client, article_id, **fields)["id"]


def set_status(app: Flask, comment_id: int, status: str) -> None:
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(status=status))
        db.session.commit()


def stored_likes(app: Flask, comment_id: int) -> tuple[int, int]:
    """The comment's count and its like rows: always equal."""
    with app.app_context():
        count = db.session.scalar(select(Comment.likes).where(Comment.id == comment_id))
        rows = db.session.scalar(select(func.count(Like.id)).where(Like.comment_id == comment_id))
        return count, rows


def listed_likes(client: FlaskClient, article_id: str = "a1") -> dict[int, int]:
    listing = client.get(comments_url(article_id)).get_json()
    return {c["id"]: c["likes"] for c in listing["comments"]}


# --- liking and unliking -------------------------------------------------------


def test_a_like_counts_once_however_often_the_voter_sends_it(
    app: Flask, client: FlaskClient
) -> None:
    cid = published(client)

    answers = [like(client, cid) for _ in range(3)]

    assert [a.status_code for a in answers] == [200] * 3
    assert [a.get_json() for a in answers] == [{"id": cid, "likes": 1, "liked": True}] * 3
    assert stored_likes(app, cid) == (1, 1)
    assert listed_likes(client) == {cid: 1}


def test_unlike_withdraws_the_voters_like_and_only_theirs(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    like(client, cid, voter(1))
    like(client, cid, voter(2))

    withdrawn = like(client, cid, voter(1), method="delete")
    again = like(client, cid, voter(1), method="delete")
    never_liked = like(client, cid, voter(3), method="delete")

    assert withdrawn.status_code == 200
    assert withdrawn.get_json() == {"id": cid, "likes": 1, "liked": False}
    assert again.get_json() == {"id": cid, "likes": 1, "liked": False}
    assert never_liked.get_json() == {"id": cid, "likes": 1, "liked": False}
    assert stored_likes(app, cid) == (1, 1)
    assert listed_likes(client) == {cid: 1}


def test_a_voter_can_like_again_after_unliking(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    like(client, cid)
    like(client, cid, method="delete")

    assert like(client, cid).get_json() == {"id": cid, "likes": 1, "liked": True}
    assert stored_likes(app, cid) == (1, 1)


# --- the cap per address -------------------------------------------------------


def test_invented_voter_ids_from_one_address_stop_at_three(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    answers = [like(client, cid, voter(n)).get_json() for n in range(10)]

    assert answers[:3] == [{"id": cid, "likes": n, "liked": True} for n in (1, 2, 3)]
    # Beyond the cap: 200 as ever, the count unchanged, and "not liked".
    assert answers[3:] == [{"id": cid, "likes": 3, "liked": False}] * 7
    assert stored_likes(app, cid) == (3, 3)
    assert listed_likes(client) == {cid: 3}


def test_a_voter_counted_before_the_cap_still_reads_liked(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    for n in range(5):
        like(client, cid, voter(n))

    assert like(client, cid, voter(0)).get_json() == {"id": cid, "likes": 3, "liked": True}
    assert like(client, cid, voter(4)).get_json() == {"id": cid, "likes": 3, "liked": False}


def test_an_unlike_frees_a_place_under_the_cap(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    for n in range(3):
        like(client, cid, voter(n))
    like(client, cid, voter(0), method="delete")

    assert like(client, cid, voter(7)).get_json() == {"id": cid, "likes": 3, "liked": True}


def test_the_cap_is_per_address_and_per_comment(app: Flask, client: FlaskClient) -> None:
    first, second = published(client), published(client, author="Rohit P")

    for n in range(4):
        like(client, first, voter(n), address=HOME)
        like(client, first, voter(10 + n), address=ELSEWHERE)
        like(client, second, voter(n), address=HOME)

    assert stored_likes(app, first) == (6, 6)
    assert stored_likes(app, second) == (3, 3)


def test_one_ipv6_64_is_one_address(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    for n in range(6):
        like(client, cid, voter(n), address=f"2001:db8:1:2::{n + 1}")
    like(client, cid, voter(9), address="2001:db8:1:3::1")

    assert stored_likes(app, cid) == (4, 4)


# --- which comments ------------------------------------------------------------


def test_a_comment_of_another_article_is_404(app: Flask, client: FlaskClient) -> None:
    cid = published(client, "a1")
    published(client, "a2")

    response = like(client, cid, article_id="a2")

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert stored_likes(app, cid) == (0, 0)


# --- listings ------------------------------------------------------------------


def test_a_like_changes_the_listing_and_its_etag(client: FlaskClient) -> None:
    cid = published(client)
    before = client.get(comments_url("a1"))
    etag = before.headers["ETag"]
    assert client.get(comments_url("a1"), headers={"If-None-Match": etag}).status_code == 304

    like(client, cid)
    after = client.get(comments_url("a1"), headers={"If-None-Match": etag})

    assert after.status_code == 200
    assert after.get_json()["comments"][0]["likes"] == 1
    like(client, cid, method="delete")
    withdrawn = client.get(comments_url("a1"), headers={"If-None-Match": after.headers["ETag"]})
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["comments"][0]["likes"] == 0


def test_top_sorts_by_likes_then_newest(client: FlaskClient) -> None:
    oldest, middle, newest, last = (published(client, author=f"R{i}") for i in range(4))
    for n in range(3):
        like(client, middle, voter(n))
    like(client, oldest, voter(5))
    like(client, newest, voter(6))

    top = client.get(comments_url("a1") + "?sort=top").get_json()["comments"]

    assert [c["id"] for c in top] == [middle, newest, oldest, last]
    assert [c["likes"] for c in top] == [3, 1, 1, 0]


def test_a_reply_shows_its_likes_in_its_threads_preview(client: FlaskClient) -> None:
    root = published(client)
    reply = published(client, author="Rohit P", parent_id=root)

    like(client, reply)

    (shown,) = client.get(comments_url("a1")).get_json()["comments"]
    assert shown["replies"][0]["id"] == reply
    assert shown["replies"][0]["likes"] == 1


# --- what the API refuses ------------------------------------------------------


@pytest.mark.parametrize("who", ["x" * 16, "y" * 64, "Ab_-09zZ" * 2])
def test_every_voter_shape_the_contract_allows_is_accepted(client: FlaskClient, who: str) -> None:
    cid = published(client)

    assert like(client, cid, who).get_json()["liked"] is True


def test_a_body_that_is_not_json_is_refused_as_for_posts(app: Flask, client: FlaskClient) -> None:
    cid = published(client)
    url = likes_url(cid)

    plain = client.post(url, data='{"voter": "box-voter-0000000001"}', content_type="text/plain")
    broken = client.post(url, data="{voter", content_type="application/json")
    array = client.post(url, json=[VOTER])
    huge = client.post(url, json={"voter": VOTER, "pad": "x" * 70_000})

    assert (plain.status_code, plain.get_json()["error"]) == (415, "unsupported_media_type")
    assert (broken.status_code, broken.get_json()["error"]) == (400, "invalid_json")
    assert (array.status_code, array.get_json()["error"]) == (400, "invalid_json")
    assert (huge.status_code, huge.get_json()["error"]) == (413, "payload_too_large")
    assert stored_likes(app, cid) == (0, 0)


def test_a_page_on_another_origin_cannot_like(tmp_path, backend: str) -> None:
    app = make_app(tmp_path, ALLOWED_ORIGINS=["https://news.example.com"])
    client = app.test_client()
    cid = published(client)

    for method in ("post", "delete"):
        refused = like(client, cid, method=method, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert refused.get_json()["error"] == "origin_not_allowed"
    allowed = like(client, cid, headers={"Origin": "https://news.example.com"})

    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example.com"
    assert stored_likes(app, cid) == (1, 1)


# --- limits --------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path, backend: str):
    """An app with limits on: 3 reactions a minute, 1 post a minute."""
    storage = f"sqlite:///{tmp_path / 'ratelimits.db'}"
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        REACTION_LIMITS="3/minute",
        POST_LIMITS="1/minute",
    )
    with time_machine.travel(datetime(2026, 5, 1, 8, 0, tzinfo=UTC), tick=False) as traveller:
        yield app, traveller


def test_reactions_have_their_own_limit_per_client(limited) -> None:
    app, traveller = limited
    client = app.test_client()
    cid = published(client)

    answers = [like(client, cid, voter(n)).status_code for n in range(3)]
    refused = like(client, cid, voter(9), method="delete")
    other_client = like(client, cid, voter(10), address=ELSEWHERE)

    assert answers == [200] * 3
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert other_client.status_code == 200
    traveller.shift(61)
    assert like(client, cid, voter(9)).status_code == 200


def test_likes_and_reports_share_one_budget_apart_from_posting(limited) -> None:
    app, _ = limited
    client = app.test_client()
    cid = published(client)  # the one post this minute allows

    liked = like(client, cid).status_code
    unliked = like(client, cid, method="delete").status_code
    reported = client.post(
        f"/api/v1/articles/a1/comments/{cid}/reports",
        json={"voter": VOTER, "reason": "spam"},
        environ_base={"REMOTE_ADDR": HOME},
    ).status_code
    refused = like(client, cid)

    assert (liked, unliked, reported, refused.status_code) == (200, 200, 202, 429)
    assert post_comment(client, "a1").status_code == 429  # posting keeps its own limit


# --- at the same time ----------------------------------------------------------


def test_the_same_like_sent_at_once_counts_once(app: Flask, client: FlaskClient) -> None:
    cid = published(client)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: like(app.test_client(), cid), range(12)))

    assert {a.status_code for a in answers} == {200}
    assert {a.get_json()["liked"] for a in answers} == {True}
    assert stored_likes(app, cid) == (1, 1)


def test_invented_voters_sent_at_once_still_stop_at_the_cap(
    app: Flask, client: FlaskClient
) -> None:
    cid = published(client)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda n: like(app.test_client(), cid, voter(n)), range(12)))

    assert {a.status_code for a in answers} == {200}
    assert sum(a.get_json()["liked"] for a in answers) == 3
    assert stored_likes(app, cid) == (3, 3)
