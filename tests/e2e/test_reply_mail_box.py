"""The box's "Email me when someone replies" (version 1.1), in Chromium on a
publisher's page: the box to tick, the address it asks for, what the post
carries, and what the reader is told.

The mail itself is the service's business (tests/notify); here the tests
assert what the reader sees and what the box sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Request, Route, expect

from .conftest import (
    LONG_BODY,
    BrowserLog,
    Publisher,
    Service,
    axe_violations,
    open_box,
    write,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

ADDRESS = "sam.reader@example.org"
CHECK_INBOX = "Check your inbox to confirm reply emails."
ENTER_ADDRESS = "Enter your email address, like name@example.com."
THE_CONTRACT_FIELDS = {"author", "body", "token", "website"}


def notify_box(scope: Page | Locator) -> Locator:
    return scope.get_by_role("checkbox", name="Email me when someone replies")


def address_field(scope: Page | Locator) -> Locator:
    return scope.get_by_label("Your email address", exact=True)


def post_button(scope: Page | Locator) -> Locator:
    return scope.get_by_role("button", name="Post comment")


def record_posts(page: Page, service: Service, article_id: str) -> list[dict[str, Any]]:
    """Every comment the box posts to the article, as JSON; the posts still go
    through to the service."""
    sent: list[dict[str, Any]] = []

    def record(route: Route) -> None:
        if route.request.method == "POST":
            sent.append(json.loads(route.request.post_data or "null"))
        route.continue_()

    page.route(f"{service.url}/api/v1/articles/{article_id}/comments", record)
    return sent


def posted_through(page: Page, service: Service, click: Callable[[], None]) -> dict[str, Any]:
    """What the box sent when ``click`` posted a comment."""
    with page.expect_request(
        lambda request: request.method == "POST" and request.url.startswith(service.url)
    ) as sent:
        click()
    request: Request = sent.value
    return json.loads(request.post_data or "null")


# --- ticked ----------------------------------------------------------------------


def test_ticking_asks_for_the_address_and_the_post_carries_it(
    page: Page, publisher: Publisher, service: Service, article_id: str, browser_log: BrowserLog
) -> None:
    open_box(page, publisher, service, article_id)
    expect(notify_box(page)).not_to_be_checked()
    expect(address_field(page)).to_be_hidden()  # nothing asked until the reader wants mail

    notify_box(page).check()

    expect(address_field(page)).to_be_visible()
    expect(address_field(page)).to_have_attribute("type", "email")
    expect(address_field(page)).to_have_attribute("autocomplete", "email")
    write(page, "Sam Reader", LONG_BODY)
    address_field(page).fill(ADDRESS)
    payload = posted_through(page, service, post_button(page).click)

    assert payload["email"] == ADDRESS
    assert payload["notify_replies"] is True
    assert payload["author"] == "Sam Reader"
    status = page.get_by_text(re.compile(r"^Thank you\. Your comment "))
    expect(status).to_have_text(re.compile(rf" {re.escape(CHECK_INBOX)}$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Reader Comments"))).to_be_visible()
    expect(page.get_by_role("list").first.get_by_text("Sam Reader")).to_be_visible()
    assert browser_log.errors == []


def test_a_reply_asks_for_mail_through_the_same_form(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    priya = service.posted(article_id)
    open_box(page, publisher, service, article_id)
    thread = page.get_by_role("list").first.locator(":scope > li").first
    thread.get_by_role("button", name="Reply").click()
    expect(thread.get_by_role("heading", name="Replying to Priya S")).to_be_visible()

    notify_box(thread).check()
    write(thread, "Rohit P", LONG_BODY)
    address_field(thread).fill(ADDRESS)
    payload = posted_through(page, service, post_button(thread).click)

    assert payload["parent_id"] == priya["id"]
    assert (payload["email"], payload["notify_replies"]) == (ADDRESS, True)
    expect(page.get_by_text(re.compile(re.escape(CHECK_INBOX)))).to_be_visible()


def test_the_box_is_reached_and_ticked_by_keyboard(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """After Post comment in the tab order: Name, Comment, Post comment stay as
    they were, and Enter in the address field posts."""
    open_box(page, publisher, service, article_id)
    keyboard = page.keyboard
    write(page, "Kim", LONG_BODY)
    page.get_by_label("Comment", exact=True).focus()

    keyboard.press("Tab")
    expect(post_button(page)).to_be_focused()
    keyboard.press("Tab")
    expect(notify_box(page)).to_be_focused()
    keyboard.press("Space")
    expect(notify_box(page)).to_be_checked()
    keyboard.press("Tab")
    expect(address_field(page)).to_be_focused()
    keyboard.type(ADDRESS)
    payload = posted_through(page, service, lambda: keyboard.press("Enter"))

    assert (payload["email"], payload["notify_replies"]) == (ADDRESS, True)
    expect(page.get_by_text(re.compile(re.escape(CHECK_INBOX)))).to_be_visible()


# --- not ticked -------------------------------------------------------------------


def test_unticked_posts_carry_neither_the_address_nor_the_wish(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    sent = record_posts(page, service, article_id)
    open_box(page, publisher, service, article_id)
    write(page, "Sam", LONG_BODY)
    post_button(page).click()
    expect(page.get_by_text("Thank you. Your comment is published.", exact=True)).to_be_visible()

    # Ticked, an address typed, then unticked: the address stays in the browser.
    notify_box(page).check()
    address_field(page).fill(ADDRESS)
    notify_box(page).uncheck()
    expect(address_field(page)).to_be_hidden()
    page.get_by_label("Comment", exact=True).fill(f"{LONG_BODY} Again.")
    post_button(page).click()
    expect(page.get_by_role("heading", name="Reader Comments (2)")).to_be_visible()

    assert [set(payload) for payload in sent] == [THE_CONTRACT_FIELDS, THE_CONTRACT_FIELDS]
    assert all(ADDRESS not in json.dumps(payload) for payload in sent)
    expect(page.get_by_text(re.compile(re.escape(CHECK_INBOX)))).to_have_count(0)


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["", "   ", "sam", "sam@", "sam reader@example.org"])
def test_a_missing_or_malformed_address_is_refused_at_the_field(
    page: Page, publisher: Publisher, service: Service, article_id: str, address: str
) -> None:
    sent = record_posts(page, service, article_id)
    open_box(page, publisher, service, article_id)
    write(page, "Sam", LONG_BODY)
    notify_box(page).check()
    address_field(page).fill(address)

    post_button(page).click()

    field = address_field(page)
    expect(page.get_by_text(ENTER_ADDRESS)).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(ENTER_ADDRESS)
    expect(field).to_be_focused()
    assert sent == []  # the handler has returned: nothing went out, nothing will
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    expect(page.get_by_label("Comment", exact=True)).to_have_value(LONG_BODY)

    field.fill(ADDRESS)  # typing clears the error; the post then goes
    expect(field).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_text(ENTER_ADDRESS)).to_have_count(0)
    post_button(page).click()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    assert [payload["email"] for payload in sent] == [ADDRESS]


def test_the_services_word_on_the_address_is_shown_under_the_field(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """A 422 naming ``email`` (the service's own check is stricter than the
    browser's) is shown at the field, like the other fields' errors."""
    refusal = "That does not look like an email address."

    def refuse_the_address(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(
            status=422,
            json={
                "error": "validation_failed",
                "message": "Some fields need attention.",
                "fields": {"email": [refusal]},
            },
            headers={"Access-Control-Allow-Origin": publisher.origin},
        )

    page.route(f"{service.url}/api/v1/articles/{article_id}/comments", refuse_the_address)
    open_box(page, publisher, service, article_id)
    write(page, "Sam", LONG_BODY)
    notify_box(page).check()
    address_field(page).fill("sam@localhost")  # a valid address for the browser

    post_button(page).click()

    field = address_field(page)
    expect(page.get_by_text(refusal, exact=True)).to_be_visible()
    expect(page.get_by_text("Some fields need attention.", exact=True)).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(refusal)
    expect(field).to_be_focused()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_label("Comment", exact=True)).to_have_value(LONG_BODY)  # nothing lost
    expect(field).to_have_value("sam@localhost")
    expect(page.get_by_text(re.compile(re.escape(CHECK_INBOX)))).to_have_count(0)


# --- accessibility -------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_with_the_box_ticked_and_in_error(
    page: Page, publisher: Publisher, service: Service, article_id: str, theme: str
) -> None:
    open_box(page, publisher, service, article_id, theme=theme)
    write(page, "Sam", LONG_BODY)
    notify_box(page).check()
    expect(address_field(page)).to_be_visible()
    assert axe_violations(page) == []

    post_button(page).click()
    expect(address_field(page)).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
