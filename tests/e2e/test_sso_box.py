"""Readers signed in through the publisher (data-sso) and sites that require it
(COMMENTS_SSO_REQUIRED, data-login-url), in the box on a publisher's page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    LONG_BODY,
    BrowserLog,
    Publisher,
    Service,
    axe_violations,
    box_tag,
    database_rows,
    open_box,
    start_service_process,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

SECRET = "a-publisher-and-the-service-share-this-key-0123"
LOGIN = "https://news.example/login?next=/harbour-plan"


def token(name: str = "Anna Schmidt", lifetime: int = 3600, **claims: Any) -> str:
    """What the publisher's server puts in data-sso for a signed-in reader."""
    payload = {"sub": "reader-4711", "name": name, "exp": int(time.time()) + lifetime, **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256")


@pytest.fixture(scope="module")
def sso_service(
    publisher: Publisher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """One service with sign-in for the module (each test has its own article)."""
    service = start_service_process(
        tmp_path_factory.mktemp("sso"), [publisher.origin], sso_secret=SECRET
    )
    yield service
    service.stop()


def comment_field(page: Page) -> Any:
    return page.get_by_label("Comment", exact=True)


def post(page: Page, body: str = LONG_BODY) -> None:
    comment_field(page).fill(body)
    page.get_by_role("button", name="Post comment").click()


def posts(page: Page) -> list[Any]:
    """The box's comment POSTs, recorded as the browser sent them."""
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    return sent


def test_a_signed_in_reader_posts_under_the_publishers_name_verified(
    page: Page, publisher: Publisher, sso_service: Service, article_id: str
) -> None:
    signed = token()
    # A name typed on this browser before: the token's name wins over it.
    page.add_init_script("localStorage.setItem('comments-widget:name', 'Someone Else')")
    sent = posts(page)
    open_box(page, publisher, sso_service, article_id, sso=signed)

    expect(page.get_by_text("Signed in as Anna Schmidt")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_count(0)
    post(page)

    expect(page.get_by_text("Thank you. Your comment is published.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    mine = page.get_by_role("listitem").first
    expect(mine).to_contain_text("Anna Schmidt")
    expect(mine).not_to_contain_text("Someone Else")
    expect(mine.get_by_text("Verified", exact=True)).to_be_visible()
    expect(mine.get_by_text("Staff", exact=True)).to_have_count(0)
    [request] = [r for r in sent if r.url.endswith(f"/{article_id}/comments")]
    assert request.header_value("authorization") == f"Bearer {signed}"
    assert database_rows(
        sso_service, "SELECT author, verified FROM comments WHERE article_id = ?", article_id
    ) == [("Anna Schmidt", 1)]

    # Another reader sees the same: the name and the badge come from the service.
    page.reload()
    expect(page.get_by_role("listitem").first.get_by_text("Verified", exact=True)).to_be_visible()


def test_a_staff_readers_comment_is_marked_staff(
    page: Page, publisher: Publisher, sso_service: Service, article_id: str
) -> None:
    open_box(page, publisher, sso_service, article_id, sso=token("Mara Editor", role="staff"))

    post(page)

    mine = page.get_by_role("listitem").first
    expect(mine).to_contain_text("Mara Editor")
    expect(mine.get_by_text("Staff", exact=True)).to_be_visible()
    expect(mine.get_by_text("Verified", exact=True)).to_have_count(0)  # staff says more
    assert database_rows(
        sso_service, "SELECT staff, status FROM comments WHERE article_id = ?", article_id
    ) == [(1, "published")]


def test_an_expired_sign_in_says_so_when_posting(
    page: Page,
    publisher: Publisher,
    sso_service: Service,
    article_id: str,
    browser_log: BrowserLog,
) -> None:
    open_box(page, publisher, sso_service, article_id, sso=token(lifetime=-3600))
    expect(page.get_by_text("Signed in as Anna Schmidt")).to_be_visible()

    post(page)

    expect(page.get_by_text("Your sign-in has expired. Please reload the page.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    expect(page.get_by_role("listitem")).to_have_count(0)
    expect(comment_field(page)).to_have_value(LONG_BODY)  # nothing the reader wrote is lost
    # The 401 itself is logged by Chromium; nothing else may be.
    assert [e for e in browser_log.errors if "status of 401" not in e] == []
    stored = database_rows(sso_service, "SELECT id FROM comments WHERE article_id = ?", article_id)
    assert stored == []


def test_a_site_that_requires_sign_in_links_to_its_login_page(
    page: Page,
    publisher: Publisher,
    start_service: Callable[..., Service],
    article_id: str,
) -> None:
    service = start_service(sso_secret=SECRET, sso_required="true")

    open_box(page, publisher, service, article_id, login_url=LOGIN)

    link = page.get_by_role("link", name="Sign in to comment")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", LOGIN)
    expect(comment_field(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)

    page.goto(
        publisher.article(service, box_tag(service, article_id, login_url="javascript:alert(1)"))
    )
    expect(page.get_by_text("Sign in to comment")).to_be_visible()
    expect(page.get_by_role("link")).to_have_count(0)
    expect(comment_field(page)).to_have_count(0)


def test_the_signed_in_box_passes_axe(
    page: Page, publisher: Publisher, sso_service: Service, article_id: str
) -> None:
    sso_service.seed(article_id, ("Priya S", LONG_BODY))
    signed = token()
    sent = posts(page)
    open_box(page, publisher, sso_service, article_id, sso=signed)
    post(page, re.sub("reply", "answer", LONG_BODY))
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    # Likes carry the sign-in too.
    page.get_by_role("listitem").filter(has_text="Priya S").get_by_role(
        "button", name="Like 0"
    ).click()
    expect(page.get_by_role("button", name="Like 1")).to_have_attribute("aria-pressed", "true")
    [like] = [r for r in sent if r.url.endswith("/likes")]
    assert like.header_value("authorization") == f"Bearer {signed}"

    assert axe_violations(page) == []
