"""Several writers on one SQLite file: WAL plus a busy timeout lose nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from widget.extensions import db
from widget.models import Comment

from ..conftest import comments_url, post_comment

THREADS = 8
POSTS_EACH = 25


def test_eight_threads_posting_at_once_lose_nothing(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            mode = db.session.execute(db.text("PRAGMA journal_mode")).scalar()
        assert mode == "wal"

    def writer(thread: int) -> list[int]:
        client = app.test_client()
        return [  # each post with a token of its own, as a token admits one post
            post_comment(client, "busy", author=f"T{thread}-{i}").status_code
            for i in range(POSTS_EACH)
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [status for result in pool.map(writer, range(THREADS)) for status in result]

    assert statuses == [201] * (THREADS * POSTS_EACH)
    with app.app_context():
        authors = set(db.session.scalars(db.select(Comment.author)))
    assert authors == {f"T{t}-{i}" for t in range(THREADS) for i in range(POSTS_EACH)}
    listing = app.test_client().get(comments_url("busy")).get_json()
    assert listing["total"] == THREADS * POSTS_EACH
