"""Two real instances (gunicorn, two workers each) on one PostgreSQL database
judge with one spam filter: trained by the ``flask`` CLI, kept across a
restart, and taught by an admin's decision on the CLI, which both then follow.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from widget.models import Comment, SpamFilterState
from widget.moderation import learning

from ..conftest import comments_url, pg_url
from ..servers import Gunicorn, flask_command, migrate, server_env
from .test_spam_filter import LIBRARY, VIDEOS

pytestmark = [pytest.mark.server, pytest.mark.postgres]


def post(server: Gunicorn, article_id: str, body: str) -> tuple[int, dict[str, Any]]:
    """Post as the box does: a fresh form token from the listing first."""
    url = server.url + comments_url(article_id)
    with urllib.request.urlopen(url, timeout=20) as response:
        token = json.load(response)["form"]["token"]
    data = json.dumps({"author": "Reader", "body": body, "token": token}).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture
def database(pg_schema: str) -> Iterator[Engine]:
    engine = create_engine(pg_url(pg_schema), poolclass=NullPool)
    yield engine
    engine.dispose()


def verdict(database: Engine, answer: dict[str, Any]) -> tuple[str, str | None, float | None]:
    with database.connect() as connection:
        row = connection.execute(
            select(Comment.status, Comment.reason, Comment.spam_score).where(
                Comment.id == answer["id"]
            )
        ).one()
    return row.status, row.reason, row.spam_score


def revision(database: Engine) -> int:
    with database.connect() as connection:
        return connection.execute(select(SpamFilterState.revision)).scalar_one()


def test_two_instances_share_the_model_across_a_restart_and_a_decision(
    tmp_path, pg_schema: str, database: Engine
) -> None:
    env = server_env(tmp_path, DATABASE_URL=pg_url(pg_schema))
    migrate(env)
    # One video makes the filter trusted (175 texts of each class); four would
    # add twenty seconds and nothing this test is about.
    learnt = flask_command(
        env, "spam", "train", str(VIDEOS[0]), "--text", "CONTENT", "--label", "CLASS"
    )
    assert learnt.startswith("Learnt 349 texts")
    a = Gunicorn(env, workers=2, log_path=tmp_path / "a.log")
    b = Gunicorn(env, workers=2, log_path=tmp_path / "b.log")
    with a, b:
        # Good comments on a subject the videos never touched read like their
        # spam ("check", "free", "subscribe"): both instances hold the same text
        # with the same score.
        first = [post(server, f"library-{n}", LIBRARY[0]) for n, server in enumerate((a, b))]
        assert [status for status, _ in first] == [202, 202], first
        scores = [verdict(database, answer) for _, answer in first]
        assert scores[0] == scores[1]
        assert scores[0][:2] == ("pending", "likely_spam")

        # A restarted instance reads the model back from the database.
        b.stop()
        b.start()
        status, restarted = post(b, "library-1", LIBRARY[1])
        assert status == 202, restarted
        assert verdict(database, restarted)[1] == "likely_spam"
        status, unlearnt = post(a, "library-before", LIBRARY[3])
        assert status == 202, unlearnt  # before the admin's decision

        # An admin approves the three on the command line: the filter learns
        # them as good, and both instances (A with the model it had in memory)
        # follow the new revision.
        was = revision(database)
        held = [answer["id"] for _, answer in first] + [restarted["id"]]
        approved = flask_command(env, "comments", "approve", *(f"--id={i}" for i in held))
        assert approved.strip() == "Approved: 3 comments."
        assert revision(database) > was

        after = [post(server, f"library-{n}", LIBRARY[3]) for n, server in enumerate((a, b))]
        assert [status for status, _ in after] == [201, 201], after
        scores = [verdict(database, answer) for _, answer in after]
        assert scores[0] == scores[1]
        status_, reason, score = scores[0]
        assert (status_, reason) == ("published", None)
        assert score is not None and score < learning.LIKELY_RANK
