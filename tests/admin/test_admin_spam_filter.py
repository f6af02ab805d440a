"""The learning spam filter in the admin area: scores in the comments list,
the "likely spam" filter, a comment's own page explaining its score, and the
filter's state on the rules page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.spam import VIDEOS
from widget.admin.comments import Weight, weight
from widget.extensions import db
from widget.models import AuditEntry, Comment, SpamFilterState
from widget.moderation import classifier, learning, training

from ..admin_support import flashes, signed_in, submit
from ..conftest import make_app, need, post_comment
from .test_admin_comments import add_comments, bulk
from .test_admin_reports import page_text

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
SPAMMY = "Hey everyone, check out my channel and subscribe please! http://www.example.com/my-music"
GOOD = "I love this song so much, her voice is amazing and the video is beautiful."
_WEIGHT_ROW = re.compile(
    r'<tr>\s*<td><code>(.*?)</code></td>\s*<td class="small muted">(.*?)</td>\s*'
    r'<td>(.*?)</td>\s*<td class="num">(.*?)</td>',
    re.DOTALL,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app per module whose filter learnt four videos of the YouTube Spam
    Collection (about 1,440 texts): learning them takes seconds."""
    need(len(VIDEOS) == 5, "the YouTube Spam Collection in ../shared/data/youtube-spam")
    app = make_app(tmp_path_factory.mktemp("trained"))
    with app.app_context():
        files = [training.read(str(path), "CONTENT", "CLASS") for path in VIDEOS[:4]]
        texts = [row for labelled in files for row in labelled.texts]
        training.train(training.Labelled(texts, blank=0), "four videos", "test")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def trained_admin(trained: Flask) -> FlaskClient:
    return signed_in(trained)


def weights_table(html: str) -> list[tuple[str, str, str, float]]:
    """(token, kind, which way it pushes, weight) for each row of "What the
    filter saw"."""
    rows = []
    for token, kind, pushes, value in _WEIGHT_ROW.findall(html):
        towards = "spam" if "towards spam" in pushes else "good" if "towards good" in pushes else ""
        rows.append((unescape(token), kind, towards, float(value)))
    return rows


def page_of(client: FlaskClient, comment_id: int) -> str:
    response = client.get(f"/admin/comments/{comment_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def status_of(app: Flask, comment_id: int) -> str:
    with app.app_context():
        return db.session.get(Comment, comment_id).status


# --- the list ----------------------------------------------------------------------


def test_the_list_shows_each_comments_spam_score(app: Flask, admin: FlaskClient) -> None:
    add_comments(
        app,
        [
            {"article_id": "a1", "author": "Likely", "spam_score": 0.9964, "status": "pending",
             "reason": "likely_spam"},
            {"article_id": "a1", "author": "Middling", "spam_score": 0.42},
            {"article_id": "a1", "author": "Unscored", "spam_score": None},
        ],
    )  # fmt: skip

    html = admin.get("/admin/comments").get_data(as_text=True)

    assert "Spam score 99.6%" in html
    assert "Spam score 42.0%" in html
    assert html.count("Spam score") == 2  # nothing for the comment never scored
    assert "The spam filter finds it likely spam" in html


def test_the_likely_spam_filter_lists_only_likely_spam(app: Flask, admin: FlaskClient) -> None:
    likely = add_comments(
        app,
        [{"article_id": "a1", "author": f"Spammer {i}", "spam_score": 0.995} for i in range(52)],
    )
    on_the_line, *_under_the_line = add_comments(
        app,
        [
            {"article_id": "a1", "author": "On the line", "spam_score": learning.LIKELY_RANK},
            {"article_id": "a1", "author": "Just under", "spam_score": 0.9899},
            {"article_id": "a1", "author": "Reader", "spam_score": 0.2},
            {"article_id": "a1", "author": "Unscored", "spam_score": None},
        ],
    )

    first = admin.get("/admin/comments?likely_spam=1").get_data(as_text=True)
    second = admin.get("/admin/comments?likely_spam=1&page=2").get_data(as_text=True)

    assert "53 comments match" in first and '<span class="chip">likely spam</span>' in first
    assert 'name="likely_spam" type="checkbox" value="1"' in first and "checked" in first
    assert 'rel="next" href="/admin/comments?page=2&amp;likely_spam=1"' in first
    shown = re.findall(r'name="ids" value="(\d+)"', first + second)
    assert sorted(map(int, shown)) == sorted([*likely, on_the_line])
    everything = admin.get("/admin/comments").get_data(as_text=True)
    assert "56 comments." in " ".join(everything.split())


def test_all_matching_with_the_likely_spam_filter_marks_only_those(
    app: Flask, admin: FlaskClient
) -> None:
    spam = add_comments(
        app, [{"article_id": "a1", "spam_score": 0.999, "status": "pending"} for _ in range(2)]
    )
    others = add_comments(
        app,
        [
            {"article_id": "a1", "spam_score": 0.5, "status": "pending"},
            {"article_id": "a1", "spam_score": None, "status": "pending"},
            {"article_id": "a1", "spam_score": 0.1},
        ],
    )

    response = bulk(admin, "spam", "matching", likely_spam="1")

    assert response.headers["Location"] == "/admin/comments?likely_spam=1"
    assert "Marked as spam: 2 comments." in flashes(admin.get(response.location))
    assert [status_of(app, i) for i in spam] == ["spam", "spam"]
    assert [status_of(app, i) for i in others] == ["pending", "pending", "published"]
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "spam")).one()
    assert entry.count == 2 and "likely spam" in entry.detail


# --- a comment's page ------------------------------------------------------------


def test_a_comments_page_before_the_filter_has_learnt(app: Flask, admin: FlaskClient) -> None:
    (comment_id,) = add_comments(
        app,
        [{"article_id": "story-7", "author": "Priya S", "email": "priya@example.com",
          "body": "First line of it,\nand the second line.", "status": "pending",
          "reason": "token_invalid"}],
    )  # fmt: skip

    listing = admin.get("/admin/comments").get_data(as_text=True)
    html = page_of(admin, comment_id)

    assert f'href="/admin/comments/{comment_id}"' in listing
    assert "Priya S" in html and "priya@example.com" in html and "story-7" in html
    assert "pending" in html and "Forged or damaged form token" in html
    assert "First line of it,\nand the second line." in html
    assert "No spam score" in html
    assert (
        "The filter has not learnt enough to explain a comment yet: it has learnt from 0 spam "
        f"and 0 good examples, and judges nothing until it has learnt from "
        f"{learning.TRUSTED_EXAMPLES} of each."
    ) in page_text(html)
    assert weights_table(html) == []


def test_the_buttons_act_on_this_comment_and_come_back(app: Flask, admin: FlaskClient) -> None:
    this, other = add_comments(app, [{"article_id": "a1", "status": "pending"} for _ in range(2)])
    page = f"/admin/comments/{this}"
    target = f"/admin/comments/bulk?next={page}"

    for action, done, after in [
        ("approve", "Approved: 1 comment.", "published"),
        ("spam", "Marked as spam: 1 comment.", "spam"),
        ("delete", "Deleted: 1 comment.", "deleted"),
    ]:
        response = submit(admin, page, target, {"action": action})
        assert response.status_code == 302 and response.headers["Location"] == page
        assert done in flashes(admin.get(page))
        assert (status_of(app, this), status_of(app, other)) == (after, "pending")


def test_an_unknown_comment_is_not_found(admin: FlaskClient) -> None:
    missing = admin.get("/admin/comments/999999")
    assert missing.status_code == 404
    assert "There is no comment #999999." in missing.get_data(as_text=True)
    assert admin.get("/admin/comments/99999999999").status_code == 404  # past the int range
    assert admin.get("/admin/comments/-1").status_code == 404


def test_signed_out_the_comment_page_asks_to_sign_in(app: Flask) -> None:
    (comment_id,) = add_comments(app, [{"article_id": "a1", "body": "Private until reviewed."}])

    response = app.test_client().get(f"/admin/comments/{comment_id}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/login?next=/admin/comments/{comment_id}?"
    assert "Private until reviewed." not in response.get_data(as_text=True)


def test_a_comments_page_shows_what_weighed_most(
    trained: Flask, trained_admin: FlaskClient
) -> None:
    reader = trained.test_client()
    held = post_comment(reader, "video-1", author="Channel Promo", body=SPAMMY)
    published = post_comment(reader, "video-1", author="Fan", body=GOOD)
    assert (held.status_code, published.status_code) == (202, 201)
    with trained.app_context():
        spam_id, good_id = (
            db.session.scalar(db.select(Comment.id).where(Comment.author == author))
            for author in ("Channel Promo", "Fan")
        )

    listing = trained_admin.get("/admin/comments?article=video-1&likely_spam=1")
    assert re.search(r"Spam score (99|100)\.\d%", listing.get_data(as_text=True))
    spam_page = page_of(trained_admin, spam_id)
    good_page = page_of(trained_admin, good_id)

    assert "The spam filter finds it likely spam" in spam_page
    assert "That makes it likely spam." in spam_page
    rows = weights_table(spam_page)
    assert 1 < len(rows) <= 12
    strengths = [abs(value) for _, _, _, value in rows]
    assert strengths == sorted(strengths, reverse=True)  # the strongest first
    assert all((towards == "spam") == (value > 0) for _, _, towards, value in rows)
    assert rows[0][2] == "spam"
    assert ("check out", "words", "spam") in [row[:3] for row in rows]
    good_rows = weights_table(good_page)
    assert ("i love", "words", "good") in [row[:3] for row in good_rows]
    assert "That makes it likely spam." not in good_page


def test_a_hostile_comment_is_text_on_its_page(trained: Flask, trained_admin: FlaskClient) -> None:
    (comment_id,) = add_comments(trained, [{"article_id": "a1", "body": HOSTILE}])

    html = page_of(trained_admin, comment_id)

    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in html
    assert ("alert", "word") in [row[:2] for row in weights_table(html)]


def test_a_token_is_shown_as_text_whatever_it_holds(
    trained: Flask, trained_admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    (comment_id,) = add_comments(trained, [{"article_id": "a1"}])
    hostile = [("<img src=x onerror=alert(1)>", 2.5), ("~<b>", -1.25)]
    monkeypatch.setattr(classifier, "strongest", lambda *args, **kwargs: hostile)

    html = page_of(trained_admin, comment_id)

    assert "<img" not in html and "<b>" not in html
    assert "<code>&lt;img src=x onerror=alert(1)&gt;</code>" in html
    assert weights_table(html) == [
        ("<img src=x onerror=alert(1)>", "words", "spam", 2.5),
        ("<b>", "letters", "good", -1.25),
    ]


@pytest.mark.parametrize(
    ("token", "value", "shown"),
    [
        ("~ ab", 1.5, Weight("letters", "␣ab", 1.5)),
        ("~ab ", -0.5, Weight("letters", "ab␣", -0.5)),
        ("host:example.com", 2.0, Weight("link to", "example.com", 2.0)),
        (classifier.LINK, 3.0, Weight("link", "any link", 3.0)),
        ("check out", 1.0, Weight("words", "check out", 1.0)),
        ("song", -2.0, Weight("word", "song", -2.0)),
    ],
)
def test_a_token_is_named_as_an_admin_reads_it(token: str, value: float, shown: Weight) -> None:
    assert weight(token, value) == shown


def test_every_token_the_filter_makes_has_a_kind() -> None:
    found = classifier.tokens("Check out www.example.com/music now")

    named = {token: weight(token, 1.0) for token in found}

    assert named[classifier.GRAM + " ch"] == Weight("letters", "␣ch", 1.0)
    assert named[classifier.HOST + "example.com"] == Weight("link to", "example.com", 1.0)
    assert named[classifier.LINK] == Weight("link", "any link", 1.0)
    assert named["check out"] == Weight("words", "check out", 1.0)
    assert named["music"] == Weight("word", "music", 1.0)
    assert {w.kind for w in named.values()} == {"letters", "link to", "link", "words", "word"}


@pytest.mark.parametrize(("value", "towards"), [(0.01, "spam"), (-0.01, "good"), (0.0, "neither")])
def test_a_weight_pushes_by_its_sign(value: float, towards: str) -> None:
    assert weight("song", value).towards == towards


# --- the rules page ----------------------------------------------------------------


def test_the_rules_page_says_what_the_filter_learnt(
    trained: Flask, trained_admin: FlaskClient
) -> None:
    with trained.app_context():
        state = db.session.get(SpamFilterState, learning.STATE_ID)
        spam, good = state.spam_docs, state.ham_docs
    assert spam > 500 and good > 500

    html = " ".join(trained_admin.get("/admin/rules").get_data(as_text=True).split())

    assert f"<strong>{spam:,} spam</strong> and <strong>{good:,} good</strong>" in html
    assert "It is <strong>trusted</strong>" in html
    assert "more spam-like than 99% of the good comments" in html  # learning.LIKELY_RANK
    assert "COMMENTS_SPAM_FILTER=on: it <strong>holds</strong> likely spam" in html
    assert "flask --app wsgi spam train FILE.csv --text COLUMN --label COLUMN" in html


def test_the_rules_page_of_an_untrained_filter_that_only_scores(tmp_path: Path) -> None:
    app = make_app(tmp_path, SPAM_FILTER=False)
    admin = signed_in(app)

    html = " ".join(admin.get("/admin/rules").get_data(as_text=True).split())

    assert "<strong>0 spam</strong> and <strong>0 good</strong>" in html
    assert "It is <strong>not trusted yet</strong>" in html
    assert f"until it has learnt from {learning.TRUSTED_EXAMPLES} of each" in html
    assert "COMMENTS_SPAM_FILTER=off: it <strong>only scores</strong>" in html
