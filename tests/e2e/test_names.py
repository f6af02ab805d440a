"""A name is shown as one isolated unit: whatever direction its letters run, or
whatever direction controls an older comment carries, it never reorders the
time shown beside it.

The box runs in Chromium against canned answers (``page.route``): the service
refuses such names now, but comments stored before (or imported) may have them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

SERVICE = "http://comments.test"
WIDGET = Path(__file__).resolve().parents[2] / "static" / "js" / "widget.js"


def listing(author: str) -> dict[str, object]:
    five_minutes_ago = datetime.now(UTC) - timedelta(minutes=5)
    comment = {
        "id": 1,
        "parent_id": None,
        "author": author,
        "body": "A considered reply about the article, long enough to pass the minimum.",
        "created_at": five_minutes_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {
        "article_id": "a1",
        "total": 1,
        "comments": [comment],
        "next_cursor": None,
        "form": {"min_length": 50, "max_length": 5000, "token": "t"},
    }


def open_box_on(page: Page, author: str) -> None:
    def answer(route: Route) -> None:
        if route.request.url.endswith("/widget.js"):
            route.fulfill(body=WIDGET.read_text(), content_type="text/javascript")
        else:
            route.fulfill(
                body=json.dumps(listing(author)),
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": "*"},
            )

    page.route(f"{SERVICE}/**", answer)
    page.set_content(
        f'<main><script src="{SERVICE}/static/js/widget.js" data-article-id="a1"></script></main>'
    )


@pytest.mark.browser
@pytest.mark.parametrize(
    "author",
    [
        pytest.param("\u05e9\u05dc\u05d5\u05dd", id="hebrew"),
        pytest.param("\u0645\u0631\u064a\u0645", id="arabic"),
        pytest.param("\u202eyawollaC senI", id="right-to-left-override"),
        pytest.param("Ines \u202b\u05e9", id="unclosed-embedding"),
    ],
)
def test_a_name_never_reorders_the_time_beside_it(page: Page, author: str) -> None:
    open_box_on(page, author)

    time = page.locator("time")
    expect(time).to_have_text("5 minutes ago")
    name = page.locator(".author").bounding_box()
    when = time.bounding_box()

    assert name is not None and when is not None
    # Left to right, as the box is: the name, then the time after it on the line.
    assert when["x"] >= name["x"] + name["width"] - 1, (name, when)
    assert page.locator(".author").evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
