"""The demo pages in Chromium: the box and count.js under the demo's own CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import LONG_BODY, BrowserLog, Service

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_the_demo_article_embeds_a_working_box(
    page: Page, service: Service, browser_log: BrowserLog
) -> None:
    response = page.goto(f"{service.url}/demo")

    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Harbour town votes to let the sea back in"
    )
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    page.get_by_label("Name").fill("Demo Reader")
    page.get_by_label("Comment", exact=True).fill(LONG_BODY)
    page.get_by_role("button", name="Post comment").click()  # same origin as the API
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()

    page.goto(f"{service.url}/demo/list")
    expect(page.locator('[data-comment-count="demo-article"]')).to_have_text("1")
    expect(page.locator('[data-comment-count="demo-library-hours"]')).to_have_text("0")
    assert browser_log.errors == []
