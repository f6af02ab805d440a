"""GET /api/v1/articles/<id>/comments and /api/v1/counts, as the contract says."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment, Status

from ..conftest import LONG_BODY, comments_url, post_comment


def test_an_article_nobody_commented_on_is_an_empty_list(client: FlaskClient) -> None:
    response = client.get(comments_url("nk-missile-2025"))

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["article_id"] == "nk-missile-2025"
    assert data["total"] == 0
    assert data["comments"] == []
    assert data["next_cursor"] is None
    assert data["form"]["min_length"] == 50
    assert data["form"]["max_length"] == 5000
    assert isinstance(data["form"]["token"], str) and data["form"]["token"]
    # What the box needs to draw the like button and the Edit window.
    assert (data["form"]["like_label"], data["form"]["edit_window"]) == ("Like", 900)


def test_listed_comment_has_the_contract_shape_and_no_private_fields(client: FlaskClient) -> None:
    post_comment(client, "a1", author="Priya S", email="priya@example.com")

    (comment,) = client.get(comments_url("a1")).get_json()["comments"]

    assert set(comment) == {
        "id",
        "parent_id",
        "author",
        "body",
        "created_at",
        "edited_at",
        "likes",
        "verified",
        "staff",
        "reply_count",
        "replies",
    }
    assert (comment["edited_at"], comment["likes"], comment["verified"]) == (None, 0, False)
    assert comment["staff"] is False
    assert (comment["reply_count"], comment["replies"]) == (0, [])
    assert comment["author"] == "Priya S"
    assert comment["body"] == LONG_BODY.strip()
    assert comment["parent_id"] is None
    assert comment["created_at"].endswith("Z") and len(comment["created_at"]) == 20
    assert "priya@example.com" not in client.get(comments_url("a1")).get_data(as_text=True)


def test_newest_first_by_default_and_oldest_on_request(client: FlaskClient) -> None:
    ids = [post_comment(client, "a1", author=f"R{i}").get_json()["id"] for i in range(3)]

    newest = [c["id"] for c in client.get(comments_url("a1")).get_json()["comments"]]
    oldest = [
        c["id"] for c in client.get(comments_url("a1") + "?sort=oldest").get_json()["comments"]
    ]

    assert newest == ids[::-1]
    assert oldest == ids


def test_only_published_comments_are_listed_and_counted(app: Flask, client: FlaskClient) -> None:
    published = post_comment(client, "a1").get_json()["id"]
    with app.app_context():
        for status in (Status.PENDING, Status.SPAM, Status.DELETED):
            db.session.add(
                Comment(article_id="a1", author="x", body=LONG_BODY, status=status, sender_hash="s")
            )
        db.session.commit()

    data = client.get(comments_url("a1")).get_json()

    assert [c["id"] for c in data["comments"]] == [published]
    assert data["total"] == 1
    assert client.get("/api/v1/counts?article_id=a1").get_json() == {"counts": {"a1": 1}}


@pytest.mark.parametrize(
    "article_id",
    [
        "-starts-with-dash",
        ".hidden",
        "a" * 129,
        "has space",
        "slash/inside",
        "per%25cent",
        "semi;colon",
        "émoji🙂",
        "..",
    ],
)
def test_a_malformed_article_id_is_400_invalid_article_id(
    client: FlaskClient, article_id: str
) -> None:
    for response in (
        client.get(comments_url(article_id)),
        client.post(comments_url(article_id), json={"author": "a", "body": LONG_BODY}),
    ):
        assert response.status_code == 400, article_id
        assert response.get_json()["error"] == "invalid_article_id"
        assert response.get_json()["message"]


@pytest.mark.parametrize("article_id", ["a", "A" * 128, "nk-missile_2025.v2:part~1", "9"])
def test_every_well_formed_article_id_is_accepted(client: FlaskClient, article_id: str) -> None:
    assert client.get(comments_url(article_id)).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=99999999999999999999999",
        "limit=%EF%BC%95",  # a full-width digit five
        "limit=5&limit=6",
        "sort=random",
        "sort=",
        "cursor=not-a-cursor",
        "cursor=%00",
        "cursor=" + "A" * 200,
    ],
)
def test_a_bad_limit_sort_or_cursor_is_400_invalid_parameter(
    client: FlaskClient, query: str
) -> None:
    response = client.get(comments_url("a1") + "?" + query)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_parameter"


def test_a_cursor_from_one_sort_order_is_refused_for_the_other(client: FlaskClient) -> None:
    for i in range(3):
        post_comment(client, "a1", author=f"R{i}")
    cursor = client.get(comments_url("a1") + "?limit=1").get_json()["next_cursor"]

    response = client.get(comments_url("a1") + f"?limit=1&sort=oldest&cursor={cursor}")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_parameter"


def test_pagination_walks_250_comments_without_duplicates_or_gaps_while_new_ones_arrive(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        db.session.add_all(
            Comment(article_id="busy", author=f"R{i}", body=LONG_BODY, sender_hash="s")
            for i in range(250)
        )
        from widget import articles

        articles.ensure("busy")
        articles.adjust({"busy": 250})
        db.session.commit()
        before = set(db.session.scalars(db.select(Comment.id)))

    for sort in ("newest", "oldest"):
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            url = comments_url("busy") + f"?limit=7&sort={sort}"
            if cursor:
                url += f"&cursor={cursor}"
            data = client.get(url).get_json()
            seen += [c["id"] for c in data["comments"]]
            pages += 1
            post_comment(client, "busy", author=f"Late {sort} {pages}")  # arrives mid-walk
            cursor = data["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), "a comment was listed twice"
        assert before <= set(seen), "a comment that existed before the walk was skipped"
        assert seen == sorted(seen, reverse=sort == "newest")


def test_total_counts_every_published_comment_not_just_the_page(client: FlaskClient) -> None:
    for i in range(5):
        post_comment(client, "a1", author=f"R{i}")

    data = client.get(comments_url("a1") + "?limit=2").get_json()

    assert data["total"] == 5
    assert len(data["comments"]) == 2
    assert data["next_cursor"]


def test_matching_if_none_match_is_304_and_a_post_changes_the_etag(client: FlaskClient) -> None:
    post_comment(client, "a1")
    first = client.get(comments_url("a1"))
    etag = first.headers["ETag"]

    again = client.get(comments_url("a1"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag

    post_comment(client, "a1", author="Someone new")
    after = client.get(comments_url("a1"), headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert after.get_json()["comments"][0]["author"] == "Someone new"


def test_etag_differs_between_pages_and_sort_orders(client: FlaskClient) -> None:
    for i in range(3):
        post_comment(client, "a1", author=f"R{i}")
    tags = {
        client.get(comments_url("a1") + query).headers["ETag"]
        for query in ("", "?sort=oldest", "?limit=1", "?limit=2")
    }
    assert len(tags) == 4


@pytest.mark.parametrize("url", [comments_url("a1"), "/api/v1/counts?article_id=a1"])
def test_only_a_cdn_may_keep_a_listing_and_only_for_a_few_seconds(
    client: FlaskClient, url: str
) -> None:
    directives = {
        part.strip().partition("=")[::2]
        for part in client.get(url).headers["Cache-Control"].split(",")
    }
    # Browsers revalidate every time; stale-while-revalidate would let them
    # show the old list after a reload (browsers honour it too).
    assert directives == {("public", ""), ("max-age", "0"), ("s-maxage", "5")}


def test_counts_for_several_articles_in_one_request(client: FlaskClient) -> None:
    post_comment(client, "A")
    post_comment(client, "A", author="Two")

    response = client.get("/api/v1/counts?article_id=A&article_id=B")

    assert response.status_code == 200
    assert response.get_json() == {"counts": {"A": 2, "B": 0}}


def test_counts_refuse_more_than_100_ids_and_malformed_ones(client: FlaskClient) -> None:
    many = "&".join(f"article_id=a{i}" for i in range(101))
    assert client.get(f"/api/v1/counts?{many}").status_code == 400
    assert client.get("/api/v1/counts?article_id=../x").get_json()["error"] == (
        "invalid_article_id"
    )
    assert client.get("/api/v1/counts").get_json()["error"] == "invalid_parameter"
    hundred = "&".join(f"article_id=a{i}" for i in range(100))
    assert len(client.get(f"/api/v1/counts?{hundred}").get_json()["counts"]) == 100
