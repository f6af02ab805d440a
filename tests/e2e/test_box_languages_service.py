"""The German box and the service's German: a refusal only the server can make
is shown in the box's language (the box sends Accept-Language)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import LONG_BODY, Publisher, Service, box_tag, database_rows

pytestmark = [pytest.mark.browser, pytest.mark.server]

# widget/translations/de/LC_MESSAGES/messages.po
INVISIBLE = (
    "Ihr Name enthält ein unsichtbares oder richtungsänderndes Zeichen "
    "(U+200B ZERO WIDTH SPACE). Bitte entfernen Sie es."
)
NO_LETTER = "Ihr Name braucht mindestens einen Buchstaben oder eine Ziffer."
FIELDS = "Einige Felder müssen korrigiert werden."


@pytest.mark.parametrize(
    ("name", "message"),
    [("Pri\u200bya", INVISIBLE), ("- - -", NO_LETTER)],
    ids=["invisible-character", "no-letter"],
)
def test_the_german_box_shows_the_services_german_refusal(
    page: Page,
    publisher: Publisher,
    service: Service,
    article_id: str,
    name: str,
    message: str,
) -> None:
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    page.goto(publisher.article(service, box_tag(service, article_id, lang="de")))
    expect(page.get_by_role("heading", name="Leserkommentare (0)")).to_be_visible()

    # The box lets both names through (its own check is the length): the server refuses.
    author = page.get_by_label("Name")
    author.fill(name)
    page.get_by_label("Kommentar", exact=True).fill(LONG_BODY)
    page.get_by_role("button", name="Kommentar senden").click()

    expect(page.get_by_text(message, exact=True)).to_be_visible()
    expect(author).to_have_attribute("aria-invalid", "true")
    expect(author).to_have_accessible_description(message)
    expect(page.get_by_text(FIELDS, exact=True)).to_be_visible()
    [request] = sent
    assert request.header_value("accept-language") == "de"
    assert database_rows(service, "SELECT id FROM comments WHERE article_id = ?", article_id) == []
