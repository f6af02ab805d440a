"""What admins and readers see after moderation: lists in a stable order,
an expired ban shown as over, searches taken literally, and emptying spam
touching only the articles whose listing it changes.

Written against deliberate breaks (``make mutate``) of the moderation actions (widget/moderation/).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskCliRunner

from widget import articles
from widget.extensions import db
from widget.models import Comment
from widget.moderation import actions
from widget.moderation.selection import Selection

from ..admin.test_admin_comments import add_comments
from ..admin_support import (  # noqa: F401 (cheap_hashing: autouse fixture)
    cheap_hashing,
    hidden_fields,
    signed_in,
)
from ..conftest import LONG_BODY, comments_url

# --- lists on the rules page and in `rules show` -----------------------------------


def test_rules_are_listed_phrases_and_articles_by_name_newest_ban_first(
    app: Flask, runner: FlaskCliRunner
) -> None:
    for args in (
        ["rules", "block", "zebra"],
        ["rules", "block", "apple", "--reject"],
        ["ban", "older", "--forever"],
        ["ban", "newer", "--forever"],
        ["article", "close", "zz-story"],
        ["article", "close", "aa-story"],
    ):
        assert runner.invoke(args=args).exit_code == 0, args

    shown = runner.invoke(args=["rules", "show"]).output.splitlines()[2:]

    assert shown == [
        "blocked (reject): apple",
        "blocked (hold): zebra",
        "banned: newer until lifted",
        "banned: older until lifted",
        "closed: aa-story",
        "closed: zz-story",
    ]
    html = signed_in(app).get("/admin/rules").get_data(as_text=True)
    assert re.findall(r'<span class="phrase">(\w+)</span>', html) == ["apple", "zebra"]
    assert re.findall(r'class="mono" href="[^"]*">(\w+)</a>', html) == ["newer", "older"]
    reopen = re.findall(r'name="article_id" value="([^"]+)"', html)
    assert reopen == ["aa-story", "zz-story"]


# --- a sender's page ----------------------------------------------------------------


def test_a_senders_page_shows_an_expired_ban_as_over(app: Flask, runner: FlaskCliRunner) -> None:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        runner.invoke(args=["ban", "abc123", "--days", "1"])
        admin = signed_in(app)
        assert "Lift the ban" in admin.get("/admin/senders/abc123").get_data(as_text=True)

        traveller.shift(timedelta(days=1, seconds=1))
        admin = signed_in(app)  # a day outlasts the session
        page = admin.get("/admin/senders/abc123").get_data(as_text=True)

    assert "Lift the ban" not in page and "Banned until" not in page
    assert "Ban this sender" in page


# --- the comments list ---------------------------------------------------------------


def test_a_filter_matching_nothing_says_so(app: Flask) -> None:
    add_comments(app, [{"article_id": "a1", "status": "pending"}])
    admin = signed_in(app)
    page = admin.get("/admin/comments?status=pending").get_data(as_text=True)
    assert "Apply to all 1 matching" in page

    with app.app_context():  # meanwhile another admin approves it
        actions.change_status(Selection.of(status="pending"), "approve", "bo")
    empty = admin.get("/admin/comments?status=spam").get_data(as_text=True)
    asked = admin.post(
        "/admin/comments/bulk?status=pending",
        data={**hidden_fields(page, "/admin/comments/bulk?status=pending"), "action": "spam",
              "scope": "matching"},
    )  # fmt: skip

    assert re.search(r"0 comments match\s*<span", empty)
    assert asked.status_code == 409
    html = asked.get_data(as_text=True)
    assert "<strong>0 comments</strong> match now" in html and "now matching" not in html


def test_text_names_and_emails_are_searched_by_whole_words(app: Flask) -> None:
    add_comments(
        app,
        [
            {"article_id": "a1", "author": "Windows", "body": r"Saved under C:\temp\notes today."},
            {"article_id": "a1", "author": "Plain", "body": "Saved under C:temp today, no slash."},
            {"article_id": "a1", "author": "Snake", "body": "The variable is my_value, I think."},
            {"article_id": "a1", "author": "ann_100%"},
            {"article_id": "a1", "author": "Mailer", "email": "first_last+100%@example.com"},
        ],
    )
    admin = signed_in(app)

    def authors(q: str) -> set[str]:
        html = admin.get("/admin/comments", query_string={"q": q}).get_data(as_text=True)
        names = ("Windows", "Plain", "Snake", "ann_100%", "Mailer")
        return {name for name in names if f">{name}<" in html}

    assert authors("C:\\temp") == {"Windows", "Plain"}  # the words c and temp, in both
    assert authors("C:\\temp\\notes") == {"Windows"}
    assert authors("\\") == set()  # punctuation alone finds nothing, and is no error
    assert authors("my_value") == {"Snake"}
    assert authors("ann_100%") == {"ann_100%"}  # in the name
    assert authors("n_100%") == set()  # a piece of a word is not the word
    assert authors("First_Last+100%@Example.com") == {"Mailer"}  # an address, any case
    assert authors("t_last+100%@example.com") == set()  # only the whole address
    assert authors("example.com") == set()  # addresses are not searched by their words


# --- emptying spam --------------------------------------------------------------------


def _reply(app: Flask, article_id: str, parent_id: int, status: str) -> None:
    with app.app_context():
        reply = Comment(
            article_id=article_id, author="Replier", body=LONG_BODY, sender_hash="r", status=status
        )
        reply.parent_id = parent_id
        db.session.add(reply)
        articles.adjust({article_id: 1 if status == "published" else 0})
        db.session.commit()


def test_emptying_spam_changes_only_the_listings_it_changes(
    app: Flask, runner: FlaskCliRunner
) -> None:
    spam = add_comments(
        app,
        [
            {"article_id": "replied", "status": "spam"},
            {"article_id": "held-reply", "status": "spam"},
            {"article_id": "untouched"},
        ],
    )
    _reply(app, "replied", spam[0], "published")  # loses its parent: the page changes
    _reply(app, "held-reply", spam[1], "pending")  # not listed: the page stays the same
    reader = app.test_client()
    stories = ("replied", "held-reply", "untouched")

    with time_machine.travel(datetime.now(UTC), tick=False):
        before = {story: reader.get(comments_url(story)).headers["ETag"] for story in stories}
        assert runner.invoke(args=["spam", "purge"]).output == "Removed 2 spam comments.\n"
        after = {story: reader.get(comments_url(story)).headers["ETag"] for story in stories}

    assert [story for story in stories if before[story] != after[story]] == ["replied"]
    counts = reader.get("/api/v1/counts", query_string={"article_id": stories}).get_json()
    assert counts == {"counts": {"replied": 1, "held-reply": 0, "untouched": 1}}
    listing = reader.get(comments_url("replied")).get_json()
    assert listing["total"] == 1 and listing["comments"][0]["parent_id"] is None


def test_emptying_no_spam_says_none_was_removed(app: Flask, runner: FlaskCliRunner) -> None:
    add_comments(app, [{"article_id": "a1"}])

    assert runner.invoke(args=["spam", "purge"]).output == "Removed 0 spam comments.\n"
