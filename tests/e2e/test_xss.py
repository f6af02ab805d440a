"""Reader text is shown as text everywhere, never run: in the comment box on a
publisher's page and on every admin page that shows it.

Each payload is posted as a comment's author (its first 80 characters) and as
its body (padded to the 50-character minimum): through the API, held and
published, and a few through the box's own form. Then the box and the admin
pages are loaded in Chromium. The publisher page has no CSP, and the admin
pages are served with their CSP stripped, so that escaping alone is under
test, not the CSP behind it. Any payload that ran would set ``window.__xss``
or open a dialog; the test checks that neither happened, that no element came
from a payload, and that each payload reads exactly as it was written.
"""

from __future__ import annotations

import math
import re
import sqlite3
import subprocess
import sys
from typing import Any
from urllib.parse import urlencode

import pytest

from ..servers import REPO
from .conftest import BrowserLog, Publisher, Service, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

S = "window.__xss=1"
PAYLOADS = [
    # tags and event handlers
    f"<script>{S}</script>",
    f'<img src=x onerror="{S}">',
    f"<IMG SRC=x OnErRoR={S}>",
    f"<img/src=x/onerror={S}>",
    "<img src=x onerror=&#119;indow.__xss=1>",
    "<img src=x onerror=eval(atob('d2luZG93Ll9feHNzPTE='))>",
    f'<svg onload="{S}">',
    f"<svg><script>{S}</script></svg>",
    f"<svg><animate onbegin={S} attributeName=x dur=1s>",
    f'<body onload="{S}">',
    f'<details open ontoggle="{S}">',
    f'<input autofocus onfocus="{S}">',
    f"<x contenteditable autofocus onfocus={S}>",
    f"<video><source onerror={S}></video>",
    f"<audio src=x onerror={S}>",
    f"<marquee onstart={S}>x</marquee>",
    f"<iframe srcdoc='<script>parent.{S}</script>'></iframe>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.domain)</script>",
    # javascript: and data: URLs
    '<a href="javascript:window.__xss=1">click</a>',
    '<iframe src="javascript:top.__xss=1"></iframe>',
    '<object data="javascript:top.__xss=1"></object>',
    '<embed src="javascript:top.__xss=1">',
    '<form><button formaction="javascript:window.__xss=1">go</button></form>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
    '<base href="javascript:window.__xss=1//">',
    "javascript:window.__xss=1",
    # breaking out of attributes, elements and comments
    f'"><img src=x onerror={S}>',
    f"'><img src=x onerror={S}>",
    f"</textarea><img src=x onerror={S}>",
    f"</title><img src=x onerror={S}>",
    f"</style><img src=x onerror={S}>",
    f"</script><script>{S}</script>",
    f"<!--<img src=x onerror={S}>-->",
    f"--><img src=x onerror={S}>",
    f"]]><img src=x onerror={S}>",
    f'<noscript><p title="</noscript><img src=x onerror={S}>">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={S}>",
    f"<template><img src=x onerror={S}></template>",
    f'<div style="background:url(javascript:{S})">css</div>',
    f"<style>@import 'javascript:{S}';</style>",
    # entity and unicode tricks
    f"&lt;img src=x onerror={S}&gt;",
    f"&#60;img src=x onerror={S}&#62;",
    f"\\u003cimg src=x onerror={S}\\u003e",
    f"\uff1cimg src=x onerror={S}\uff1e",
    f"<img\u00a0src=x onerror={S}>",  # invisible and bidi controls are 422
    f"\u0645\u0631\u062d\u0628\u0627 <img src=x onerror={S}>",  # right-to-left text first
    f"%3Cimg%20src%3Dx%20onerror%3D{S}%3E",
    # template-like strings
    "{{7*7}}",
    "{{constructor.constructor('window.__xss=1')()}}",
    "${alert(1)}",
    "${window.__xss=1}",
    "<%= 7*7 %>",
    "#{7*7}",
    "[[${7*7}]]",
    # a polyglot
    "javascript:/*--></title></style></textarea></script></xmp>"
    f"<svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+{S}//'>",
]
IMG_ONERROR = PAYLOADS[1]
ALERT = "<img src=x onerror=alert(1)>"
SCRIPT_BREAKOUT = f"</script><script>{S}</script>"
POLYGLOT = PAYLOADS[-1]
PADDING = " ... and these words pad the comment to the minimum length."
PER_ARTICLE = 15  # fewer than a listing page, so each box shows all of its comments
ADMIN_NAME, ADMIN_PASSWORD = "xss-admin", "a long test password for the xss admin"
# What a payload would leave behind if it became markup.
INJECTED = (
    "img, svg, script, iframe, object, embed, video, audio, source, input, button, form, a, "
    "style, math, details, marquee, base, meta, template, noscript, x, body"
)
# Admin cells that hold reader text (the tables also hold links and checkboxes).
READER_CELLS = ".author, .body, .chip, td.text, [aria-labelledby=queue-title] td:nth-child(2)"


def author_of(payload: str) -> str:
    return payload[:80].strip()


def body_of(payload: str, where: str = "") -> str:
    """The payload padded to the minimum; ``where`` keeps texts apart (the
    defences refuse the same text twice from one sender)."""
    return payload + PADDING + (f" ({where})" if where else "")


def assert_nothing_ran(page: Any, browser_log: BrowserLog, scripted: bool = True) -> None:
    """No sentinel, no dialog. A scripted page (the box) is given until its
    network is idle; a page without scripts (admin) until two frames after its
    load event, by when an injected handler, autofocus included, would have run."""
    if scripted:
        page.wait_for_load_state("networkidle")
    else:
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
    assert page.evaluate("() => window.__xss === undefined && top.__xss === undefined")
    assert browser_log.dialogs == []


def post_every_payload(service: Service, prefix: str, where: str = "") -> list[list[str]]:
    """Each payload published on one of a few articles; returns them per article."""
    chunks = [PAYLOADS[i : i + PER_ARTICLE] for i in range(0, len(PAYLOADS), PER_ARTICLE)]
    for number, chunk in enumerate(chunks):
        for payload in chunk:
            status, data = service.post(
                f"{prefix}-{number}", author_of(payload), body_of(payload, where)
            )
            assert status == 201, (payload, data)
    return chunks


def hold_every_payload(service: Service, article_id: str) -> None:
    """The same payloads again without a form token: held, for the review queue."""
    for payload in PAYLOADS:
        status, data = service.post(
            article_id, author_of(payload), body_of(payload, "held"), token=None
        )
        assert status == 202, (payload, data)


def texts_in_boxes(page: Any) -> list[dict[str, Any]]:
    """Per box (shadow root): the authors and bodies shown, and injected elements."""
    return page.evaluate(
        """(injected) => [...document.querySelectorAll('*')]
            .filter((host) => host.shadowRoot)
            .map((host) => {
                const root = host.shadowRoot;
                const shown = (selector) => [...root.querySelectorAll(selector)].map((e) => ({
                    text: e.textContent, visible: e.checkVisibility(),
                }));
                // The box's own controls (a comment's actions, "Show N more
                // replies") are buttons too; anything else is injected.
                const own = ':not(.acts > button, button.more)';
                return {
                    authors: shown('li .author'),
                    bodies: shown('li .text'),
                    injected: root.querySelectorAll(`ol :is(${injected})${own}`).length,
                };
            })""",
        INJECTED,
    )


def box_script(service: Service, article_id: str) -> str:
    return f'<script src="{service.script()}" data-article-id="{article_id}" async></script>'


# --- the comment box ---------------------------------------------------------------


def test_payloads_in_the_comment_box_are_shown_as_text_and_never_run(
    service: Service, publisher: Publisher, page: Any, browser_log: BrowserLog
) -> None:
    assert len(PAYLOADS) >= 40
    chunks = post_every_payload(service, "xss-box", "box")
    boxes = "\n".join(box_script(service, f"xss-box-{n}") for n in range(len(chunks)))
    url = publisher.article(service, boxes, csp="")  # no CSP: escaping alone

    page.goto(url)
    page.wait_for_function(
        """(expected) => {
            const roots = [...document.querySelectorAll('*')].filter((h) => h.shadowRoot);
            return roots.length === expected.length && roots.every(
                (host, i) => host.shadowRoot.querySelectorAll('li').length === expected[i]);
        }""",
        arg=[len(chunk) for chunk in chunks],
    )
    assert_nothing_ran(page, browser_log)

    for box, chunk in zip(texts_in_boxes(page), chunks, strict=True):
        # Each exactly as written (newest first in the box: compare sorted).
        assert sorted(a["text"] for a in box["authors"]) == sorted(map(author_of, chunk))
        assert sorted(b["text"] for b in box["bodies"]) == sorted(body_of(p, "box") for p in chunk)
        assert all(shown["visible"] for shown in box["authors"] + box["bodies"])
        assert box["injected"] == 0
    # Nothing in the page itself either: no element but the box scripts.
    stray = page.evaluate(
        """(injected) => [...document.body.querySelectorAll(injected)]
            .filter((e) => !(e.tagName === 'SCRIPT' && e.src))
            .map((e) => e.outerHTML)""",
        INJECTED,
    )
    assert stray == []
    assert browser_log.errors == []  # an injected <img src=x> would log its failed load


@pytest.mark.parametrize(
    "payload",
    [IMG_ONERROR, ALERT, SCRIPT_BREAKOUT, POLYGLOT],
    ids=["img-onerror", "alert", "script-breakout", "polyglot"],
)
def test_a_payload_posted_through_the_box_form_is_shown_as_text(
    service: Service,
    publisher: Publisher,
    page: Any,
    browser_log: BrowserLog,
    payload: str,
) -> None:
    from playwright.sync_api import expect

    article_id = f"xss-form-{PAYLOADS.index(payload)}"
    page.goto(publisher.article(service, box_script(service, article_id), csp=""))
    page.get_by_label("Name", exact=True).fill(author_of(payload))
    page.get_by_label("Comment", exact=True).fill(body_of(payload, "typed"))
    page.get_by_role("button", name="Post comment").click()

    posted = page.locator("li .text")
    expect(posted).to_have_count(1)
    assert posted.text_content() == body_of(payload, "typed")
    assert page.locator("li .author").text_content() == author_of(payload)
    assert_nothing_ran(page, browser_log)
    assert texts_in_boxes(page)[0]["injected"] == 0

    page.reload()  # and as listed by the service
    expect(posted).to_have_count(1)
    assert posted.text_content() == body_of(payload, "typed")
    assert_nothing_ran(page, browser_log)


# --- the admin area ----------------------------------------------------------------


@pytest.fixture
def admin_service(start_service: Any) -> Service:
    """A service of this test's own: it makes an admin and moves comments around."""
    service = start_service()
    command = ["create-admin", ADMIN_NAME, "--password", ADMIN_PASSWORD]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=REPO,
        env=service.server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return service


def strip_csp(page: Any, service: Service) -> None:
    """Serve admin pages without their CSP, so only escaping stands in the way."""

    def handle(route: Any) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() != "content-security-policy"
        }
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(re.escape(service.url) + r"/admin\b.*"), handle)


def sign_in(page: Any, service: Service) -> None:
    from playwright.sync_api import expect

    page.goto(f"{service.url}/admin/login")
    page.get_by_label("Name").fill(ADMIN_NAME)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def texts(page: Any, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "(cells) => cells.map((c) => c.textContent)")


def test_payloads_on_every_admin_page_are_shown_as_text_and_never_run(
    admin_service: Service, page: Any, browser_log: BrowserLog
) -> None:
    service = admin_service
    post_every_payload(service, "xss-admin")
    hold_every_payload(service, "xss-held")
    strip_csp(page, service)
    sign_in(page, service)
    authors = [author_of(p) for p in PAYLOADS]
    loaded: list[str] = []

    def look(path: str) -> None:
        response = page.goto(service.url + path)
        assert response is not None and response.status < 500, path
        assert "content-security-policy" not in response.headers  # escaping alone
        assert_nothing_ran(page, browser_log, scripted=False)
        injected = page.evaluate(
            """([cells, injected]) => [...document.querySelectorAll(cells)]
                .flatMap((cell) => [...cell.querySelectorAll(injected)])
                .map((e) => e.outerHTML)""",
            [READER_CELLS, INJECTED],
        )
        assert injected == [], path
        loaded.append(path)

    # The dashboard's review queue shows ten held comments at a time: look,
    # then move those ten on (to spam), until every payload has been shown.
    queued: list[str] = []
    connection = sqlite3.connect(service.database)
    try:
        while held := connection.execute(
            "SELECT id FROM comments WHERE status = 'pending' ORDER BY id LIMIT 10"
        ).fetchall():
            look("/admin/")
            queued += texts(page, "[aria-labelledby=queue-title] td:nth-child(2)")
            with connection:
                connection.executemany("UPDATE comments SET status = 'spam' WHERE id = ?", held)
    finally:
        connection.close()
    assert sorted(queued) == sorted(authors)

    # The comments list, every page, then by status.
    listed: list[str] = []
    bodies: list[str] = []
    for number in range(1, math.ceil(2 * len(PAYLOADS) / 50) + 1):
        look(f"/admin/comments?page={number}")
        listed += texts(page, "td .author")
        bodies += texts(page, "td.text .body")
    assert sorted(listed) == sorted(authors * 2)
    expected_bodies = [body_of(p) for p in PAYLOADS] + [body_of(p, "held") for p in PAYLOADS]
    assert sorted(bodies) == sorted(expected_bodies)
    for status in ("spam", "published"):
        look(f"/admin/comments?status={status}")

    # Reflected: a payload as the search text (shown back in a chip) and as
    # the article filter (refused, with a message).
    for payload in PAYLOADS[::3]:
        look("/admin/comments?" + urlencode({"q": payload}))
        assert texts(page, ".chip") == [f"q: {payload.strip()}"]
        look("/admin/comments?" + urlencode({"article": payload}))

    # An action on a payload search is written to the audit log, payload and all.
    look("/admin/comments?" + urlencode({"q": IMG_ONERROR}))
    page.locator("select[name=action]").select_option("delete")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Apply to all")).click()
    assert_nothing_ran(page, browser_log)
    look("/admin/audit")
    assert any(IMG_ONERROR in detail for detail in texts(page, "td.text"))

    print(f"\n{len(PAYLOADS)} payloads; {len(loaded)} admin pages loaded; nothing ran")
    assert len(loaded) >= 20


# --- the control -------------------------------------------------------------------


def test_the_sentinel_and_the_dialog_check_would_catch_an_injection(
    service: Service, publisher: Publisher, page: Any, browser_log: BrowserLog
) -> None:
    """The same payloads, put into a page as markup, do set the sentinel and
    open a dialog: the checks above would see a payload that ran."""
    markup = "\n".join([PAYLOADS[0], IMG_ONERROR, ALERT])
    page.goto(publisher.article(service, markup, csp=""))
    page.wait_for_function("() => window.__xss === 1")
    wait_until(page, lambda: browser_log.dialogs)
