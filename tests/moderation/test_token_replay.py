"""A form token admits one post per client and three in all, even when the
replays arrive all at once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment
from widget.moderation import defences

from ..conftest import LONG_BODY, comments_url, form_token, pg_url, post_comment
from ..servers import Gunicorn, migrate, server_env


def test_a_replay_whose_lookup_ran_before_the_first_post_was_stored_is_held(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = form_token(client, "a1")
    assert post_comment(client, "a1", token=token).status_code == 201
    # The replay's lookup misses the first post, as when both arrive at once;
    # only the unique index then stands in its way.
    real, lookups = defences.token_senders, []

    def lookup_before_the_first_post_was_stored(draft: defences.Draft) -> list[str]:
        lookups.append(draft)
        return real(draft) if len(lookups) > 1 else []

    monkeypatch.setattr(defences, "token_senders", lookup_before_the_first_post_was_stored)

    replay = post_comment(client, "a1", token=token, author="Replay")

    assert replay.status_code == 202
    assert client.get(comments_url("a1")).get_json()["total"] == 1
    with app.app_context():
        reasons = db.session.scalars(db.select(Comment.reason).order_by(Comment.id)).all()
    assert reasons == [None, "token_reused"]


def _post(url: str, token: str, n: int, address: str) -> int:
    body = {"author": f"Replay {n}", "body": f"{LONG_BODY} {n}", "token": token}
    headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.server
@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
@pytest.mark.parametrize(("clients", "published"), [(1, 1), (9, 3)])
def test_parallel_replays_of_one_token_publish_one_per_client_and_three_in_all(
    tmp_path, request: pytest.FixtureRequest, database: str, clients: int, published: int
) -> None:
    settings: dict[str, str] = {"TRUSTED_PROXIES": "1"}  # the address from X-Forwarded-For
    if database == "postgres":  # no writer lock: the lookups really do race there
        settings["DATABASE_URL"] = pg_url(request.getfixturevalue("pg_schema"))
    env = server_env(tmp_path, **settings)
    migrate(env)
    with Gunicorn(env, workers=3, log_path=tmp_path / "gunicorn.log") as server:
        for article_id in ("race-1", "race-2", "race-3"):
            url = f"{server.url}{comments_url(article_id)}"
            with urllib.request.urlopen(url, timeout=10) as response:
                token = json.load(response)["form"]["token"]

            with ThreadPoolExecutor(9) as pool:
                addresses = [f"203.0.113.{n % clients + 1}" for n in range(9)]
                posts = pool.map(_post, [url] * 9, [token] * 9, range(9), addresses)
                statuses = sorted(posts)

            assert statuses == [201] * published + [202] * (9 - published), article_id
