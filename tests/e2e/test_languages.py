"""The box in other languages: its own words from static/i18n, plurals, dates and
numbers through Intl, right to left for Arabic, and names and texts that keep their
own direction."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .conftest import Publisher, Service, axe_violations, box_tag

HEBREW = "שלום לכולם, זו תגובה ארוכה מספיק כדי לעבור את המינימום של חמישים תווים."


def box_page(
    publisher: Publisher, service: Service, article_id: str, page_lang: str = "en", **data: str
) -> str:
    html = f"""<!doctype html>
<html lang="{page_lang}"><head><meta charset="utf-8"><title>Article</title></head>
<body><main><h1>Article</h1><p>Words of the article.</p>
{box_tag(service, article_id, **data)}
</main></body></html>"""
    return publisher.add(html, "")


def test_the_arabic_box_reads_right_to_left_in_arabic(
    page: Any, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.seed(
        article_id, ("Priya S", "An English comment, long enough for the minimum of fifty.")
    )
    page.goto(box_page(publisher, service, article_id, lang="ar"))

    expect(page.get_by_role("heading", name=re.compile("^تعليقات القراء"))).to_be_visible()
    section = page.locator(".comments-widget section")
    expect(section).to_have_attribute("dir", "rtl")
    assert section.evaluate("s => getComputedStyle(s).direction") == "rtl"
    expect(page.get_by_label("الاسم")).to_be_visible()
    expect(page.get_by_role("button", name="نشر التعليق")).to_be_visible()
    expect(page.locator("time").first).to_have_text("الآن")
    name = page.locator(".author").first
    expect(name).to_have_text("Priya S")
    assert name.evaluate("n => getComputedStyle(n).direction") == "ltr"
    assert axe_violations(page) == []


def test_the_japanese_box_follows_the_page_language(
    page: Any, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.seed(
        article_id, ("Priya S", "An English comment, long enough for the minimum of fifty.")
    )
    page.goto(box_page(publisher, service, article_id, page_lang="ja"))

    expect(page.get_by_role("heading", name="読者コメント (1)")).to_be_visible()
    expect(page.get_by_label("名前")).to_be_visible()
    expect(page.get_by_text("0/50")).to_be_visible()
    page.get_by_label("コメント", exact=True).fill("短い")
    expect(page.get_by_text("2/50")).to_be_visible()
    title = page.locator("time").first.get_attribute("title")
    assert "年" in title and "月" in title
    assert axe_violations(page) == []


def test_the_hindi_box_counts_in_hindi(
    page: Any, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.goto(box_page(publisher, service, article_id, lang="hi"))

    expect(page.get_by_role("heading", name=re.compile("^पाठकों की टिप्पणियाँ"))).to_be_visible()
    expect(page.get_by_role("button", name="टिप्पणी भेजें")).to_be_visible()
    page.get_by_label("टिप्पणी", exact=True).fill("x" * 4999)
    expect(page.get_by_text("१ अक्षर बाकी").or_(page.get_by_text("1 अक्षर बाकी"))).to_be_visible()


def test_a_hebrew_comment_on_the_english_box_reads_right_to_left(
    page: Any, publisher: Publisher, service: Service, article_id: str
) -> None:
    service.seed(article_id, ("Dana", HEBREW))
    page.goto(box_page(publisher, service, article_id))

    text = page.locator(".text").first
    expect(text).to_have_text(HEBREW)
    assert text.evaluate("n => getComputedStyle(n).direction") == "rtl"


def test_a_missing_language_file_leaves_an_english_box(
    page: Any, publisher: Publisher, service: Service, article_id: str
) -> None:
    page.route("**/static/i18n/de.json*", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(box_page(publisher, service, article_id, lang="de"))

    expect(page.get_by_role("heading", name="Reader Comments (0)")).to_be_visible()
    expect(page.get_by_role("button", name="Post comment")).to_be_visible()
