"""Properties, checked on generated input (hypothesis):

- text the contract accepts (generated to be valid, never filtered out after
  the answer) is accepted and returned byte-exact (trimmed) by the listing;
- any text, valid or not, is refused exactly where a documented rule says,
  for the fields it names;
- walking every page, with any page size and sort, while comments arrive and
  disappear, yields each published comment exactly once and in order.

Each test builds one app and gives every example an article of its own, so
examples never see each other's comments. Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
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
from widget.moderation.text import TRIM_CHARS, padding_problem

from ..conftest import LONG_BODY, comments_url, form_token, make_app

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

_trim_runs = st.text(st.sampled_from(TRIM_CHARS), max_size=4)
FILLERS = "\u115f\u1160\u3164\uffa0"  # Hangul fillers: letters to Unicode, blank on screen
BIDI_MARKS = "\u200e\u200f\u061c"
# Format characters that show: Arabic number signs and other prepended marks.
SHOWN_FORMAT = (
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
FLAG = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,32}\U000e007f")

# What a reader can see (any script, emoji, marks, spaces, unassigned code
# points), plus tabs and line breaks; and what only a bot sends.
_visible = st.characters(
    codec=None, exclude_categories=["Cc", "Cs", "Cf"], exclude_characters=FILLERS
)
_typed = st.one_of(_visible, st.sampled_from("\t\n\r"))
_letter = st.characters(categories=["L", "N"], exclude_characters=FILLERS)
# Joiners and tags as they are meant: inside emoji sequences and words, in flags.
_joined = st.sampled_from(
    [
        "\U0001f469\u200d\U0001f4bb",
        "\u0915\u094d\u200d\u0937",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
    ]
)
_odd = st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me", "Co", "Cn"])
_any = st.one_of(_typed, _odd, st.sampled_from(FILLERS + BIDI_MARKS))


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda a, b, c: a + b + c, _trim_runs, core, _trim_runs)


def _pieces(extra: st.SearchStrategy[str], min_size: int, max_size: int) -> st.SearchStrategy[str]:
    piece = st.one_of(st.text(_typed, min_size=1, max_size=6), _joined, extra)
    return st.lists(piece, min_size=min_size, max_size=max_size).map(" ".join)


def _trimmed(value: str) -> str:
    """The contract's trimming, written independently of widget/moderation/text.py."""
    return value.strip(TRIM_CHARS)


def _storable(value: str) -> bool:
    return not any(
        (ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF
        for c in value
    )


def _is_format(char: str) -> bool:
    return unicodedata.category(char) == "Cf" and char not in SHOWN_FORMAT


def _hides_something(value: str, *, name: bool) -> bool:
    """Contract 1.1: invisible and direction-changing characters are refused
    in names and in comment text, but for a joiner between two visible
    characters and an emoji flag's tags; comment text may carry direction
    marks and fillers (which do not count towards its length)."""
    value = FLAG.sub("\U0001f3f4", value)
    blank = [c.isspace() or c in FILLERS or _is_format(c) for c in value]
    for i, char in enumerate(value):
        if char in FILLERS + BIDI_MARKS:
            if name:
                return True
        elif _is_format(char):
            joins = char in "\u200c\u200d" and 0 < i < len(value) - 1
            if not (joins and not blank[i - 1] and not blank[i + 1]):
                return True
    return False


def _visible_length(value: str) -> int:
    return sum(1 for c in value if c not in FILLERS and not _is_format(c))


def _name_ok(name: str) -> bool:
    letter = any(unicodedata.category(c)[0] in "LN" and c not in FILLERS for c in name)
    return (
        1 <= len(name) <= 80
        and _storable(name)
        and letter
        and not _hides_something(name, name=True)
    )


def _body_ok(body: str) -> bool:
    return (
        50 <= len(body) <= 5000
        and _storable(body)
        and not _hides_something(body, name=False)
        and _visible_length(body) >= 50
    )


def _refused(author: str, body: str) -> set[str]:
    """The fields a documented rule refuses: the contract's validation first;
    then, for valid fields, the padding defence (widget/moderation/defences.py)."""
    a, b = _trimmed(author), _trimmed(body)
    fields = {name for name, ok in (("author", _name_ok(a)), ("body", _body_ok(b))) if not ok}
    if not fields and padding_problem(b, 50):
        fields.add("body")
    return fields


# Only what the contract accepts: a letter or digit in every name, 50 visible
# characters of varied text in every comment.
valid_authors = _padded(
    st.builds(
        lambda before, letter, after: before + letter + after,
        _pieces(st.nothing(), 0, 4),
        _letter,
        _pieces(st.nothing(), 0, 4),
    )
).filter(lambda author: _name_ok(_trimmed(author)))
valid_bodies = _padded(_pieces(st.sampled_from(BIDI_MARKS + FILLERS), 14, 60)).filter(
    lambda body: not _refused("A", body)
)


def _spoiled(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid text with one odd character (a control, a format character, a
    filler, a lone surrogate...) put in somewhere."""

    def put(value: str, odd: str, at: int) -> str:
        at %= len(value) + 1
        return value[:at] + odd + value[at:]

    return st.builds(
        put,
        valid,
        st.one_of(_odd, st.sampled_from(FILLERS + BIDI_MARKS)),
        st.integers(0, 10_000),
    )


# Anything: valid, valid but for one character, and what a bot sends.
authors = st.one_of(valid_authors, _spoiled(valid_authors), _padded(st.text(_any, max_size=90)))
bodies = st.one_of(
    valid_bodies,
    _spoiled(valid_bodies),
    _padded(st.text(_typed, min_size=40, max_size=400)),
    _padded(st.text(_any, min_size=40, max_size=400)),
)


def _post(app: Flask, author: str, body: str) -> tuple[Any, str]:
    client = app.test_client()
    article_id = fresh_article("text")
    token = client.get(comments_url(article_id)).get_json()["form"]["token"]
    # ensure_ascii: a lone surrogate travels as the JSON escape \\udXXX.
    payload = json.dumps({"author": author, "body": body, "token": token}, ensure_ascii=True)
    response = client.post(comments_url(article_id), data=payload, content_type="application/json")
    event(f"status {response.status_code}")
    return response, article_id


@settings(SHARED, max_examples=100)
@given(author=valid_authors, body=valid_bodies)
def test_accepted_text_comes_back_byte_exact(shared_app: Flask, author: str, body: str) -> None:
    response, article_id = _post(shared_app, author, body)

    assert response.status_code in {201, 202}, response.get_data(as_text=True)[:300]
    comment = response.get_json()
    assert (comment["author"], comment["body"]) == (_trimmed(author), _trimmed(body))
    with shared_app.app_context():
        stored = db.session.get(Comment, comment["id"])
        assert (stored.author, stored.body) == (_trimmed(author), _trimmed(body))
    if response.status_code == 201:
        listed = shared_app.test_client().get(comments_url(article_id))
        (item,) = listed.get_json()["comments"]
        assert (item["author"], item["body"]) == (_trimmed(author), _trimmed(body))
        # On the wire, the text itself (as UTF-8), only JSON's own escapes added.
        wire = json.dumps(_trimmed(body), ensure_ascii=False)[1:-1].encode()
        assert wire in listed.get_data()


@settings(SHARED, max_examples=100)
@given(author=authors, body=bodies)
def test_text_is_refused_exactly_where_a_documented_rule_says(
    shared_app: Flask, author: str, body: str
) -> None:
    expected = _refused(author, body)

    response, _article_id = _post(shared_app, author, body)

    if expected:
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert set(response.get_json()["fields"]) == expected
    else:
        assert response.status_code in {201, 202}, response.get_data(as_text=True)[:300]


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
                token = form_token(client, article_id)  # a token admits one post
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
