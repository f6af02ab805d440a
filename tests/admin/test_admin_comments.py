"""The comments list, its filters, and bulk actions, through the admin pages."""

from __future__ import annotations

import time
from collections import Counter
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget import articles
from widget.extensions import db
from widget.models import Article, AuditEntry, Comment, Status

from ..admin_support import csrf_token, flashes, submit
from ..conftest import LONG_BODY, comments_url, post_comment


def add_comments(app: Flask, rows: list[dict]) -> list[int]:
    """Insert comments directly (fast), keeping article counts exact."""
    with app.app_context():
        defaults = {"body": LONG_BODY, "sender_hash": "s", "author": "A", "status": "published"}
        comments = [Comment(**{**defaults, **row}) for row in rows]
        db.session.add_all(comments)
        published = Counter(c.article_id for c in comments if c.status == Status.PUBLISHED)
        for article_id in {c.article_id for c in comments}:
            articles.ensure(article_id)
        articles.adjust(published)
        db.session.commit()
        return [c.id for c in comments]


def statuses(app: Flask) -> Counter[str]:
    with app.app_context():
        return Counter(db.session.scalars(db.select(Comment.status)))


def published_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(db.select(Article.id, Article.published_count)).all())


def bulk(admin: FlaskClient, action: str, scope: str, ids: list[int] | None = None, **filters: str):
    page = "/admin/comments" + (f"?{urlencode(filters)}" if filters else "")
    target = "/admin/comments/bulk" + (f"?{urlencode(filters)}" if filters else "")
    return submit(admin, page, target, {"action": action, "scope": scope, "ids": ids or []})


# --- the list --------------------------------------------------------------------


def test_the_list_shows_every_field_an_admin_needs(app: Flask, admin: FlaskClient) -> None:
    post_comment(
        app.test_client(), "story-1", author="Priya S", email="priya@example.com", body=LONG_BODY
    )
    with app.app_context():
        comment = db.session.scalars(db.select(Comment)).one()

    html = admin.get("/admin/comments").get_data(as_text=True)

    assert "story-1" in html
    assert "Priya S" in html
    assert "priya@example.com" in html
    assert comment.sender_hash in html
    assert comment.created_at.strftime("%Y-%m-%d %H:%M UTC") in html
    assert "published" in html
    assert LONG_BODY.strip() in html
    assert f'href="/admin/comments?sender={comment.sender_hash}"' in html
    assert f'href="/admin/senders/{comment.sender_hash}"' in html


def test_the_list_says_why_a_comment_was_held(app: Flask, admin: FlaskClient) -> None:
    post_comment(app.test_client(), "story-1", token="forged")

    html = admin.get("/admin/comments?status=pending").get_data(as_text=True)

    assert "Forged or damaged form token" in html
    assert 'title="token_invalid"' in html


def test_markup_from_readers_is_shown_as_text(app: Flask, admin: FlaskClient) -> None:
    author = '<script>alert("name")</script>'
    body = 'Look: <img src=x onerror="alert(1)"> and <script>alert(2)</script>, just text here.'
    post_comment(app.test_client(), "story-1", author=author, body=body, email="a@example.com")
    post_comment(app.test_client(), "story-2", author=author, body=body + " (held)", token="")

    for url in ("/admin/comments", "/admin/", "/admin/comments?q=onerror"):
        html = admin.get(url).get_data(as_text=True)
        assert "<script>" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in html, url
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html, url


def test_newest_first_with_pagination(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(app, [{"article_id": "a1", "author": f"R{i}"} for i in range(120)])

    first = admin.get("/admin/comments").get_data(as_text=True)
    third = admin.get("/admin/comments?page=3").get_data(as_text=True)
    beyond = admin.get("/admin/comments?page=999999")

    assert f'value="{ids[-1]}"' in first and f'value="{ids[-50]}"' in first
    assert f'value="{ids[-51]}"' not in first
    assert "Page 1 of 3" in first and 'rel="next" href="/admin/comments?page=2"' in first
    assert f'value="{ids[0]}"' in third and "Page 3 of 3" in third
    assert beyond.status_code == 200 and "Page 3 of 3" in beyond.get_data(as_text=True)


def test_filters_by_status_article_text_and_sender(app: Flask, admin: FlaskClient) -> None:
    add_comments(
        app,
        [
            {"article_id": "a1", "author": "Alpha", "sender_hash": "aaa"},
            {"article_id": "a2", "author": "Beta", "sender_hash": "bbb", "status": "spam"},
            {"article_id": "a2", "author": "Gamma", "sender_hash": "aaa", "body": "100% sure_ok"},
        ],
    )

    def authors(query: str) -> set[str]:
        html = admin.get(f"/admin/comments?{query}").get_data(as_text=True)
        return {name for name in ("Alpha", "Beta", "Gamma") if f">{name}<" in html}

    assert authors("") == {"Alpha", "Beta", "Gamma"}
    assert authors("status=spam") == {"Beta"}
    assert authors("article=a2") == {"Beta", "Gamma"}
    assert authors("sender=aaa") == {"Alpha", "Gamma"}
    assert authors("sender=aaa&article=a2") == {"Gamma"}
    assert authors("q=GAMMA") == {"Gamma"}  # names too, any case
    assert authors("q=gamm") == set()  # whole words, not a piece of one
    assert authors("q=100%25") == {"Gamma"}  # % is no wildcard: the word is 100
    assert authors("q=1_0") == set()  # nor is _ (it would match "100")
    assert authors("q=%25") == set()  # no word at all: nothing, not everything


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=published'--",
        "page=0",
        "page=-1",
        "page=abc",
        "page=1e9",
        "page=" + "9" * 5000,
        "article=" + "a" * 129,
        "article=../etc",
        "article=%00",
        "sender=%27%20OR%201=1",
        "sender=" + "f" * 65,
        "q=" + "x" * 201,
        "q=%00nul",
    ],
)
def test_hostile_filters_are_a_clear_400(admin: FlaskClient, query: str) -> None:
    response = admin.get(f"/admin/comments?{query}")

    assert response.status_code == 400, query
    assert "Bad Request" in response.get_data(as_text=True)


def test_repeated_and_unknown_parameters_are_harmless(admin: FlaskClient) -> None:
    for query in ("status=spam&status=published", "colour=blue", "page=2", "q=", "q=%ED%A0%80"):
        assert admin.get(f"/admin/comments?{query}").status_code == 200, query


# --- bulk actions ----------------------------------------------------------------


def test_approve_selected_rows(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(app, [{"article_id": "a1", "status": "pending"} for _ in range(3)])

    response = bulk(admin, "approve", "selected", ids[:2])

    assert response.status_code == 302
    assert "Approved: 2 comments." in flashes(admin.get(response.headers["Location"]))
    assert statuses(app) == {"published": 2, "pending": 1}
    assert published_counts(app) == {"a1": 2}
    listing = app.test_client().get(comments_url("a1")).get_json()
    assert listing["total"] == 2 and {c["id"] for c in listing["comments"]} == set(ids[:2])


def test_selecting_nothing_changes_nothing(app: Flask, admin: FlaskClient) -> None:
    add_comments(app, [{"article_id": "a1"}])

    response = bulk(admin, "spam", "selected", [])

    assert "Choose at least one comment" in " ".join(flashes(admin.get(response.location)))
    assert statuses(app) == {"published": 1}


def test_everything_matching_the_filter_in_one_post(app: Flask, admin: FlaskClient) -> None:
    add_comments(
        app,
        [{"article_id": "a1", "sender_hash": "bad"} for _ in range(7)]
        + [{"article_id": "a1", "sender_hash": "good"} for _ in range(3)],
    )

    response = bulk(admin, "spam", "matching", sender="bad")

    assert response.headers["Location"] == "/admin/comments?sender=bad"
    assert "Marked as spam: 7 comments." in flashes(admin.get(response.location))
    assert statuses(app) == {"spam": 7, "published": 3}
    assert published_counts(app) == {"a1": 3}
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.count) == ("ann", "spam", 7)
    assert "sender=bad" in entry.detail


def test_delete_and_restore_keep_counts_exact(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(
        app,
        [{"article_id": "a1"}, {"article_id": "a2"}, {"article_id": "a2", "status": "pending"}],
    )

    bulk(admin, "delete", "selected", ids)
    assert published_counts(app) == {"a1": 0, "a2": 0}
    assert statuses(app) == {"deleted": 3}

    bulk(admin, "approve", "matching", status="deleted")
    assert published_counts(app) == {"a1": 1, "a2": 2}
    assert app.test_client().get("/api/v1/counts?article_id=a1&article_id=a2").get_json() == {
        "counts": {"a1": 1, "a2": 2}
    }


def test_an_action_on_rows_already_in_that_state_counts_zero(
    app: Flask, admin: FlaskClient
) -> None:
    ids = add_comments(app, [{"article_id": "a1"}])

    response = bulk(admin, "approve", "selected", ids)

    assert "Approved: 0 comments." in flashes(admin.get(response.location))
    assert published_counts(app) == {"a1": 1}


@pytest.mark.parametrize(
    "data",
    [
        {"action": "publish", "scope": "selected", "ids": ["1"]},
        {"action": "spam", "scope": "everything"},
        {"action": "spam"},
        {"action": "spam", "scope": "selected", "ids": ["1", "x"]},
        {"action": "spam", "scope": "selected", "ids": ["-1"]},
        {"action": "spam", "scope": "selected", "ids": ["9" * 40]},
        {"action": "spam", "scope": "selected", "ids": ["2147483648"]},
        {"action": "spam", "scope": "selected", "ids": [str(i) for i in range(1, 502)]},
    ],
)
def test_hostile_bulk_forms_are_a_clear_400(app: Flask, admin: FlaskClient, data: dict) -> None:
    add_comments(app, [{"article_id": "a1"}])

    response = submit(admin, "/admin/comments", "/admin/comments/bulk", data)

    assert response.status_code == 400
    assert statuses(app) == {"published": 1}


def test_a_bulk_post_with_a_hostile_filter_is_a_400(app: Flask, admin: FlaskClient) -> None:
    add_comments(app, [{"article_id": "a1"}])
    html = admin.get("/admin/comments").get_data(as_text=True)
    token = csrf_token(html, "/admin/comments/bulk")
    response = admin.post(
        "/admin/comments/bulk?status=nope",
        data={"csrf_token": token, "action": "spam", "scope": "matching"},
    )

    assert response.status_code == 400
    assert statuses(app) == {"published": 1}


def test_empty_spam_removes_only_spam(app: Flask, admin: FlaskClient) -> None:
    ids = add_comments(
        app, [{"article_id": "a1", "status": "spam"} for _ in range(4)] + [{"article_id": "a1"}]
    )
    with app.app_context():  # a published reply to a spam comment keeps existing
        reply = Comment(article_id="a1", author="R", body=LONG_BODY, sender_hash="t")
        reply.parent_id = ids[0]
        db.session.add(reply)
        articles.adjust({"a1": 1})
        db.session.commit()
        reply_id = reply.id
    before = app.test_client().get(comments_url("a1")).headers["ETag"]
    assert "Empty spam (4)…" in admin.get("/admin/comments").get_data(as_text=True)
    asked = admin.get("/admin/comments/empty-spam").get_data(as_text=True)
    assert "removes <strong>4 spam comments</strong> for good" in asked
    assert statuses(app) == {"spam": 4, "published": 2}  # asking changes nothing

    response = submit(admin, "/admin/comments/empty-spam", "/admin/comments/empty-spam")

    assert "Removed 4 spam comments for good." in flashes(admin.get(response.location))
    assert "no spam to remove" in admin.get("/admin/comments/empty-spam").get_data(as_text=True)
    assert statuses(app) == {"published": 2}
    listing = app.test_client().get(comments_url("a1"))
    assert listing.headers["ETag"] != before  # the reply lost its parent: a new page
    (orphan,) = [c for c in listing.get_json()["comments"] if c["id"] == reply_id]
    assert orphan["parent_id"] is None


def test_a_spam_wave_is_cleared_with_one_bulk_action(app: Flask, admin: FlaskClient) -> None:
    """500 spam comments from 50 senders, among 100 legitimate ones, on 5 articles."""
    stories = [f"story-{n}" for n in range(5)]
    legit = [
        {
            "article_id": stories[i % 5],
            "author": f"Reader {i}",
            "body": f"Reader {i} on the article: a thoughtful point about the reporting.",
            "sender_hash": f"reader{i:03d}",
        }
        for i in range(100)
    ]
    wave = [
        {
            "article_id": stories[i % 5],
            "author": f"Deals{i % 50}",
            "body": f"Best prices at cheap-pills.example/{i} !! Visit now for your discount.",
            "sender_hash": f"bot{i % 50:02d}",
        }
        for i in range(500)
    ]
    # Interleaved, as a wave arrives between real comments: 1 reader, 5 bots, …
    bots = iter(wave)
    add_comments(app, [row for reader in legit for row in (reader, *(next(bots) for _ in "12345"))])
    assert statuses(app) == {"published": 600}
    assert published_counts(app) == dict.fromkeys(stories, 120)

    html = admin.get("/admin/comments?q=cheap-pills.example").get_data(as_text=True)
    assert "Apply to all 500 matching" in html
    started = time.perf_counter()
    response = bulk(admin, "spam", "matching", q="cheap-pills.example")
    elapsed = time.perf_counter() - started

    assert "Marked as spam: 500 comments." in flashes(admin.get(response.location))
    assert statuses(app) == {"published": 100, "spam": 500}
    assert published_counts(app) == dict.fromkeys(stories, 20)
    client = app.test_client()
    for story in stories:
        listing = client.get(comments_url(story) + "?limit=100").get_json()
        assert listing["total"] == 20
        assert all(c["author"].startswith("Reader") for c in listing["comments"])

    submit(admin, "/admin/comments/empty-spam", "/admin/comments/empty-spam")
    assert statuses(app) == {"published": 100}
    with app.app_context():
        senders = set(db.session.scalars(db.select(Comment.sender_hash)))
    assert senders == {f"reader{i:03d}" for i in range(100)}
    print(f"spam wave: 500 of 600 marked as spam in one POST in {elapsed * 1000:.0f} ms")


# --- senders -----------------------------------------------------------------------


def test_everything_from_a_sender_then_ban_them(app: Flask, admin: FlaskClient) -> None:
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for i in range(3):
        post_comment(reader, "a1", author=f"Troll {i}", body=f"{LONG_BODY} ({i})")
    post_comment(app.test_client(), "a1", author="Someone else")
    with app.app_context():
        troll = db.session.scalar(db.select(Comment.sender_hash).where(Comment.author == "Troll 0"))

    html = admin.get(f"/admin/comments?sender={troll}").get_data(as_text=True)
    assert html.count('class="author">Troll') == 3 and "Someone else" not in html

    page = f"/admin/senders/{troll}"
    stats = admin.get(page).get_data(as_text=True)
    assert '<span class="stat-number">3</span> <span class="stat-label">published' in stats
    response = submit(
        admin, page, "/admin/bans", {"sender": troll, "duration": "30", "mark_spam": "y"}
    )

    assert response.headers["Location"] == page
    assert "3 comments marked as spam" in " ".join(flashes(admin.get(page)))
    assert statuses(app) == {"spam": 3, "published": 1}
    refused = post_comment(reader, "a1", author="Troll again", body=f"{LONG_BODY} (later)")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "sender_banned"
    assert post_comment(app.test_client(), "a1", author="Fine").status_code == 201


@pytest.mark.parametrize("sender", ["x" * 65, "a b", "%00", "abc$"])
def test_a_hostile_sender_page_is_not_found(admin: FlaskClient, sender: str) -> None:
    assert admin.get(f"/admin/senders/{sender}").status_code == 404
