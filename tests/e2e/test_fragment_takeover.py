"""The box taking over the service's HTML fragment without moving the page,
measured with Chromium's Layout Instability API on a slow 4G connection.

CLS here is the sum of ``layout-shift`` entries without recent input, as the
Core Web Vitals count it; the figures are printed (``pytest -s``). Shifts right
after the reader's click are left out on purpose: the browser itself excludes
them, and the box swaps in at that moment for that reason.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import Publisher, Service, box_tag, strict_csp

pytestmark = [pytest.mark.browser, pytest.mark.server]

COMMENTS = [
    ("Priya S", "The harbour plan reads well, but who pays for the new sea wall in the end?"),
    ("Rohit P", "I walked the old quay yesterday; the cracks are worse than the photos show."),
    ("Dana K", "Good reporting. Please follow up on the council vote next month as promised."),
]
# Lighthouse's slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
# Registered before any page script, so the buffered entries and every frame
# from the first paint on are seen (init scripts are not subject to the CSP).
MEASURE = """
window.__cls = 0;
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const nodes = entry.sources.map((s) => (s.node ? s.node.nodeName + '#' + s.node.id : '?'));
    window.__shifts.push({value: entry.value, input: entry.hadRecentInput, nodes});
    if (!entry.hadRecentInput) window.__cls += entry.value;
  }
}).observe({type: 'layout-shift', buffered: true});
// Each frame: the comments' text the reader can see in the container, light DOM
// (the fragment) or the box's shadow root; a frame without it is an empty state.
window.__frames = 0;
window.__blank = [];
const expected = %s;
const sample = () => {
  const talk = document.getElementById('talk');
  const footer = document.getElementById('footer');
  if (footer && window.__footer === undefined) {
    window.__footer = footer.getBoundingClientRect().bottom;
  }
  if (talk) {
    const fragment = talk.querySelector('[data-comments-fragment]');
    const host = talk.querySelector('.comments-widget');
    const box = host?.shadowRoot?.querySelector('ol');
    const text = (fragment || box)?.innerText || '';
    window.__frames++;
    if (!text.includes(expected)) window.__blank.push(text.slice(0, 80));
  }
  requestAnimationFrame(sample);
};
requestAnimationFrame(sample);
"""
ARTICLE = (
    "The council met on Tuesday to decide the future of the harbour. Residents filled "
    "the hall, and the debate ran late into the evening."
)


def fragment_html(service: Service, article_id: str) -> str:
    """What a CMS includes server-side: the service's comments.html."""
    url = f"{service.url}/articles/{article_id}/comments.html"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def article_page(
    publisher: Publisher, service: Service, article_id: str, inside: str, paragraphs: int
) -> str:
    """An article with ``paragraphs`` of text, the container holding ``inside``,
    then a footer, under the strict CSP (no publisher stylesheet: the fragment
    is shown as the browser draws plain HTML)."""
    text = "\n".join(f"<p>{ARTICLE}</p>" for _ in range(paragraphs))
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour plan</title></head>
<body><main><h1>The harbour plan</h1>
{text}
<div id="talk">{inside}</div>
<p id="footer">More from the Saltmere Courier: the week's other stories.</p>
{box_tag(service, article_id, container="#talk")}
</main></body></html>"""
    return publisher.add(html, strict_csp(service))


def open_slowly(page: Page, service: Service, article_id: str, url: str, expected: str) -> None:
    """Load ``url`` on slow 4G with the measurements in place, and return once the
    box's listing has arrived and a second more has passed (its rendering, any
    takeover and the shifts they cause are then over)."""
    page.add_init_script(MEASURE % json.dumps(expected))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    listing = f"{service.url}/api/v1/articles/{article_id}/comments"
    with page.expect_request_finished(lambda r: r.url == listing, timeout=30_000):
        page.goto(url)
    page.wait_for_timeout(1000)


def cls(page: Page, case: str) -> float:
    value = page.evaluate("window.__cls")
    print(f"CLS: {case} {value:.4f}")
    if value:
        print("    shifts:", page.evaluate("window.__shifts"))
    return value


def seeded(service: Service, article_id: str) -> None:
    service.seed(article_id, *COMMENTS)


def comment_field(page: Page) -> Any:
    return page.get_by_label("Comment", exact=True)


def test_the_box_takes_over_an_on_screen_fragment_without_moving_anything(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    seeded(service, article_id)
    fragment = fragment_html(service, article_id)
    url = article_page(publisher, service, article_id, fragment, paragraphs=2)
    page.set_viewport_size({"width": 1024, "height": 1400})

    open_slowly(page, service, article_id, url, COMMENTS[0][1])

    assert page.evaluate("window.__footer") <= 1400, "the footer must start on screen"
    assert cls(page, "fragment on screen, start-up") == 0
    # The reader kept seeing the comments: the fragment, still in place, no empty state.
    assert page.evaluate("window.__frames") > 0
    assert page.evaluate("window.__blank") == []
    expect(page.locator("#talk [data-comments-fragment]")).to_be_visible()
    expect(page.get_by_text(COMMENTS[2][1])).to_be_visible()
    expect(comment_field(page)).to_have_count(0)

    page.get_by_text(COMMENTS[1][1]).click()

    expect(comment_field(page)).to_be_visible()
    expect(page.locator("#talk [data-comments-fragment]")).to_have_count(0)
    expect(page.locator("#talk").get_by_role("heading", name="Reader Comments (3)")).to_be_visible()
    page.wait_for_timeout(1000)
    assert cls(page, "fragment on screen, after the click") == 0
    assert page.evaluate("window.__blank") == []


def test_the_box_takes_over_a_fragment_below_the_fold_by_itself(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    seeded(service, article_id)
    fragment = fragment_html(service, article_id)
    url = article_page(publisher, service, article_id, fragment, paragraphs=40)
    page.set_viewport_size({"width": 1024, "height": 700})

    open_slowly(page, service, article_id, url, COMMENTS[0][1])

    top = page.locator("#talk").bounding_box()
    assert top and top["y"] > 700, "the comments must start below the fold"
    # No input at all, no scrolling yet: the box is already in place of the fragment.
    expect(page.locator("#talk [data-comments-fragment]")).to_have_count(0)
    expect(page.locator("#talk .comments-widget")).to_have_count(1)
    assert page.evaluate("window.__blank") == []
    assert cls(page, "fragment below the fold") == 0

    page.locator("#footer").scroll_into_view_if_needed()

    expect(comment_field(page)).to_be_in_viewport()
    expect(page.locator("#talk").get_by_role("heading", name="Reader Comments (3)")).to_be_visible()
    expect(page.get_by_text(COMMENTS[0][1])).to_be_visible()
    page.wait_for_timeout(500)
    assert cls(page, "fragment below the fold, after scrolling") == 0


def test_without_the_fragment_the_page_moves_little(
    page: Page, publisher: Publisher, service: Service, article_id: str
) -> None:
    seeded(service, article_id)
    url = article_page(publisher, service, article_id, "", paragraphs=2)
    page.set_viewport_size({"width": 1024, "height": 1400})

    open_slowly(page, service, article_id, url, COMMENTS[0][1])

    expect(page.locator("#talk").get_by_role("heading", name="Reader Comments (3)")).to_be_visible()
    expect(page.get_by_text(COMMENTS[0][1])).to_be_visible()
    assert page.evaluate("window.__footer") <= 1400, "the footer must start on screen"
    assert cls(page, "no fragment") < 0.1
