"""An admin clears a spam wave in Chromium: sign in, filter by sender, mark
everything matching as spam, and the public list no longer shows it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..servers import REPO, server_env
from .conftest import LONG_BODY, BrowserLog, Publisher, Service, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.server]

NAME = "ann"
PASSWORD = "correct horse battery staple"
ARTICLE = "e2e-spam-wave"
READERS = {"Priya S": "198.51.100.1", "Tomás": "198.51.100.2"}
BOT_ADDRESS = "203.0.113.66"


def create_admin(service: Service) -> None:
    """``flask --app wsgi create-admin`` against the service's own database."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "create-admin", NAME],
        input=f"{PASSWORD}\n{PASSWORD}\n",  # the hidden prompt, twice
        cwd=REPO,
        env=server_env(service.database.parent),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Created admin {NAME}." in result.stdout


def post_from(service: Service, address: str, author: str, body: str) -> dict[str, Any]:
    """Post as a reader at ``address`` (the service trusts one proxy hop)."""
    token = service.listing(ARTICLE)["form"]["token"]
    request = urllib.request.Request(
        f"{service.url}/api/v1/articles/{ARTICLE}/comments",
        data=json.dumps({"author": author, "body": body, "token": token}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_an_admin_filters_by_sender_and_marks_the_wave_as_spam(
    page: Page,
    start_service: Any,
    publisher: Publisher,
    browser_log: BrowserLog,
) -> None:
    service = start_service(trusted_proxies="1")
    create_admin(service)
    for n, (author, address) in enumerate(READERS.items()):
        post_from(service, address, author, f"{LONG_BODY} Reader {n} has a point.")
    for n in range(3):
        post_from(
            service,
            BOT_ADDRESS,
            f"Deals {n}",
            f"Cheap pills at pills.example, offer {n}. {LONG_BODY}",
        )
    assert service.listing(ARTICLE)["total"] == 5

    # Signing in: the admin area sends you to the login page and back.
    page.goto(f"{service.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^5\s+Published$"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"5 in all, of which 0 spam"))).to_be_visible()
    assert serious(axe_violations(page)) == []

    # From one of the bot's comments: everything from this sender.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Comments").click()
    expect(page.locator("tbody tr")).to_have_count(5)
    bot_row = page.locator("tbody tr").filter(has_text="Deals 1")
    bot_row.get_by_role("link", name="Everything from this sender").click()
    expect(page).to_have_url(re.compile(r"/admin/comments\?sender=[0-9a-f]{32}$"))
    expect(page.locator("#summary")).to_contain_text("3 comments match")
    expect(page.locator("tbody tr")).to_have_count(3)
    for author in READERS:
        expect(page.get_by_text(author)).to_have_count(0)
    assert serious(axe_violations(page)) == []

    # One action for everything matching the filter.
    page.get_by_label("Action").select_option(label="Mark as spam")
    page.get_by_role("button", name="Apply to all 3 matching").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as spam: 3 comments.")
    expect(page.locator("tbody tr .badge-spam")).to_have_count(3)

    # The public list: the API, and the box on a publisher's page.
    listing = service.listing(ARTICLE)
    assert listing["total"] == 2
    assert {c["author"] for c in listing["comments"]} == set(READERS)
    tag = f'<script src="{service.script()}" data-article-id="{ARTICLE}" async></script>'
    page.goto(publisher.article(service, tag))
    expect(page.get_by_role("heading", name="Reader Comments (2)")).to_be_visible()
    expect(page.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_text("Cheap pills")).to_have_count(0)

    # The audit log says who did it, and to how many.
    page.goto(f"{service.url}/admin/audit")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text(NAME)
    expect(first).to_contain_text("spam")
    expect(first.locator("td.num")).to_have_text("3")
    assert browser_log.errors == []
