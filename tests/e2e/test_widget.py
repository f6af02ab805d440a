"""The comment box on a publisher's page (another origin, strict CSP), in Chromium.

Everything is asserted as a reader would notice it: through labels, roles and
visible text, which Playwright finds inside the box's open shadow root.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from widget.moderation import text

from ..servers import free_port
from .conftest import (
    LONG_BODY,
    ROOT,
    BrowserLog,
    Publisher,
    Service,
    axe_violations,
    box_tag,
    open_box,
    wait_until,
    write,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

SECOND_BODY = "Another considered reply, which is also long enough to be posted here."


def name_field(page: Page):
    return page.get_by_label("Name")


def comment_field(page: Page):
    return page.get_by_label("Comment", exact=True)


def post_button(page: Page):
    return page.get_by_role("button", name="Post comment")


def counter(page: Page):
    return page.get_by_text(re.compile(r"^([\d,]+/[\d,]+|[\d,]+ characters? (left|too many))$"))


# --- rendering -----------------------------------------------------------------


def test_the_box_renders_comments_into_the_page(
    page: Page, publisher: Publisher, service: Service, article_id: str, browser_log: BrowserLog
) -> None:
    first = "First line of a thoughtful comment.\nSecond line, still thoughtful."
    service.seed(article_id, ("Priya S", first), ("émile", LONG_BODY))

    open_box(page, publisher, service, article_id)

    expect(page.get_by_role("heading", name="Reader Comments (2)")).to_be_visible()
    comments = page.get_by_role("listitem")
    expect(comments).to_have_count(2)
    newest, oldest = comments.nth(0), comments.nth(1)
    expect(newest).to_contain_text("émile")
    expect(newest.get_by_text("É", exact=True)).to_be_visible()  # the avatar's initial
    # Line breaks kept, and the page's own CSS (uppercase paragraphs) kept out.
    assert oldest.get_by_text("First line").inner_text() == first
    when = oldest.locator("time")
    expect(when).to_have_text("just now")
    expect(when).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"))
    expect(when).to_have_attribute("title", re.compile(r"\d{4}"))
    avatar = oldest.get_by_text("P", exact=True)
    # Styled by the box's constructed stylesheet although the page allows no inline style.
    assert avatar.evaluate("e => getComputedStyle(e).borderRadius") == "50%"
    assert name_field(page).evaluate("e => getComputedStyle(e).fontFamily") == "Georgia, serif"

    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    expect(page.get_by_text("Please keep comments respectful and on-topic.")).to_be_visible()
    expect(post_button(page)).to_be_disabled()
    assert browser_log.errors == []


def test_the_box_shows_loading_then_invites_the_first_comment(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    held: list[Route] = []
    page.route(f"{service.url}/api/v1/**", lambda route: held.append(route))

    page.goto(publisher.article(service, box_tag(service, article_id)))

    expect(page.get_by_text("Loading comments…")).to_be_visible()
    wait_until(page, lambda: held)
    held[0].continue_()
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    expect(page.get_by_text("Be the first to comment.")).to_be_visible()
    expect(page.get_by_text("Loading comments…")).to_have_count(0)


def test_title_guidelines_and_container_come_from_the_script_tag(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    content = '<div id="talk">Comments load here.</div>' + box_tag(
        service,
        article_id,
        container="#talk",
        title="Have your say",
        guidelines="Be kind; no links.",
    )

    page.goto(publisher.article(service, content))

    expect(page.locator("#talk").get_by_role("heading", name="Have your say (0)")).to_be_visible()
    expect(page.get_by_text("Be kind; no links.")).to_be_visible()
    expect(page.get_by_text("Comments load here.")).to_have_count(0)


def test_show_more_comments_follows_the_cursor(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.seed(article_id, *[(f"Reader {n}", f"{LONG_BODY} #{n}") for n in range(23)])

    open_box(page, publisher, service, article_id)
    comments = page.get_by_role("listitem")
    expect(comments).to_have_count(20)
    expect(comments.first).to_contain_text("Reader 22")

    page.get_by_role("button", name="Show more comments").click()

    expect(comments).to_have_count(23)
    expect(comments.last).to_contain_text("Reader 0")
    expect(page.get_by_role("button", name="Show more comments")).to_have_count(0)
    expect(comments.nth(20)).to_be_focused()  # the button went away; focus did not get lost
    expect(page.get_by_role("heading", name="Reader Comments (23)")).to_be_visible()


# --- the form -------------------------------------------------------------------


def test_typing_updates_the_counter_from_0_of_50(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    expect(counter(page)).to_have_text("0/50")

    comment_field(page).press_sequentially("Hello")
    expect(counter(page)).to_have_text("5/50")
    # The debounced live region speaks once the reader pauses.
    expect(page.get_by_text("5 of at least 50 characters")).to_be_attached()

    comment_field(page).fill("x" * 50)
    expect(counter(page)).to_have_text("4,950 characters left")
    comment_field(page).fill("x" * 4999)
    expect(counter(page)).to_have_text("1 character left")
    comment_field(page).fill("x" * 5002)  # no maxlength: nothing is cut off
    expect(counter(page)).to_have_text("2 characters too many")
    expect(comment_field(page)).to_have_value("x" * 5002)


@pytest.mark.parametrize(
    "sample",
    [
        "  spaces around  ",
        "\u200b\u200b zero-width padding \u2060\ufeff",
        "\t\n\u3000\u00a0\u0085ideographic and no-break\u2028\u2029\u202f\u205f",
        "🙂🙂🙂 emoji count once each",
        "e\u0301 combining accent is two code points",
        "\u200e left-to-right mark is not trimmed",
    ],
)
def test_the_counter_counts_exactly_as_the_server(
    page: Page, publisher: Publisher, service: Service, article_id: str, sample: str
) -> None:
    open_box(page, publisher, service, article_id)

    comment_field(page).fill(sample)

    expect(counter(page)).to_have_text(f"{text.length(text.trim(sample))}/50")


def test_the_button_is_disabled_until_the_form_is_valid(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    button = post_button(page)
    expect(button).to_be_disabled()

    write(page, "Sam", "x" * 49)
    expect(button).to_be_disabled()
    comment_field(page).fill("x" * 49 + "   \u200b")  # padding is not counted
    expect(button).to_be_disabled()
    comment_field(page).fill("x" * 50)
    expect(button).to_be_enabled()

    name_field(page).fill("   ")
    expect(button).to_be_disabled()
    name_field(page).fill("N" * 81)
    expect(button).to_be_disabled()
    expect(page.get_by_text("Your name can be at most 80 characters (it has 81).")).to_be_visible()
    expect(name_field(page)).to_have_attribute("aria-invalid", "true")
    name_field(page).fill("N" * 80)
    expect(button).to_be_enabled()
    expect(name_field(page)).to_have_attribute("aria-invalid", "false")


def test_a_valid_comment_appears_without_reload_and_survives_one(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    body = "Line one of my comment.\nLine two, which makes it long enough to post."
    open_box(page, publisher, service, article_id)
    page.evaluate("window.__sameDocument = true")

    write(page, "Sam Reader", body)
    post_button(page).click()

    expect(page.get_by_text("Thank you. Your comment is published.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    newest = page.get_by_role("listitem").first
    expect(newest).to_contain_text("Sam Reader")
    expect(newest.locator("time")).to_have_text("just now")
    expect(comment_field(page)).to_have_value("")
    expect(page.get_by_text("Be the first to comment.")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True

    page.reload()

    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    assert page.get_by_role("listitem").first.get_by_text("Line one").inner_text() == body
    expect(name_field(page)).to_have_value("Sam Reader")  # remembered for next time


def test_the_box_posts_json_without_cookies_and_sends_the_honeypot(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.context.add_cookies([{"name": "tracker", "value": "1", "url": service.url}])
    sent: list[Any] = []

    def record(route: Route) -> None:
        if route.request.method == "POST":
            sent.append(route.request)
        route.continue_()

    page.route(f"{service.url}/api/v1/articles/*/comments", record)
    open_box(page, publisher, service, article_id)
    trap = page.locator("input[name=website]")
    expect(trap).to_have_attribute("tabindex", "-1")
    expect(trap).to_have_attribute("autocomplete", "off")
    expect(page.get_by_role("textbox", name="Website")).to_have_count(0)  # hidden from people

    write(page, "Sam", LONG_BODY)
    post_button(page).click()
    expect(page.get_by_text("Thank you. Your comment is published.")).to_be_visible()

    (request,) = sent
    payload = json.loads(request.post_data)
    assert set(payload) == {"author", "body", "token", "website"}
    assert payload["author"] == "Sam"
    assert payload["website"] == ""
    assert payload["token"]  # the listing's, and valid: the comment was published, not held
    headers = request.all_headers()
    assert headers["content-type"] == "application/json"
    assert "cookie" not in headers


def test_submitting_twice_is_impossible(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    held: list[Route] = []

    def hold_posts(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route(f"{service.url}/api/v1/articles/*/comments", hold_posts)
    open_box(page, publisher, service, article_id)
    write(page, "Sam", LONG_BODY)

    post_button(page).dblclick()
    wait_until(page, lambda: held)
    expect(post_button(page)).to_be_disabled()  # while the post is in flight
    expect(page.get_by_text("Posting your comment…")).to_be_visible()
    held[0].continue_()

    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    assert len(held) == 1
    assert service.listing(article_id)["total"] == 1


def test_keyboard_only_use_works(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)
    keyboard = page.keyboard

    keyboard.press("Tab")
    expect(name_field(page)).to_be_focused()
    keyboard.type("Kim")
    keyboard.press("Tab")
    expect(comment_field(page)).to_be_focused()
    keyboard.type(LONG_BODY)
    keyboard.press("Tab")  # past the honeypot, which is out of the tab order
    expect(post_button(page)).to_be_focused()
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    expect(page.get_by_role("listitem").first).to_be_focused()


def test_a_box_works_where_local_storage_throws(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', "
        "{get() { throw new DOMException('denied', 'SecurityError'); }});"
    )
    open_box(page, publisher, service, article_id)

    write(page, "Sam", LONG_BODY)
    post_button(page).click()

    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()


# --- answers from the service ---------------------------------------------------


def test_a_held_comment_is_shown_to_its_author_only(
    page: Page, publisher: Publisher, start_service, article_id: str
) -> None:
    service = start_service(moderation="pre")
    open_box(page, publisher, service, article_id)

    write(page, "Sam", LONG_BODY)
    post_button(page).click()

    expect(page.get_by_text("Thank you. Your comment awaits moderation")).to_be_visible()
    mine = page.get_by_role("listitem").first
    expect(mine).to_contain_text("Sam")
    expect(mine).to_contain_text("Awaiting moderation: only you can see this comment")
    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()

    page.reload()
    expect(page.get_by_text("Be the first to comment.")).to_be_visible()
    expect(page.get_by_role("listitem")).to_have_count(0)


def lower_the_minimum(service: Service, page: Page, minimum: int) -> None:
    """Make the box believe in a lower minimum than the server holds, so the
    server itself answers 422 to what the box lets through."""

    def tamper(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        data = response.json()
        data["form"]["min_length"] = minimum
        route.fulfill(response=response, json=data)

    page.route(f"{service.url}/api/v1/articles/*/comments", tamper)


def test_422_messages_appear_at_their_fields(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    lower_the_minimum(service, page, 10)
    open_box(page, publisher, service, article_id)

    # A bell character the server cannot store, and a body the server finds short.
    write(page, "Sam\u0007", "Too short, really.")
    post_button(page).click()

    expect(page.get_by_text("Some fields need attention.")).to_be_visible()
    body_error = "Your comment needs at least 50 characters (it has 18)."
    name_error = "Contains control characters that cannot be stored."
    expect(page.get_by_text(body_error)).to_be_visible()
    expect(page.get_by_text(name_error)).to_be_visible()
    for field, error in ((name_field(page), name_error), (comment_field(page), body_error)):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(error)))
    expect(name_field(page)).to_be_focused()  # the first field in error
    assert axe_violations(page) == []  # the error state is accessible too

    comment_field(page).press_sequentially(" More.")
    expect(comment_field(page)).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_text(body_error)).to_have_count(0)


def test_429_says_when_to_try_again(
    page: Page, publisher: Publisher, start_service, article_id: str
) -> None:
    service = start_service(post_limits="1/minute")
    open_box(page, publisher, service, article_id)
    write(page, "Sam", LONG_BODY)
    post_button(page).click()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()

    comment_field(page).fill(SECOND_BODY)
    post_button(page).click()

    expect(
        page.get_by_text(
            re.compile(r"^You are posting too quickly\. Please try again in \d+ seconds\.$")
        )
    ).to_be_visible()
    expect(comment_field(page)).to_have_value(SECOND_BODY)  # nothing the reader wrote is lost
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()


def test_a_closed_article_says_so_in_words(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.close_comments(article_id)
    open_box(page, publisher, service, article_id)

    write(page, "Sam", LONG_BODY)
    post_button(page).click()

    closed = page.get_by_text("Comments are closed on this article.")
    expect(closed).to_be_visible()
    expect(closed).to_be_focused()
    expect(name_field(page)).to_have_count(0)


# --- safety and isolation -------------------------------------------------------


def test_markup_in_a_name_or_body_is_shown_as_text_and_never_runs(
    page: Page, publisher: Publisher, service: Service, article_id: str, browser_log: BrowserLog
) -> None:
    stored_name = '<img src=x onerror="window.__xss=1">'
    stored_body = "<script>window.__xss=1</script><b onmouseover=alert(1)>bold</b> " + LONG_BODY
    typed_name = '"><svg onload="window.__xss=1">'
    typed_body = '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe> ' + LONG_BODY
    service.seed(article_id, (stored_name, stored_body))
    # No CSP on this page: only the box itself stands between the text and the DOM.
    content = box_tag(service, article_id)
    page.goto(publisher.article(service, content, csp=""))

    expect(page.get_by_role("listitem").first).to_contain_text(stored_name)
    expect(page.get_by_role("listitem").first).to_contain_text(stored_body)
    write(page, typed_name, typed_body)
    post_button(page).click()
    expect(page.get_by_role("listitem").first).to_contain_text(typed_name)
    page.reload()
    expect(page.get_by_role("listitem").first).to_contain_text(typed_body)
    page.get_by_text("bold", exact=False).first.hover()

    assert page.evaluate("window.__xss") is None
    assert browser_log.dialogs == []
    markup = page.locator(".comments-widget").evaluate(
        "host => host.shadowRoot.querySelectorAll('img, script, svg, iframe, b').length"
    )
    assert markup == 0


def test_two_boxes_on_one_page_each_show_their_own_article(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    other = f"{article_id}-other"
    service.seed(article_id, ("Ana", LONG_BODY))
    content = (
        '<div id="first"></div><div id="second"></div>'
        + box_tag(service, article_id, container="#first", title="On the first story")
        + box_tag(service, other, container="#second", title="On the second story")
    )
    page.goto(publisher.article(service, content))
    first, second = page.locator("#first"), page.locator("#second")
    expect(first.get_by_role("heading", name="On the first story (1)")).to_be_visible()
    expect(second.get_by_role("heading", name="On the second story (0)")).to_be_visible()

    second.get_by_label("Name").fill("Ben")
    second.get_by_label("Comment", exact=True).fill(SECOND_BODY)
    second.get_by_role("button", name="Post comment").click()

    expect(second.get_by_role("heading", name="On the second story (1)")).to_be_visible()
    expect(second.get_by_role("listitem")).to_have_text([re.compile("Ben")])
    expect(first.get_by_role("listitem")).to_have_text([re.compile("Ana")])
    expect(first.get_by_role("heading", name="On the first story (1)")).to_be_visible()
    assert service.listing(other)["total"] == 1
    assert service.listing(article_id)["total"] == 1


def test_a_page_whose_origin_is_not_allowed_shows_comments_but_is_told_what_to_add(
    page: Page, stranger: Publisher, service: Service, article_id: str
) -> None:
    service.seed(article_id, ("Ana", LONG_BODY))
    open_box(page, stranger, service, article_id)  # reading is open to every page
    expect(page.get_by_text("Ana")).to_be_visible()

    write(page, "Priya S", SECOND_BODY)
    post_button(page).click()

    message = page.get_by_text(f"this page's origin, {stranger.origin}, is not allowed")
    expect(message).to_be_visible()
    expect(message).to_contain_text(f"add {stranger.origin} to COMMENTS_ALLOWED_ORIGINS")
    assert service.listing(article_id)["total"] == 1


def test_an_unreachable_service_is_named_as_such(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    page.route(
        f"{nowhere}/static/js/widget.js",
        lambda route: route.fulfill(
            path=ROOT / "static" / "js" / "widget.js", content_type="text/javascript"
        ),
    )
    content = box_tag(service, article_id).replace(service.url, nowhere)
    csp = f"default-src 'none'; script-src {nowhere}; connect-src {nowhere}; style-src 'self'"

    page.goto(publisher.article(service, content, csp=csp))

    expect(
        page.get_by_text(f"The comments service at {nowhere} cannot be reached.")
    ).to_be_visible()


# --- accessibility --------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations(
    page: Page, publisher: Publisher, service: Service, article_id: str, theme: str
) -> None:
    service.seed(article_id, ("Priya S", LONG_BODY))
    open_box(page, publisher, service, article_id, theme=theme)
    write(page, "Sam", "Half a comment")
    expect(counter(page)).to_have_text("14/50")

    assert axe_violations(page) == []


@pytest.mark.parametrize(
    ("scheme", "background"), [("dark", "rgb(23, 25, 30)"), ("light", "rgb(255, 255, 255)")]
)
def test_the_auto_theme_follows_the_reader_system(
    page: Page,
    publisher: Publisher,
    service: Service,
    article_id: str,
    scheme: str,
    background: str,
) -> None:
    page.emulate_media(color_scheme=scheme)
    open_box(page, publisher, service, article_id, theme="auto")

    region = page.get_by_role("region", name="Reader Comments (0)")
    expect(region).to_have_css("background-color", background)


# --- freshness and form tokens (issue 9, items 5 and 11) ----------------------------


def test_a_reload_shows_every_comment_posted_meanwhile(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.seed(article_id, ("First Reader", LONG_BODY))
    open_box(page, publisher, service, article_id)
    expect(page.get_by_text("First Reader")).to_be_visible()

    others = [f"Other Reader {n}" for n in range(8)]
    service.seed(article_id, *((name, LONG_BODY) for name in others))
    page.reload()

    expect(page.get_by_role("heading", name="Reader Comments (9)")).to_be_visible()
    for name in others:
        expect(page.get_by_text(name)).to_be_visible()


def test_a_reader_posts_twice_from_one_page_and_both_are_published(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    open_box(page, publisher, service, article_id)

    write(page, "Priya S", LONG_BODY)
    post_button(page).click()
    expect(page.get_by_role("heading", name="Reader Comments (1)")).to_be_visible()
    comment_field(page).fill(SECOND_BODY)
    post_button(page).click()

    # The box fetched a fresh form token after the first post: a token admits one.
    expect(page.get_by_role("heading", name="Reader Comments (2)")).to_be_visible()
    expect(page.get_by_text("Awaiting moderation", exact=False)).to_have_count(0)
    assert service.listing(article_id)["total"] == 2
