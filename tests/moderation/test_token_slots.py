"""A form token admits one post per client and three in all, even when the
posts race: in process, a lookup that ran before a parallel post was stored
is played by making ``defences.token_senders`` miss it (the multi-process
versions are in tests/moderation/test_token_replay.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment
from widget.moderation import defences

from ..conftest import comments_url, form_token, post_comment

Lookup = Callable[[defences.Draft], list[str]]


def reasons(app: Flask) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment.reason).order_by(Comment.id)))


def published(client: FlaskClient, article: str = "a1") -> int:
    """How many comments the article shows; its count says the same."""
    listing = client.get(comments_url(article) + "?limit=100").get_json()
    assert listing["total"] == len(listing["comments"])
    return listing["total"]


def post_from(client: FlaskClient, address: str, token: str, article: str = "a1"):
    client.environ_base["REMOTE_ADDR"] = address
    return post_comment(client, article, token=token, author=f"From {address}")


def stale_lookups(monkeypatch: pytest.MonkeyPatch, *seen: int) -> None:
    """Lookup ``i`` of the token's earlier posts sees only the first
    ``seen[i]`` of them, as when the others were stored in parallel; later
    lookups see them all. The defences' lookup is also the store's first try;
    each later try looks again."""
    real: Lookup = defences.token_senders
    calls = 0

    def lookup(draft: defences.Draft) -> list[str]:
        nonlocal calls
        senders = real(draft)
        calls += 1
        return senders[: seen[calls - 1]] if calls <= len(seen) else senders

    monkeypatch.setattr(defences, "token_senders", lookup)


def test_a_replay_whose_lookup_missed_the_first_post_is_held(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = form_token(client, "a1")
    assert post_from(client, "203.0.113.1", token).status_code == 201
    stale_lookups(monkeypatch, 0)

    replay = post_from(client, "203.0.113.1", token)

    assert replay.status_code == 202
    assert replay.get_json()["status"] == "pending"
    assert published(client) == 1
    assert reasons(app) == [None, "token_reused"]


def test_a_third_reader_whose_lookups_missed_two_parallel_posts_is_published(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three readers may share a token (a CDN's cached listing): the third,
    racing the other two, finds slot 1 taken, then slot 2, then takes slot 3."""
    token = form_token(client, "a1")
    assert post_from(client, "203.0.113.1", token).status_code == 201
    assert post_from(client, "203.0.113.2", token).status_code == 201
    # The first lookup sees neither post: it tries slot 1; the next sees one:
    # it tries slot 2; then slot 3 is free.
    stale_lookups(monkeypatch, 0, 1)

    third = post_from(client, "203.0.113.3", token)

    assert third.status_code == 201, third.get_data(as_text=True)[:300]
    assert published(client) == 3
    assert reasons(app) == [None, None, None]


def test_a_fourth_reader_whose_lookups_missed_the_other_three_is_held(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = form_token(client, "a1")
    for n in (1, 2, 3):
        assert post_from(client, f"203.0.113.{n}", token).status_code == 201
    stale_lookups(monkeypatch, 0, 1, 2)

    fourth = post_from(client, "203.0.113.4", token)

    assert fourth.status_code == 202
    assert published(client) == 3
    assert reasons(app) == [None, None, None, "token_reused"]


def test_a_post_that_lost_a_token_race_is_published_and_counted_once(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its first insert (comment and count) is rolled back; the retry's stands."""
    token = form_token(client, "fresh")
    assert post_from(client, "203.0.113.1", token, article="fresh").status_code == 201
    stale_lookups(monkeypatch, 0)

    second = post_from(client, "203.0.113.2", token, article="fresh")

    assert second.status_code == 201
    assert published(client, "fresh") == 2


# A long article id that repeats itself: its token's payload is compressed,
# and a compressed payload starts with a ".".
LONG_ID = "the-article-about-the-article-about-the-article-about-the-article"


def test_a_compressed_token_spelt_another_way_is_still_the_same_token(
    app: Flask, client: FlaskClient
) -> None:
    token = form_token(client, LONG_ID)
    assert token.startswith(".")
    # The signature's last base64 character has two spare bits: flipping one
    # spells the same signature, which still verifies.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]

    first = post_from(client, "203.0.113.1", token, article=LONG_ID)
    replay = post_from(client, "203.0.113.1", respelt, article=LONG_ID)

    assert (first.status_code, replay.status_code) == (201, 202)
    assert reasons(app) == [None, "token_reused"]


def test_two_tokens_for_one_article_are_two_tokens_even_when_compressed(
    app: Flask, client: FlaskClient
) -> None:
    first = post_from(client, "203.0.113.1", form_token(client, LONG_ID), article=LONG_ID)
    second = post_from(client, "203.0.113.1", form_token(client, LONG_ID), article=LONG_ID)

    assert (first.status_code, second.status_code) == (201, 201)
