"""Conversations in the comment box (version 1.1), in Chromium on a publisher's
page: threads and replies, likes, reports, the author's edits, sorting, and new
comments that wait for the reader.

Everything is asserted as a reader would notice it: through labels, roles and
visible text, which Playwright finds inside the box's open shadow root.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from .conftest import (
    LONG_BODY,
    BrowserLog,
    Publisher,
    Service,
    axe_violations,
    box_tag,
    database_rows,
    open_box,
    request_json,
    wait_until,
    write,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

REPLY_BODY = "A reply that answers the comment above, and long enough to be posted."
EDITED_BODY = "An edited comment, rewritten by its author, still long enough to post."
XSS = '<img src=x onerror="window.__xss=1">'
THANKS = "Thank you. The moderators will look at it."
VOTER = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
HIDE_THE_TAB = (
    "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})"
)


def threads(page: Page) -> Locator:
    """The top-level comments, each with its thread."""
    return page.get_by_role("list").first.locator(":scope > li")


def thread_of(page: Page, author: str) -> Locator:
    return threads(page).filter(has=page.locator(f"bdi.author:text-is('{author}')")).first


def replies(thread: Locator) -> Locator:
    return thread.get_by_role("list").get_by_role("listitem")


def button(scope: Page | Locator, name: str | re.Pattern[str]) -> Locator:
    """The first such button in scope: a thread's own, before its replies'."""
    return scope.get_by_role("button", name=name).first


LIKE = re.compile(r"^Like \d+$")


def like_through_api(service: Service, article_id: str, comment_id: int, voter: str) -> None:
    url = f"{service.url}/api/v1/articles/{article_id}/comments/{comment_id}/likes"
    status, data = request_json(url, {"voter": voter})
    assert status == 200 and data["liked"], data


def rewrite_listing(
    page: Page, service: Service, article_id: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """The box gets the article's listing as the service answers it, with ``change``
    made to the JSON."""

    def rewrite(route: Route) -> None:
        response = route.fetch()
        data = response.json()
        change(data)
        route.fulfill(response=response, json=data)

    page.route(f"{service.url}/api/v1/articles/{article_id}/comments", rewrite)


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus: keyboard only."""
    for _ in range(limit):
        if target.evaluate("e => e.getRootNode().activeElement === e"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} never got the focus with {key}")


# --- threads and replies -----------------------------------------------------------


def test_a_reader_replies_and_the_reply_appears_in_its_thread(
    page: Page, publisher: Publisher, service: Service, article_id: str, browser_log: BrowserLog
) -> None:
    priya = service.posted(article_id)
    service.posted(article_id, "Someone Else")
    open_box(page, publisher, service, article_id)
    thread = thread_of(page, "Priya S")

    button(thread, "Reply").click()

    # The form moved under Priya's comment, says whom it answers, and has the focus.
    expect(thread.get_by_role("heading", name="Replying to Priya S")).to_be_visible()
    expect(page.get_by_label("Comment", exact=True)).to_be_focused()
    expect(page.get_by_role("heading", name="Leave a Comment")).to_have_count(0)
    write(thread, "Rohit P", REPLY_BODY)
    thread.get_by_role("button", name="Post comment").click()

    reply = replies(thread)
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Rohit P")
    expect(reply).to_contain_text("replying to Priya S")
    expect(reply).to_contain_text(REPLY_BODY)
    expect(reply).to_be_focused()
    expect(page.get_by_role("heading", name="Reader Comments (3)")).to_be_visible()
    # The form went home, ready for a new top-level comment.
    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    expect(thread.get_by_role("heading", name=re.compile("Replying to"))).to_have_count(0)

    # A reply to the reply names Rohit, and stays flat in Priya's thread.
    button(reply, "Reply").click()
    expect(thread.get_by_role("heading", name="Replying to Rohit P")).to_be_visible()
    write(thread, "Priya S", "Thanks Rohit, that is a fair point, and one worth making here.")
    thread.get_by_role("button", name="Post comment").click()
    expect(replies(thread)).to_have_count(2)
    expect(replies(thread).nth(1)).to_contain_text("replying to Rohit P")

    page.reload()  # as the service lists them
    thread = thread_of(page, "Priya S")
    expect(replies(thread)).to_have_count(2)
    expect(replies(thread).nth(0)).to_contain_text("Rohit P")
    expect(replies(thread).nth(0)).to_contain_text("replying to Priya S")
    expect(replies(thread).nth(1)).to_contain_text("replying to Rohit P")
    expect(replies(thread_of(page, "Someone Else"))).to_have_count(0)
    assert [c["id"] for c in service.listing(article_id)["comments"]][1] == priya["id"]
    assert browser_log.errors == []


def test_cancel_returns_the_form_and_the_focus(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    thread = thread_of(page, "Priya S")
    reply = button(thread, "Reply")
    reply.click()
    page.get_by_label("Comment", exact=True).fill("Half a thought")

    thread.get_by_role("button", name="Cancel").click()

    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    expect(thread.get_by_role("heading", name=re.compile("Replying to"))).to_have_count(0)
    expect(thread.get_by_label("Comment", exact=True)).to_have_count(0)
    expect(reply).to_be_focused()
    expect(page.get_by_label("Comment", exact=True)).to_have_value("Half a thought")


def test_show_more_replies_loads_the_rest_of_a_thread(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    priya = service.posted(article_id)
    for n in range(5):
        service.posted(article_id, f"Replier {n}", f"{REPLY_BODY} #{n}", parent_id=priya["id"])
    open_box(page, publisher, service, article_id)
    thread = thread_of(page, "Priya S")
    expect(replies(thread)).to_have_count(3)  # the preview, oldest first
    expect(replies(thread).first).to_contain_text("Replier 0")

    # The reader's own reply joins the thread, and leaves it; still two are not shown.
    def reply_as_sam() -> None:
        button(thread, "Reply").click()
        write(thread, "Sam Reader", REPLY_BODY)
        thread.get_by_role("button", name="Post comment").click()
        expect(replies(thread)).to_have_count(4)
        expect(thread.get_by_role("button", name="Show 2 more replies")).to_be_visible()

    reply_as_sam()
    button(replies(thread).last, "Delete").click()
    button(replies(thread).last, "Confirm delete").click()
    expect(replies(thread)).to_have_count(3)
    expect(thread.get_by_role("button", name="Show 2 more replies")).to_be_visible()
    reply_as_sam()

    thread.get_by_role("button", name="Show 2 more replies").click()

    expect(replies(thread)).to_have_count(6)
    authors = [f"Replier {n}" for n in range(5)] + ["Sam Reader"]  # oldest first
    expect(replies(thread).locator("bdi.author")).to_have_text(authors)
    expect(thread.get_by_role("button", name=re.compile("more repl"))).to_have_count(0)
    expect(replies(thread).nth(3)).to_be_focused()  # the button went away; the focus did not
    expect(page.get_by_role("heading", name="Reader Comments (7)")).to_be_visible()


def test_a_long_thread_pages_its_replies(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """Past 100 replies the box follows the replies' cursor."""
    priya = service.posted(article_id)
    url = f"{service.url}/api/v1/articles/{article_id}/comments/{priya['id']}/replies"
    answers = [
        {**reply_json(n, priya["id"]), "reply_to": {"id": priya["id"], "author": "Priya S"}}
        for n in range(104)
    ]

    def pages(route: Route) -> None:
        after = "cursor=c1" in route.request.url
        chunk = answers[100:] if after else answers[:100]
        body = {"comment_id": priya["id"], "replies": chunk, "next_cursor": None if after else "c1"}
        route.fulfill(json=body, headers={"Access-Control-Allow-Origin": "*"})

    page.route(f"{url}?*", pages)

    rewrite_listing(
        page,
        service,
        article_id,
        lambda data: data["comments"][0].update(reply_count=104, replies=answers[:3]),
    )
    open_box(page, publisher, service, article_id)
    thread = thread_of(page, "Priya S")

    thread.get_by_role("button", name="Show 101 more replies").click()
    expect(replies(thread)).to_have_count(100)
    thread.get_by_role("button", name="Show 4 more replies").click()

    expect(replies(thread)).to_have_count(104)
    expect(replies(thread).last).to_contain_text("Replier 103")


def reply_json(n: int, parent_id: int) -> dict[str, Any]:
    return {
        "id": 10_000 + n,
        "parent_id": parent_id,
        "author": f"Replier {n}",
        "body": f"{REPLY_BODY} #{n}",
        "created_at": "2025-01-04T09:12:44Z",
        "edited_at": None,
        "likes": 0,
        "verified": False,
    }


def test_a_removed_comment_keeps_its_replies_in_place(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """What the listing says of a removed top-level comment with replies."""
    placeholder = {
        "id": 7,
        "parent_id": None,
        "author": None,
        "body": None,
        "deleted": True,
        "created_at": "2025-01-04T09:12:44Z",
        "edited_at": None,
        "likes": 0,
        "verified": False,
        "reply_count": 1,
        "replies": [{**reply_json(1, 7), "reply_to": {"id": 7, "author": None}}],
    }

    def add_the_placeholder(data: dict[str, Any]) -> None:
        data["comments"].append(placeholder)
        data["total"] += 1

    service.posted(article_id)
    rewrite_listing(page, service, article_id, add_the_placeholder)
    open_box(page, publisher, service, article_id)

    removed = threads(page).nth(1)
    expect(removed).to_contain_text("This comment was removed.")
    expect(replies(removed)).to_have_count(1)
    # Nothing to answer, like or report on the removed comment itself: only on its reply.
    for name in ("Reply", LIKE, "Report"):
        expect(removed.get_by_role("button", name=name)).to_have_count(1)
        expect(replies(removed).get_by_role("button", name=name)).to_have_count(1)
    expect(replies(removed)).to_contain_text("Replier 1")
    expect(replies(removed)).to_contain_text("replying to a removed comment")


# --- likes ----------------------------------------------------------------------


def test_a_like_counts_is_pressed_and_survives_a_reload(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    priya = service.posted(article_id)
    like_through_api(service, article_id, priya["id"], "another-reader-0001")
    open_box(page, publisher, service, article_id)
    like = button(thread_of(page, "Priya S"), LIKE)
    expect(like).to_have_text("Like 1")
    expect(like).to_have_attribute("aria-pressed", "false")

    like.click()

    expect(like).to_have_text("Like 2")
    expect(like).to_have_attribute("aria-pressed", "true")
    voter = page.evaluate("localStorage.getItem('comments-widget:voter')")
    assert VOTER.match(voter), voter

    page.reload()
    like = button(thread_of(page, "Priya S"), LIKE)
    expect(like).to_have_text("Like 2")
    expect(like).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("localStorage.getItem('comments-widget:voter')") == voter

    like.click()  # and withdrawn

    expect(like).to_have_text("Like 1")
    expect(like).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(button(thread_of(page, "Priya S"), LIKE)).to_have_text("Like 1")


def test_the_like_button_says_the_newsrooms_word(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    rewrite_listing(
        page, service, article_id, lambda data: data["form"].update(like_label="Respect")
    )
    open_box(page, publisher, service, article_id)
    respect = button(thread_of(page, "Priya S"), re.compile(r"^Respect \d$"))

    respect.click()

    expect(respect).to_have_text("Respect 1")
    expect(respect).to_have_attribute("aria-pressed", "true")


def test_likes_work_where_local_storage_throws(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', "
        "{get() { throw new DOMException('denied', 'SecurityError'); }});"
    )
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    like = button(thread_of(page, "Priya S"), LIKE)

    like.click()
    expect(like).to_have_text("Like 1")
    like.click()  # the same voter (kept for the page's life) withdraws it

    expect(like).to_have_text("Like 0")
    expect(like).to_have_attribute("aria-pressed", "false")


# --- reports --------------------------------------------------------------------


def test_a_reader_reports_a_comment_in_a_dialog(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    priya = service.posted(article_id)
    open_box(page, publisher, service, article_id)
    report = button(thread_of(page, "Priya S"), "Report")

    report.click()

    dialog = page.get_by_role("dialog", name="Report this comment")
    expect(dialog).to_be_visible()
    reasons = dialog.get_by_role("radio")
    expect(reasons).to_have_count(4)
    for reason in ("Spam", "Abuse", "Off topic", "Illegal content"):
        expect(dialog.get_by_role("radio", name=reason)).to_be_visible()
    send = dialog.get_by_role("button", name="Send")
    expect(send).to_be_disabled()  # until a reason is chosen
    email = dialog.get_by_label("Your email")
    expect(email).to_be_hidden()

    dialog.get_by_role("radio", name="Illegal content").check()
    expect(email).to_be_visible()  # an illegal report needs an address for the receipt
    expect(send).to_be_disabled()
    dialog.get_by_label("Details").fill("It names a witness the court protects.")
    email.fill("reader@example.org")
    expect(send).to_be_enabled()
    send.click()

    expect(dialog).to_be_hidden()
    thanks = thread_of(page, "Priya S").get_by_role("status").filter(has_text=THANKS)
    expect(thanks).to_have_text(THANKS)
    expect(report).to_be_focused()
    rows = database_rows(
        service, "SELECT reason, details, email FROM reports WHERE comment_id = ?", priya["id"]
    )
    assert rows == [("illegal", "It names a witness the court protects.", "reader@example.org")]


def test_the_report_dialog_cancels_and_shows_errors_in_words(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    report = button(thread_of(page, "Priya S"), "Report")
    dialog = page.get_by_role("dialog", name="Report this comment")

    report.click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(report).to_be_focused()

    report.click()
    dialog.get_by_role("radio", name="Illegal content").check()
    dialog.get_by_label("Details").fill("Illegal, says the reader.")
    dialog.get_by_label("Your email").fill("not an address")
    dialog.get_by_role("button", name="Send").click()

    error = "That does not look like an email address."
    expect(dialog.get_by_text(error)).to_be_visible()
    expect(dialog.get_by_label("Your email")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Your email")).to_have_accessible_description(error)
    expect(dialog.get_by_label("Your email")).to_be_focused()

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(report).to_be_focused()
    report.click()  # opened again: a fresh form
    expect(dialog.get_by_label("Details")).to_have_value("")
    expect(dialog.get_by_text(error)).to_have_count(0)


# --- sorting and new comments -------------------------------------------------------


NEWEST = ["Last Reader", "Liked Reader", "First Reader"]
OLDEST = ["First Reader", "Liked Reader", "Last Reader"]
TOP = ["Liked Reader", "First Reader", "Last Reader"]


def seed_three_orders(service: Service, article_id: str) -> None:
    """Three comments that sort as NEWEST, OLDEST and TOP (by likes)."""
    first = service.posted(article_id, "First Reader")
    liked = service.posted(article_id, "Liked Reader")
    service.posted(article_id, "Last Reader")
    for n in range(2):
        like_through_api(service, article_id, liked["id"], f"sorting-voter-{n:05}")
    like_through_api(service, article_id, first["id"], "sorting-voter-00002")


def test_the_sort_switch_changes_the_order(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    seed_three_orders(service, article_id)
    open_box(page, publisher, service, article_id)
    sort = page.get_by_role("group", name="Sort comments")
    authors = threads(page).locator("bdi.author")
    expect(authors).to_have_text(NEWEST)
    expect(sort.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")

    sort.get_by_role("button", name="Oldest").click()
    expect(authors).to_have_text(OLDEST)
    expect(sort.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "true")
    expect(sort.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "false")

    button(thread_of(page, "Last Reader"), "Reply").click()  # a reply begun, then a new order
    page.get_by_label("Comment", exact=True).fill("Half a reply")
    sort.get_by_role("button", name="Top").click()
    expect(authors).to_have_text(TOP)
    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()  # went home
    expect(page.get_by_label("Comment", exact=True)).to_have_value("Half a reply")
    expect(sort.get_by_role("button", name="Top")).to_have_attribute("aria-pressed", "true")
    expect(sort.get_by_role("button", name="Top")).to_be_focused()

    sort.get_by_role("button", name="Newest").click()
    expect(authors).to_have_text(NEWEST)


def test_a_sort_pressed_while_another_loads_wins(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """Oldest, then Top before Oldest's comments arrive: the late answer for
    Oldest is not shown under Top."""
    seed_three_orders(service, article_id)
    open_box(page, publisher, service, article_id)
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(f"{service.url}/api/v1/articles/{article_id}/comments?*", hold_the_first)
    sort = page.get_by_role("group", name="Sort comments")
    sort.get_by_role("button", name="Oldest").click()
    wait_until(page, lambda: held)
    assert "sort=oldest" in held[0].request.url
    sort.get_by_role("button", name="Top").click()

    held[0].continue_()

    expect(threads(page).locator("bdi.author")).to_have_text(TOP)
    expect(sort.get_by_role("button", name="Top")).to_have_attribute("aria-pressed", "true")
    expect(sort.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("button", name="Show more comments")).to_be_hidden()


def test_new_comments_wait_behind_a_button(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id, "Early Reader")
    open_box(page, publisher, service, article_id, poll_seconds="1")
    expect(threads(page)).to_have_count(1)
    # The box checks with a conditional request: an unchanged page comes back 304.
    unchanged = re.compile(rf'"status":304,[^\n]*"article_id":"{article_id}"')
    wait_until(page, lambda: unchanged.search(service.server.log()))

    service.posted(article_id, "Late Reader")
    service.posted(article_id, "Later Reader")

    news = page.get_by_role("button", name=re.compile(r"new comments?$"))
    expect(news).to_have_text("2 new comments")
    # Announced, and nothing the reader is reading moved.
    assert news.evaluate("e => e.closest('[aria-live=polite]') !== null")
    expect(threads(page)).to_have_count(1)
    expect(page.get_by_text("Late Reader")).to_have_count(0)

    news.click()

    expect(threads(page).locator("bdi.author")).to_have_text(
        ["Later Reader", "Late Reader", "Early Reader"]
    )
    expect(news).to_be_hidden()
    expect(threads(page).first).to_be_focused()
    expect(page.get_by_role("heading", name="Reader Comments (3)")).to_be_visible()


def test_the_reader_own_comment_is_not_new_to_them(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id, poll_seconds="1")
    write(page, "Sam", LONG_BODY)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    service.posted(article_id, "Other Reader")

    expect(page.get_by_role("button", name="1 new comment")).to_be_visible()


class Checks:
    """Counts the box's requests for its first page while the test drives the clock
    (``page.clock``) in 30-second steps; remembers when each came."""

    def __init__(self, page: Page, service: Service, article_id: str) -> None:
        self.page = page
        self.elapsed = 0
        self.times: list[int] = []
        page.clock.install()
        page.route(f"{service.url}/api/v1/articles/{article_id}/comments", self._count)

    def _count(self, route: Route) -> None:
        self.times.append(self.elapsed)
        route.continue_()

    def observed(self) -> None:
        """Wait until the browser has told intersection observers where the box
        is: the box checks only while on screen, and under load that report can
        come after the test's first clock step. The box's observer, made
        earlier, is told in the same round before this one."""
        self.page.evaluate(
            """() => new Promise(done => {
                const host = [...document.querySelectorAll("*")].find(e => e.shadowRoot);
                new IntersectionObserver((_, seen) => { seen.disconnect(); done(); }).observe(host);
            })"""
        )

    def run(self, seconds: int) -> None:
        for _ in range(seconds // 30):
            self.elapsed += 30
            self.page.clock.run_for(30_000)
            self.page.wait_for_timeout(100)  # the check's request goes through


def test_checks_slow_down_to_five_minutes_and_stop_after_thirty(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    checks = Checks(page, service, article_id)
    open_box(page, publisher, service, article_id)
    expect(page.get_by_text("Be the first to comment.")).to_be_visible()
    checks.observed()
    checks.times.clear()

    checks.run(40 * 60)

    # After 30 s; then, as nothing changes, 1, 2, 4 minutes, then every 5; none after 30.
    assert checks.times[0] == 30, checks.times
    gaps = [b - a for a, b in itertools.pairwise(checks.times)]
    expected = [60, 120, 240, 300, 300, 300, 300]
    assert len(gaps) == len(expected), checks.times
    assert all(abs(gap - want) <= 30 for gap, want in zip(gaps, expected, strict=True)), gaps
    assert checks.times[-1] < 30 * 60


def test_no_checks_while_the_tab_is_hidden_or_the_box_off_screen(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    checks = Checks(page, service, article_id)
    open_box(page, publisher, service, article_id)
    expect(page.get_by_text("Be the first to comment.")).to_be_visible()
    checks.observed()
    checks.times.clear()

    page.evaluate(HIDE_THE_TAB)
    checks.run(300)
    assert checks.times == []
    page.evaluate("delete document.visibilityState")  # the tab is shown again
    checks.run(30)
    assert len(checks.times) == 1

    page.evaluate("document.body.style.paddingTop = '300vh'")  # scrolled away
    checks.observed()
    checks.run(300)
    assert len(checks.times) == 1
    page.evaluate("document.body.style.paddingTop = '0'")
    checks.observed()
    checks.run(60)
    assert len(checks.times) == 2


# --- the author's edits ----------------------------------------------------------


def post_own(page: Page, body: str = LONG_BODY, name: str = "Sam Author") -> Locator:
    """Post through the box; returns the reader's own comment."""
    write(page, name, body)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Thank you. Your comment is published.")).to_be_visible()
    return thread_of(page, name)


def test_the_author_edits_their_own_comment(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    expect(thread_of(page, "Priya S").get_by_role("button", name="Edit")).to_have_count(0)
    edit = button(mine, "Edit")

    edit.click()

    editor = mine.get_by_label("Edit your comment")
    expect(editor).to_be_focused()
    expect(editor).to_have_value(LONG_BODY)
    expect(mine.get_by_text("Please keep", exact=False)).to_have_count(0)
    save = mine.get_by_role("button", name="Save")
    editor.fill("Too short now")
    expect(mine.get_by_text("13/50", exact=True)).to_be_visible()  # the same counter rules
    expect(save).to_be_disabled()
    editor.fill(EDITED_BODY)
    expect(mine.get_by_text("4,930 characters left", exact=True)).to_be_visible()
    save.click()

    expect(mine.get_by_text(EDITED_BODY, exact=True)).to_be_visible()
    expect(mine).to_contain_text("(edited)")
    expect(mine.get_by_role("status")).to_have_text("Your changes are saved.")
    expect(editor).to_have_count(0)
    expect(edit).to_be_focused()

    page.reload()  # as the service lists it, and still editable from this browser
    mine = thread_of(page, "Sam Author")
    expect(mine.get_by_text(EDITED_BODY, exact=True)).to_be_visible()
    expect(mine).to_contain_text("(edited)")
    expect(button(mine, "Edit")).to_be_visible()


def test_cancelling_an_edit_keeps_the_text(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    edit = button(mine, "Edit")
    edit.click()
    mine.get_by_label("Edit your comment").fill(EDITED_BODY)

    mine.get_by_role("button", name="Cancel").click()

    expect(mine.get_by_text(LONG_BODY, exact=True)).to_be_visible()
    expect(mine.get_by_label("Edit your comment")).to_have_count(0)
    expect(edit).to_be_focused()


def test_an_edit_the_service_refuses_is_shown_at_the_field(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    button(mine, "Edit").click()
    editor = mine.get_by_label("Edit your comment")

    editor.fill(EDITED_BODY + "\u0007")  # a bell: the service cannot store it
    mine.get_by_role("button", name="Save").click()

    error = "Contains control characters that cannot be stored."
    expect(mine.get_by_text(error)).to_be_visible()
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(editor).to_have_accessible_description(re.compile(re.escape(error)))
    expect(editor).to_be_focused()
    editor.press("Backspace")
    expect(editor).to_have_attribute("aria-invalid", "false")


def test_the_author_deletes_their_own_comment_after_confirming(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    expect(page.get_by_role("heading", name="Reader Comments (2)")).to_be_visible()
    key = page.evaluate("Object.keys(localStorage).find((k) => k.includes(':edit:'))")
    assert key

    button(mine, "Delete").click()
    expect(threads(page)).to_have_count(2)  # not yet: it asks first
    button(mine, "Confirm delete").click()

    expect(page.get_by_text("Sam Author")).to_have_count(0)
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_focused()
    assert page.evaluate("(key) => localStorage.getItem(key)", key) is None
    page.reload()
    expect(threads(page)).to_have_count(1)
    assert service.listing(article_id)["total"] == 1


def test_the_delete_confirmation_goes_away_with_the_focus(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    delete = button(mine, "Delete")

    delete.click()
    expect(delete).to_have_text("Confirm delete")
    page.keyboard.press("Tab")

    expect(delete).to_have_text("Delete")
    assert service.listing(article_id)["total"] == 1


def test_a_press_right_after_posting_is_not_undone_when_the_box_settles(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    """After a post the box fetches a fresh form token; a reader who presses
    Delete before it arrives keeps the focus and the confirmation."""
    open_box(page, publisher, service, article_id)
    renewals: list[Route] = []
    listing = f"{service.url}/api/v1/articles/{article_id}/comments"

    def hold_renewals(route: Route) -> None:  # held until the reader has acted
        if route.request.method == "GET":
            renewals.append(route)
        else:
            route.continue_()

    page.route(listing, hold_renewals)
    mine = post_own(page)
    write(page, "Sam Author", LONG_BODY)  # a second comment, ready once the box settles
    post = page.get_by_role("button", name="Post comment")
    expect(post).to_be_disabled()
    delete = button(mine, "Delete")
    delete.click()
    expect(delete).to_have_text("Confirm delete")

    assert len(renewals) == 1
    renewals[0].continue_()
    expect(post).to_be_enabled()  # the renewal is in: the box has settled

    expect(delete).to_be_focused()
    delete.click()
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    assert service.listing(article_id)["total"] == 0


def test_once_someone_replies_the_author_is_told_in_words(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    comment_id = service.listing(article_id)["comments"][0]["id"]
    service.posted(article_id, "Quick Replier", REPLY_BODY, parent_id=comment_id)

    button(mine, "Edit").click()
    mine.get_by_label("Edit your comment").fill(EDITED_BODY)
    mine.get_by_role("button", name="Save").click()

    expect(mine.get_by_role("status").first).to_have_text(
        "Somebody has replied to this comment: it can no longer be edited or deleted."
    )
    expect(mine.get_by_text(LONG_BODY, exact=True)).to_be_visible()
    expect(mine.get_by_role("button", name=re.compile("^(Edit|Delete)$"))).to_have_count(0)
    assert service.listing(article_id)["comments"][0]["body"] == LONG_BODY


def test_edit_and_delete_go_away_when_the_window_closes(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.clock.install()
    open_box(page, publisher, service, article_id)
    mine = post_own(page)
    expect(button(mine, "Edit")).to_be_visible()

    page.clock.run_for(901_000)  # COMMENTS_EDIT_WINDOW is 900 s

    expect(mine.get_by_role("button", name=re.compile("^(Edit|Delete)$"))).to_have_count(0)
    page.reload()
    expect(thread_of(page, "Sam Author")).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)


# --- keyboard, accessibility, safety ------------------------------------------------


def test_reply_like_report_and_edit_by_keyboard_only(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.posted(article_id)
    open_box(page, publisher, service, article_id)
    keyboard = page.keyboard
    thread = thread_of(page, "Priya S")

    # Reply: Enter on Reply, the form comes with the focus in the Comment field.
    tab_to(page, button(thread, "Reply"))
    keyboard.press("Enter")
    expect(thread.get_by_label("Comment", exact=True)).to_be_focused()
    keyboard.type(REPLY_BODY)
    keyboard.press("Shift+Tab")
    expect(thread.get_by_label("Name")).to_be_focused()
    keyboard.type("Kim")
    keyboard.press("Tab")
    keyboard.press("Tab")  # past the honeypot, to the button
    expect(thread.get_by_role("button", name="Post comment")).to_be_focused()
    keyboard.press("Enter")
    reply = replies(thread).first
    expect(reply).to_contain_text("replying to Priya S")
    expect(reply).to_be_focused()

    # Like: Space on the button.
    like = button(thread, LIKE)
    tab_to(page, like, "Shift+Tab")
    keyboard.press("Space")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_text("Like 1")
    expect(like).to_be_focused()

    # Report: the dialog, a reason by Space, Send by Enter, the focus back on Report.
    report = button(thread, "Report")
    tab_to(page, report)
    keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Report this comment")
    expect(dialog.get_by_role("radio", name="Spam")).to_be_focused()
    keyboard.press("Space")
    expect(dialog.get_by_role("radio", name="Spam")).to_be_checked()
    keyboard.press("Tab")
    expect(dialog.get_by_label("Details")).to_be_focused()
    keyboard.type("Selling watches.")
    keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Send")).to_be_focused()
    keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(thread.get_by_text(THANKS)).to_be_visible()
    expect(report).to_be_focused()

    # Edit the reply just written: Enter on Edit, rewrite, Tab to Save, Enter.
    edit = button(reply, "Edit")
    tab_to(page, edit)
    keyboard.press("Enter")
    expect(reply.get_by_label("Edit your comment")).to_be_focused()
    keyboard.press("ControlOrMeta+a")
    keyboard.type(EDITED_BODY)
    keyboard.press("Tab")
    expect(reply.get_by_role("button", name="Save")).to_be_focused()
    keyboard.press("Enter")
    expect(reply.get_by_text(EDITED_BODY, exact=True)).to_be_visible()
    expect(edit).to_be_focused()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_in_threads_the_dialog_and_the_editor(
    page: Page, publisher: Publisher, service: Service, article_id: str, theme: str
) -> None:
    priya = service.posted(article_id)
    for n in range(4):
        service.posted(article_id, f"Replier {n}", f"{REPLY_BODY} #{n}", parent_id=priya["id"])
    open_box(page, publisher, service, article_id, theme=theme)
    mine = post_own(page)
    thread = thread_of(page, "Priya S")
    button(thread, LIKE).click()
    expect(button(thread, LIKE)).to_have_attribute("aria-pressed", "true")
    expect(thread.get_by_role("button", name="Show 1 more reply")).to_be_visible()
    assert axe_violations(page) == []

    button(thread, "Reply").click()
    expect(thread.get_by_role("heading", name="Replying to Priya S")).to_be_visible()
    assert axe_violations(page) == []
    thread.get_by_role("button", name="Cancel").click()

    button(thread, "Report").click()
    dialog = page.get_by_role("dialog", name="Report this comment")
    dialog.get_by_role("radio", name="Illegal content").check()
    expect(dialog.get_by_label("Your email")).to_be_visible()
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Cancel").click()

    button(mine, "Edit").click()
    mine.get_by_label("Edit your comment").fill("Shorter")
    expect(mine.get_by_text("7/50", exact=True)).to_be_visible()
    assert axe_violations(page) == []


def test_markup_in_replies_reports_and_edits_is_shown_as_text_and_never_runs(
    page: Page, publisher: Publisher, service: Service, article_id: str, browser_log: BrowserLog
) -> None:
    stored = service.posted(article_id, XSS, f"{XSS} {LONG_BODY}")
    # No CSP on this page: only the box itself stands between the text and the DOM.
    page.goto(publisher.article(service, box_tag(service, article_id), csp=""))
    thread = threads(page).first
    expect(thread.locator("bdi.author")).to_have_text(XSS)

    # A reply: the form names the author as text; the reply carries markup in its body.
    button(thread, "Reply").click()
    expect(thread.get_by_role("heading", name=f"Replying to {XSS}")).to_be_visible()
    write(thread, "Rohit P", f"{XSS} {REPLY_BODY}")
    thread.get_by_role("button", name="Post comment").click()
    reply = replies(thread).first
    expect(reply.locator(".text")).to_have_text(f"{XSS} {REPLY_BODY}")
    expect(reply).to_contain_text(f"replying to {XSS}")

    # A report's details: sent as written.
    button(thread, "Report").click()
    dialog = page.get_by_role("dialog", name="Report this comment")
    dialog.get_by_role("radio", name="Abuse").check()
    dialog.get_by_label("Details").fill(XSS)
    dialog.get_by_role("button", name="Send").click()
    expect(thread.get_by_text(THANKS)).to_be_visible()
    assert database_rows(
        service, "SELECT details FROM reports WHERE comment_id = ?", stored["id"]
    ) == [(XSS,)]

    # An edit: the new text is shown as text.
    button(reply, "Edit").click()
    reply.get_by_label("Edit your comment").fill(f"{EDITED_BODY} {XSS}")
    reply.get_by_role("button", name="Save").click()
    expect(reply.locator(".text")).to_have_text(f"{EDITED_BODY} {XSS}")

    page.reload()  # and as the service lists them
    thread = threads(page).first
    expect(replies(thread).first.locator(".text")).to_have_text(f"{EDITED_BODY} {XSS}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") is None
    assert browser_log.dialogs == []
    assert browser_log.errors == []  # an injected <img src=x> would log its failed load
    assert (
        page.locator(".comments-widget").evaluate(
            "host => host.shadowRoot.querySelectorAll('img').length"
        )
        == 0
    )
