"""Properties, checked on generated input (hypothesis):

- any text the API accepts is returned byte-exact (trimmed) by the listing, and
  what it refuses is refused for the reason the contract gives;
- walking every page, with any page size and sort, while comments arrive and
  disappear, yields each published comment exactly once and in order.

Each test builds one app and gives every example an article of its own, so
examples never see each other's comments. Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from widget import articles
from widget.extensions import db
from widget.models import Comment, Status
from widget.text import TRIM_CHARS

from .conftest import LONG_BODY, comments_url, make_app

pytestmark = pytest.mark.usefixtures("backend")

# One app serves every example of a test: the fixture is meant to be shared.
SHARED = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_articles = itertools.count()


@pytest.fixture
def shared_app(tmp_path: Any) -> Iterator[Flask]:
    yield make_app(tmp_path)


def fresh_article(prefix: str) -> str:
    return f"{prefix}-{next(_articles)}"


# --- text round trip -----------------------------------------------------------

_TRIMMED = [*TRIM_CHARS.replace("\u2000-\u200d", ""), *map(chr, range(0x2000, 0x200E))]
_trim_runs = st.text(st.sampled_from(_TRIMMED), max_size=4)
# Mostly text a reader could type (any script, emoji, marks, invisible and
# bidi characters, tabs and line breaks), sometimes what only a bot sends.
_typed = st.characters(codec=None, exclude_categories=["Cc", "Cs"], include_characters="\t\n\r")
_odd = st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me", "Co", "Cn"])
_any = st.one_of(_typed, _odd)


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda a, b, c: a + b + c, _trim_runs, core, _trim_runs)


authors = st.one_of(
    _padded(st.text(_typed, min_size=1, max_size=80)),
    _padded(st.text(_typed, min_size=1, max_size=80)),
    _padded(st.text(_any, max_size=90)),
)
bodies = st.one_of(
    _padded(st.text(_typed, min_size=50, max_size=400)),
    _padded(st.text(_typed, min_size=50, max_size=400)),
    _padded(st.text(_any, min_size=40, max_size=400)),
    _padded(st.text(_typed, max_size=60)),
)


def _trimmed(value: str) -> str:
    """The contract's trimming, written independently of widget/text.py."""
    return value.strip("".join(_TRIMMED))


def _storable(value: str) -> bool:
    return not any(
        (ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF
        for c in value
    )


def _valid(author: str, body: str) -> bool:
    """What the contract says is acceptable: lengths in code points after
    trimming, and no characters a database cannot store."""
    a, b = _trimmed(author), _trimmed(body)
    return 1 <= len(a) <= 80 and 50 <= len(b) <= 5000 and _storable(a) and _storable(b)


@settings(SHARED, max_examples=120)
@given(author=authors, body=bodies)
def test_accepted_text_comes_back_byte_exact(shared_app: Flask, author: str, body: str) -> None:
    client = shared_app.test_client()
    article_id = fresh_article("text")
    token = client.get(comments_url(article_id)).get_json()["form"]["token"]
    # ensure_ascii: a lone surrogate travels as the JSON escape \\udXXX.
    payload = json.dumps({"author": author, "body": body, "token": token}, ensure_ascii=True)

    response = client.post(comments_url(article_id), data=payload, content_type="application/json")

    assert response.status_code in {201, 202, 422}, response.get_data(as_text=True)[:300]
    event(f"status {response.status_code}")
    if not _valid(author, body):
        assert response.status_code == 422
        assert set(response.get_json()["fields"]) <= {"author", "body"}
        return
    if response.status_code == 422:  # a defence (say, padding) may still refuse the body
        assert set(response.get_json()["fields"]) == {"body"}
        return
    comment = response.get_json()
    assert (comment["author"], comment["body"]) == (_trimmed(author), _trimmed(body))
    with shared_app.app_context():
        stored = db.session.get(Comment, comment["id"])
        assert (stored.author, stored.body) == (_trimmed(author), _trimmed(body))
    if response.status_code == 201:
        listed = client.get(comments_url(article_id))
        (item,) = listed.get_json()["comments"]
        assert (item["author"], item["body"]) == (_trimmed(author), _trimmed(body))
        # On the wire, the text itself (as UTF-8), only JSON's own escapes added.
        wire = json.dumps(_trimmed(body), ensure_ascii=False)[1:-1].encode()
        assert wire in listed.get_data()


# --- pagination -------------------------------------------------------------------

# Something that happens between two page fetches: posts, or removals (by index
# into the comments published so far).
_event = st.one_of(
    st.tuples(st.just("post"), st.integers(1, 3)),
    st.tuples(st.just("remove"), st.integers(0, 10_000)),
    st.tuples(st.just("nothing"), st.just(0)),
)


def _insert(app: Flask, article_id: str, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            Comment(article_id=article_id, author=f"R{i}", body=LONG_BODY, sender_hash="s")
            for i in range(count)
        )
        articles.ensure(article_id)
        articles.adjust({article_id: count})
        db.session.commit()


def _remove(app: Flask, article_id: str, pick: int) -> int | None:
    """Mark one published comment deleted, as an admin would; its id."""
    with app.app_context():
        ids = db.session.scalars(
            select(Comment.id)
            .where(Comment.article_id == article_id, Comment.status == Status.PUBLISHED)
            .order_by(Comment.id)
        ).all()
        if not ids:
            return None
        victim = ids[pick % len(ids)]
        db.session.execute(
            update(Comment).where(Comment.id == victim).values(status=Status.DELETED)
        )
        articles.adjust({article_id: -1})
        db.session.commit()
        return victim


def _published(app: Flask, article_id: str) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Comment.id).where(
                    Comment.article_id == article_id, Comment.status == Status.PUBLISHED
                )
            )
        )


@settings(SHARED, max_examples=60)
@given(
    initial=st.integers(0, 40),
    limit=st.integers(1, 12),
    sort=st.sampled_from(["newest", "oldest"]),
    events=st.lists(_event, max_size=15),
)
def test_walking_all_pages_yields_each_published_comment_exactly_once(
    shared_app: Flask, initial: int, limit: int, sort: str, events: list[tuple[str, int]]
) -> None:
    client = shared_app.test_client()
    article_id = fresh_article("pages")
    _insert(shared_app, article_id, initial)
    at_start = _published(shared_app, article_id)
    token = client.get(comments_url(article_id)).get_json()["form"]["token"]
    removed: set[int] = set()
    seen: list[int] = []
    cursor = None
    for page in itertools.count():
        assert page <= initial + 3 * len(events) + 1, "the walk does not end"
        url = comments_url(article_id) + f"?limit={limit}&sort={sort}"
        data = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
        assert data["total"] == len(_published(shared_app, article_id))
        assert len(data["comments"]) <= limit
        seen += [comment["id"] for comment in data["comments"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
        kind, amount = events[page] if page < len(events) else ("nothing", 0)
        if kind == "post":
            for n in range(amount):
                body = f"{LONG_BODY} page {page}, post {n}"
                response = client.post(
                    comments_url(article_id), json={"author": "Late", "body": body, "token": token}
                )
                assert response.status_code == 201
        elif kind == "remove" and (victim := _remove(shared_app, article_id, amount)):
            removed.add(victim)

    at_end = _published(shared_app, article_id)
    event("listed: none" if not seen else f"listed: {'1-9' if len(seen) < 10 else '10 or more'}")
    assert len(seen) == len(set(seen)), "a comment was listed twice"
    assert seen == sorted(seen, reverse=sort == "newest"), "out of order"
    assert set(seen) <= at_start | at_end | removed, "listed something never published"
    # Every comment published before the walk and still published after it.
    assert at_start - removed <= set(seen)
    if sort == "oldest":  # new comments come after the cursor: they are reached too
        assert at_end <= set(seen)
