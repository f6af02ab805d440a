"""What a reader's browser and a CDN get from a listing: pages that follow
one another by cursor whatever the comment ids, ETags that change exactly
when what they stand for does, and 304s that carry what a 200 would."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget import articles
from widget.extensions import db
from widget.models import Comment
from widget.moderation.tokens import form_token_problem

from ..conftest import LONG_BODY, comments_url, make_app, post_comment, statements

# One id of every length from 1 to 10 digits: cursors of every base64 length.
IDS = [7, 42, 999, 1234, 12345, 123456, 1234567, 12345678, 123456789, 2147483647]


def add_comments(app: Flask, article: str, ids: list[int]) -> None:
    with app.app_context():
        db.session.add_all(
            Comment(id=i, article_id=article, author=f"R{i}", body=LONG_BODY, sender_hash="s")
            for i in ids
        )
        articles.ensure(article)
        articles.adjust({article: len(ids)})
        db.session.commit()


def page(client: FlaskClient, query: str, article: str = "a1", **headers: str):
    return client.get(comments_url(article) + query, headers=headers)


def walk(client: FlaskClient, sort: str, limit: int) -> list[list[int]]:
    """Every page of a1 in ``sort``, following next_cursor to the end."""
    pages: list[list[int]] = []
    cursor = ""
    while True:
        response = page(client, f"?sort={sort}&limit={limit}&cursor={cursor}")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        data = response.get_json()
        pages.append([c["id"] for c in data["comments"]])
        cursor = data["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_paging_one_at_a_time_visits_comment_ids_of_every_length(
    app: Flask, client: FlaskClient, sort: str
) -> None:
    add_comments(app, "a1", IDS)

    pages = walk(client, sort, 1)

    expected = sorted(IDS, reverse=sort == "newest")
    assert pages == [[i] for i in expected]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_pages_end_exactly_at_the_last_comment(app: Flask, client: FlaskClient, sort: str) -> None:
    add_comments(app, "a1", list(range(1, 7)))

    by_three = walk(client, sort, 3)
    by_four = walk(client, sort, 4)

    ordered = sorted(range(1, 7), reverse=sort == "newest")
    assert by_three == [ordered[:3], ordered[3:]]  # no empty page after a full one
    assert by_four == [ordered[:4], ordered[4:]]


def cursor_for(sort: str, text: str) -> str:
    return base64.urlsafe_b64encode(f"{sort[0]}:{text}".encode()).rstrip(b"=").decode()


def test_a_cursor_longer_than_32_characters_is_refused_even_if_it_decodes(
    app: Flask, client: FlaskClient
) -> None:
    add_comments(app, "a1", [3, 4, 5, 6])
    longest = cursor_for("newest", "0" * 21 + "5")  # leading zeros: still comment 5
    assert len(longest) == 32

    at_the_limit = page(client, f"?cursor={longest}")
    one_more = page(client, f"?cursor={longest}.")  # base64 decoding skips the dot

    assert [c["id"] for c in at_the_limit.get_json()["comments"]] == [4, 3]
    assert one_more.status_code == 400
    assert one_more.get_json()["parameter"] == "cursor"


@pytest.mark.parametrize(
    "text",
    ["0", "2147483648", "99999999999", "-1", "5.0", "5 ", ""],
)
def test_a_cursor_past_any_comment_id_or_not_a_whole_number_is_refused(
    client: FlaskClient, text: str
) -> None:
    response = page(client, f"?cursor={cursor_for('newest', text)}")

    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "'cursor' must be a next_cursor from this listing and sort."
    )


def test_the_largest_comment_id_is_a_cursor(app: Flask, client: FlaskClient) -> None:
    add_comments(app, "a1", [1, 2147483647])

    response = page(client, f"?cursor={cursor_for('newest', '2147483647')}")

    assert [c["id"] for c in response.get_json()["comments"]] == [1]


# --- ETags and 304s --------------------------------------------------------------------


def etag(response: Any) -> str:
    return response.headers["ETag"]


def test_a_304_carries_the_headers_of_the_200(client: FlaskClient) -> None:
    post_comment(client, "a1")
    full = page(client, "")

    again = page(client, "", **{"If-None-Match": etag(full)})

    assert again.status_code == 304
    assert again.get_data() == b""
    for name in ("ETag", "Cache-Control", "X-Content-Type-Options"):
        assert again.headers[name] == full.headers[name], name
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert etag(full).startswith('W/"') and etag(full).endswith('"')


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(lambda tag: tag, id="the-weak-tag"),
        pytest.param(lambda tag: tag.removeprefix("W/"), id="the-strong-spelling"),
        pytest.param(lambda tag: f'W/"other", {tag}', id="in-a-list"),
        pytest.param(lambda tag: "*", id="star"),
        pytest.param(lambda tag: " * ", id="star-with-spaces"),
    ],
)
def test_if_none_match_is_a_weak_comparison(client: FlaskClient, sent) -> None:
    tag = etag(page(client, ""))

    assert page(client, "", **{"If-None-Match": sent(tag)}).status_code == 304


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(lambda tag: tag[:-2] + '"', id="a-prefix-of-the-tag"),
        pytest.param(lambda tag: tag.replace('"', ""), id="unquoted"),
        pytest.param(lambda tag: 'W/"other"', id="another-tag"),
        pytest.param(lambda tag: "", id="empty"),
        pytest.param(lambda tag: "**", id="not-a-star"),
    ],
)
def test_a_tag_that_does_not_match_gets_the_full_listing(client: FlaskClient, sent) -> None:
    tag = etag(page(client, ""))

    response = page(client, "", **{"If-None-Match": sent(tag)})

    assert response.status_code == 200
    assert "form" in response.get_json()


def test_the_etag_names_the_article_and_every_parameter(app: Flask, client: FlaskClient) -> None:
    add_comments(app, "a1", [1, 2, 3, 4])
    add_comments(app, "a2", [5, 6, 7, 8])
    cursor = page(client, "?limit=1").get_json()["next_cursor"]
    tags = [
        etag(page(client, query, article))
        for article, query in [
            ("a1", ""),
            ("a2", ""),
            ("a1", "?sort=oldest"),
            ("a1", "?limit=3"),
            ("a1", f"?limit=1&cursor={cursor}"),
            ("a1", "?limit=1"),
        ]
    ]

    assert len(set(tags)) == len(tags)
    assert etag(page(client, "")) == tags[0]  # and is stable


def test_the_etag_changes_when_the_form_token_is_renewed(app: Flask) -> None:
    """A 304 leaves the reader with the token it has: the ETag changes every
    ten minutes, so a revalidated listing never keeps a token past that."""
    client = app.test_client()
    with time_machine.travel(1_800_000_000, tick=False) as traveller:  # a period's start
        first = page(client, "")
        traveller.shift(599)
        same_period = page(client, "", **{"If-None-Match": etag(first)})
        traveller.shift(1)
        next_period = page(client, "", **{"If-None-Match": etag(first)})

    assert same_period.status_code == 304
    assert next_period.status_code == 200
    assert etag(next_period) != etag(first)


def test_every_listing_hands_out_a_token_of_its_own_for_its_article(
    app: Flask, client: FlaskClient
) -> None:
    forms = [page(client, "").get_json()["form"] for _ in range(2)]

    assert forms[0]["token"] != forms[1]["token"]
    assert (forms[0]["min_length"], forms[0]["max_length"]) == (
        app.config["MIN_LENGTH"],
        app.config["MAX_LENGTH"],
    )
    with app.test_request_context():
        assert form_token_problem(forms[0]["token"], "a1") is None
        assert form_token_problem(forms[0]["token"], "a2") == "token_wrong_article"


# --- the page cache -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2])
def test_what_a_listing_shows_does_not_depend_on_the_page_cache(tmp_path, size: int) -> None:
    app = make_app(tmp_path, PAGE_CACHE_SIZE=size)
    client = app.test_client()
    add_comments(app, "a1", [1, 2, 3])
    queries = ["?limit=1", "?limit=2", "?sort=oldest", "?limit=1", "?sort=oldest", ""]

    def shown() -> list[tuple[int, list[int]]]:
        listings = [page(client, q).get_json() for q in queries]
        return [(data["total"], [c["id"] for c in data["comments"]]) for data in listings]

    before = shown()
    post_comment(client, "a1", author="Later")  # comment 4
    after = shown()

    assert before == [
        (3, [3]),
        (3, [3, 2]),
        (3, [1, 2, 3]),
        (3, [3]),
        (3, [1, 2, 3]),
        (3, [3, 2, 1]),
    ]
    assert after == [
        (4, [4]),
        (4, [4, 3]),
        (4, [1, 2, 3, 4]),
        (4, [4]),
        (4, [1, 2, 3, 4]),
        (4, [4, 3, 2, 1]),
    ]


def test_a_page_cache_of_one_page_still_serves_the_right_page(tmp_path) -> None:
    app = make_app(tmp_path, PAGE_CACHE_SIZE=1)
    client = app.test_client()
    add_comments(app, "a1", [1, 2])
    add_comments(app, "a2", [3, 4])

    seen = [
        [c["id"] for c in page(client, "", a).get_json()["comments"]] for a in ["a1", "a2", "a1"]
    ]

    assert seen == [[2, 1], [4, 3], [2, 1]]


def test_a_listing_read_again_comes_from_the_page_cache(tmp_path) -> None:
    """The hot path: the same page again reads no comment rows (only the
    article's version), for the 200 as for the 304."""
    app = make_app(tmp_path, PAGE_CACHE_SIZE=8)
    client = app.test_client()
    add_comments(app, "a1", [1, 2, 3])
    first = page(client, "?limit=2")

    with statements(app, "FROM comments") as reads:
        again = page(client, "?limit=2")
        revalidated = page(client, "?limit=2", **{"If-None-Match": etag(first)})

    assert reads == []
    assert again.get_json()["comments"] == first.get_json()["comments"]
    assert revalidated.status_code == 304


def test_without_a_page_cache_every_listing_reads_the_database(tmp_path) -> None:
    app = make_app(tmp_path, PAGE_CACHE_SIZE=0)
    client = app.test_client()
    add_comments(app, "a1", [1, 2, 3])
    page(client, "")

    with statements(app, "FROM comments") as reads:
        again = page(client, "")

    assert reads
    assert [c["id"] for c in again.get_json()["comments"]] == [3, 2, 1]


def test_the_page_cache_keeps_the_most_recently_read_pages(tmp_path) -> None:
    """PAGE_CACHE_SIZE pages at most (memory stays bounded); the page read
    longest ago goes first."""
    app = make_app(tmp_path, PAGE_CACHE_SIZE=2)
    client = app.test_client()
    for article in ("a1", "a2", "a3"):
        add_comments(app, article, [])
    for article in ("a1", "a2", "a1", "a3"):  # a1 read again: a2 is the oldest
        page(client, "", article)

    read: dict[str, bool] = {}
    for article in ("a1", "a3", "a2"):
        with statements(app, "FROM comments") as reads:
            page(client, "", article)
        read[article] = bool(reads)

    assert read == {"a1": False, "a3": False, "a2": True}
