"""The audit log says what each action reached, in words an admin can act
on: which comments (ids, or the filter), which article, which sender or
network, which switch position.

Written against deliberate breaks (``make mutate``) of the moderation actions (widget/moderation/).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from ..admin.test_admin_comments import add_comments
from ..admin_support import cheap_hashing, signed_in  # noqa: F401 (autouse fixture)


def last_detail(runner: FlaskCliRunner, args: list[str]) -> str:
    """Run a command, then read the details column of the newest audit line."""
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    newest = runner.invoke(args=["audit", "--limit", "1"]).output
    # when (date time), actor, action, count, then the details
    found = re.fullmatch(r"\S+ \S+  cli +\w+ +\d+  (.*)\n", newest)
    assert found, newest
    return found.group(1)


@pytest.mark.parametrize(
    ("count", "detail"),
    [
        (1, "1 chosen (1)"),
        (3, "3 chosen (1, 2, 3)"),
        (20, f"20 chosen ({', '.join(map(str, range(1, 21)))})"),
        (21, f"21 chosen ({', '.join(map(str, range(1, 21)))} …)"),
    ],
)
def test_chosen_comments_are_listed_up_to_twenty(
    app: Flask, runner: FlaskCliRunner, count: int, detail: str
) -> None:
    add_comments(app, [{"article_id": "a1", "status": "pending"} for _ in range(count)])
    ids = [arg for i in range(1, count + 1) for arg in ("--id", str(i))]

    assert last_detail(runner, ["comments", "approve", *ids]) == detail


def test_a_filter_and_everything_are_named(app: Flask, runner: FlaskCliRunner) -> None:
    add_comments(app, [{"article_id": "a1", "status": "pending"}, {"article_id": "a2"}])

    filtered = ["comments", "spam", "--status", "pending", "--article", "a1"]
    assert last_detail(runner, filtered) == "matching status=pending, article=a1"
    assert last_detail(runner, ["comments", "delete", "--all"]) == "every comment"


def test_every_other_action_names_its_target(app: Flask, runner: FlaskCliRunner) -> None:
    add_comments(app, [{"article_id": "a1", "status": "spam"}])

    assert last_detail(runner, ["spam", "purge"]) == "every spam comment"
    assert last_detail(runner, ["article", "close", "story-1"]) == "story-1"
    assert last_detail(runner, ["article", "reopen", "story-1"]) == "story-1"
    assert last_detail(runner, ["ban", "abc123", "--days", "1"]) == "sender abc123 for 1 day"
    assert last_detail(runner, ["unban", "abc123"]) == "sender abc123"
    network = ["ban", "--address", "192.0.2.0/24", "--forever", "--note", "a botnet"]
    assert last_detail(runner, network) == "network 192.0.2.0/24 until lifted (a botnet)"
    assert last_detail(runner, ["rules", "pre-moderation", "off"]) == "off"
    assert last_detail(runner, ["rules", "pre-moderation", "on"]) == "on"


def test_the_admin_audit_page_shows_the_details(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["spam", "purge"])
    runner.invoke(args=["article", "close", "story-1"])

    html = signed_in(app).get("/admin/audit").get_data(as_text=True)

    assert '<td class="text">story-1</td>' in html
    assert '<td class="text">every spam comment</td>' in html
