"""What an operator is told when a moderation command is refused, and where
the limits lie: the longest note or phrase is accepted, one more character is
not, and the longest ban the help offers is accepted too.

Written against deliberate breaks (``make mutate``) of the moderation actions (widget/moderation/).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from ..conftest import post_comment

SENDER = "abc123"


def refused(runner: FlaskCliRunner, *args: str) -> str:
    """The one line a refused command prints (exit status 1, no traceback)."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output.strip()


def shown_rules(runner: FlaskCliRunner) -> list[str]:
    return runner.invoke(args=["rules", "show"]).output.splitlines()[2:]


@pytest.mark.parametrize(
    "args",
    [
        ["comments", "spam", "--sender", "bad sender!"],
        ["unban", "bad sender!"],
    ],
)
def test_a_malformed_sender_is_refused_with_what_a_sender_is(
    runner: FlaskCliRunner, args: list[str]
) -> None:
    assert refused(runner, *args) == (
        "Error: A sender is the hash shown in the comments list (letters, digits)."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "0"], "Comment ids are whole numbers."),
        (["--id", "2147483648"], "Comment ids are whole numbers."),
        (["--status", "bogus"], "A status is one of: published, pending, spam, deleted."),
        (["--search", "x" * 201], "Search for at most 200 plain characters."),
    ],
)
def test_a_bad_filter_is_refused_with_what_is_allowed(
    app: Flask, runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    post_comment(app.test_client(), "a1")

    assert refused(runner, "comments", "delete", *args) == f"Error: {message}"
    assert runner.invoke(args=["audit"]).output == ""  # nothing was done


@pytest.mark.parametrize(
    "args", [["--id", "2147483647"], ["--search", "x" * 200], ["--status", "deleted"]]
)
def test_the_widest_filters_are_accepted(
    app: Flask, runner: FlaskCliRunner, args: list[str]
) -> None:
    post_comment(app.test_client(), "a1")

    result = runner.invoke(args=["comments", "delete", *args])

    assert (result.exit_code, result.output) == (0, "Deleted: 0 comments.\n")


def test_a_malformed_article_id_is_refused_with_what_an_article_id_is(
    runner: FlaskCliRunner,
) -> None:
    assert refused(runner, "article", "close", "../etc") == (
        "Error: An article ID is 1 to 128 letters, digits and -_.:~, "
        "starting with a letter or digit."
    )
    assert shown_rules(runner) == []


def test_a_network_ban_cannot_mark_comments_as_spam(runner: FlaskCliRunner) -> None:
    message = refused(runner, "ban", "--address", "192.0.2.0/24", "--spam")

    assert message == (
        "Error: Comments are kept by sender, not by network: ban one sender to mark theirs as spam."
    )
    assert shown_rules(runner) == []  # nothing was banned


def test_the_longest_ban_offered_is_accepted(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["ban", SENDER, "--days", "3650"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Banned {SENDER} until ")
    (line,) = shown_rules(runner)
    assert line.startswith(f"banned: {SENDER} until ") and "(expired)" not in line


def test_a_note_of_200_characters_is_kept_and_201_refused(
    app: Flask, runner: FlaskCliRunner
) -> None:
    message = refused(runner, "ban", SENDER, "--note", "n" * 201)
    assert message == "Error: A note has at most 200 plain characters."
    assert shown_rules(runner) == []

    kept = runner.invoke(args=["ban", SENDER, "--note", "n" * 200])
    assert kept.exit_code == 0, kept.output
    audit = runner.invoke(args=["audit"]).output
    assert audit.rstrip().endswith(f"sender {SENDER} for 7 days ({'n' * 200})")


def test_a_phrase_of_200_characters_is_blocked_and_201_refused(
    app: Flask, runner: FlaskCliRunner
) -> None:
    message = refused(runner, "rules", "block", "x" * 201)
    assert message == "Error: A blocked phrase is 1 to 200 plain characters."
    assert shown_rules(runner) == []

    blocked = runner.invoke(args=["rules", "block", "x" * 200, "--reject"])
    assert blocked.output == f"Blocked (reject): {'x' * 200}\n"
    refused_post = post_comment(app.test_client(), "a1", body=f"A reader says {'x' * 200} here.")
    assert refused_post.status_code == 422


def test_unblocking_a_blocked_phrase_says_so(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["rules", "block", "rubbish", "--reject"])

    assert runner.invoke(args=["rules", "unblock", "rubbish"]).output == "Unblocked: rubbish\n"
    assert runner.invoke(args=["rules", "unblock", "rubbish"]).output == (
        "'rubbish' was not blocked.\n"
    )
