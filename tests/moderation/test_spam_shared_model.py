"""Two real instances (gunicorn, two workers each) on one PostgreSQL database
judge with one spam filter: trained by the ``flask`` CLI, kept across a
restart, and taught by an admin's decision on the CLI, which both then follow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bench.spam import VIDEOS
from widget.models import Comment, SpamFilterState
from widget.moderation import learning

from ..conftest import need, pg_url
from ..servers import Answer, Gunicorn, flask_command, migrate, post_as_box, server_env
from .test_spam_filter import LIBRARY

pytestmark = [pytest.mark.server, pytest.mark.postgres]


@pytest.fixture
def database(pg_schema: str) -> Iterator[Engine]:
    engine = create_engine(pg_url(pg_schema), poolclass=NullPool)
    yield engine
    engine.dispose()


def post(server: Gunicorn, article_id: str, body: str) -> Answer:
    return post_as_box(server.url, article_id, "Reader", body)


def verdict(database: Engine, answer: Answer) -> tuple[str, str | None, float | None]:
    with database.connect() as connection:
        row = connection.execute(
            select(Comment.status, Comment.reason, Comment.spam_score).where(
                Comment.id == answer.body["id"]
            )
        ).one()
    return row.status, row.reason, row.spam_score


def revision(database: Engine) -> int:
    with database.connect() as connection:
        return connection.execute(select(SpamFilterState.revision)).scalar_one()


def test_two_instances_share_the_model_across_a_restart_and_a_decision(
    tmp_path, pg_schema: str, database: Engine
) -> None:
    need(len(VIDEOS) == 5, "../shared/data/youtube-spam")
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
        assert [answer.status for answer in first] == [202, 202], first
        scores = [verdict(database, answer) for answer in first]
        assert scores[0] == scores[1]
        assert scores[0][:2] == ("pending", "likely_spam")

        # A restarted instance reads the model back from the database.
        b.stop()
        b.start()
        restarted = post(b, "library-1", LIBRARY[1])
        assert restarted.status == 202, restarted
        assert verdict(database, restarted)[1] == "likely_spam"
        unlearnt = post(a, "library-before", LIBRARY[3])
        assert unlearnt.status == 202, unlearnt  # before the admin's decision

        # An admin approves the three on the command line: the filter learns
        # them as good, and both instances (A with the model it had in memory)
        # follow the new revision.
        was = revision(database)
        held = [answer.body["id"] for answer in [*first, restarted]]
        approved = flask_command(env, "comments", "approve", *(f"--id={i}" for i in held))
        assert approved.strip() == "Approved: 3 comments."
        assert revision(database) > was

        after = [post(server, f"library-{n}", LIBRARY[3]) for n, server in enumerate((a, b))]
        assert [answer.status for answer in after] == [201, 201], after
        scores = [verdict(database, answer) for answer in after]
        assert scores[0] == scores[1]
        status_, reason, score = scores[0]
        assert (status_, reason) == ("published", None)
        assert score is not None and score < learning.LIKELY_RANK
