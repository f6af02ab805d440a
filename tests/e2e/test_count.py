"""count.js on a publisher's listing page: one request for every count on it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from .conftest import LONG_BODY, Publisher, Service

pytestmark = [pytest.mark.browser, pytest.mark.server]


def listing_page(publisher: Publisher, service: Service, ids: list[str]) -> str:
    spans = "".join(f'<p>Comments: <span data-comment-count="{i}">…</span></p>' for i in ids)
    return publisher.article(
        service, spans + f'<script src="{service.script("count.js")}" async></script>'
    )


def answer_counts(page: Page, service: Service) -> list[str]:
    """Answer every counts request with a made-up count per id; return the URLs asked."""
    asked: list[str] = []

    def fulfill(route: Route) -> None:
        asked.append(route.request.url)
        ids = parse_qs(urlsplit(route.request.url).query)["article_id"]
        route.fulfill(
            json={"counts": {i: len(i) for i in ids}},
            headers={"Access-Control-Allow-Origin": "*"},
        )

    page.route(f"{service.url}/api/v1/counts?*", fulfill)
    return asked


def counts_on(page: Page) -> list[tuple[str, str]]:
    pairs = page.locator("[data-comment-count]").evaluate_all(
        "els => els.map(e => [e.dataset.commentCount, e.textContent])"
    )
    return [tuple(pair) for pair in pairs]


def test_one_request_asks_for_each_article_once(
    page: Page, publisher: Publisher, service: Service
) -> None:
    asked = answer_counts(page, service)
    requests: list[Any] = []
    page.on("request", lambda request: "/counts" in request.url and requests.append(request))
    ids = ["alpha", "beta-2", "alpha", "gamma:3", "beta-2", "not valid!"]

    page.goto(listing_page(publisher, service, ids))

    expect(page.locator('[data-comment-count="gamma:3"]')).to_have_text("7")
    assert asked == [
        f"{service.url}/api/v1/counts?article_id=alpha&article_id=beta-2&article_id=gamma%3A3"
    ]
    assert len(requests) == 1
    assert counts_on(page) == [
        ("alpha", "5"),
        ("beta-2", "6"),
        ("alpha", "5"),
        ("gamma:3", "7"),
        ("beta-2", "6"),
        ("not valid!", "…"),  # the service would refuse the whole request for it
    ]


def test_more_than_100_articles_are_asked_for_in_chunks_of_100(
    page: Page, publisher: Publisher, service: Service
) -> None:
    asked = answer_counts(page, service)
    ids = [f"story-{n:03d}" for n in range(150)]

    page.goto(listing_page(publisher, service, ids))

    expect(page.locator('[data-comment-count="story-149"]')).to_have_text("9")
    expect(page.locator('[data-comment-count="story-000"]')).to_have_text("9")
    assert [url.count("article_id=") for url in asked] == [100, 50]
    assert asked[0].endswith("article_id=story-099")
    assert "article_id=story-100&" in asked[1]


def test_counts_come_from_the_real_service(
    page: Page, publisher: Publisher, service: Service
) -> None:
    service.seed("count-real-a", ("Ana", LONG_BODY), ("Ben", LONG_BODY))
    service.seed("count-real-b", ("Cy", LONG_BODY))
    responses: list[Any] = []
    page.on("response", lambda response: "/counts" in response.url and responses.append(response))

    page.goto(listing_page(publisher, service, ["count-real-a", "count-real-b", "count-real-c"]))

    expect(page.locator('[data-comment-count="count-real-a"]')).to_have_text("2")
    expect(page.locator('[data-comment-count="count-real-b"]')).to_have_text("1")
    expect(page.locator('[data-comment-count="count-real-c"]')).to_have_text("0")
    (response,) = responses
    assert json.loads(response.body()) == {
        "counts": {"count-real-a": 2, "count-real-b": 1, "count-real-c": 0}
    }


def test_many_long_ids_go_in_requests_that_fit_and_every_count_is_filled(
    page: Page, publisher: Publisher, service: Service
) -> None:
    # 250 IDs of the longest kind (128 characters, a ':' that becomes %3A): in
    # requests of 100, each URL would be some 14 KB, past gunicorn's 8190 bytes.
    ids = [f"long-{n:03d}:".ljust(128, "x") for n in range(250)]
    service.seed(ids[7], ("Ana", LONG_BODY))
    urls: list[str] = []
    page.on("request", lambda request: "/counts" in request.url and urls.append(request.url))

    page.goto(listing_page(publisher, service, ids))

    expect(page.locator(f'[data-comment-count="{ids[-1]}"]')).to_have_text("0")
    expect(page.locator("[data-comment-count]", has_text="…")).to_have_count(0)
    assert dict(counts_on(page)) == {i: "1" if i == ids[7] else "0" for i in ids}
    asked = [parse_qs(urlsplit(url).query)["article_id"] for url in urls]
    assert sorted(i for query in asked for i in query) == sorted(ids)
    assert max(len(url) for url in urls) <= 4000  # well under 8190
    assert max(len(query) for query in asked) <= 100
