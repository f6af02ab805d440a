# ruff: noqa: S101, S105, S603 - a benchmark script: asserts, a throwaway key and subprocesses by design
"""The retention purge: 50,000 deleted comments among 200,000.

A schema made by ``flask db upgrade`` (as in production, full-text search
triggers included) holds 50,000 threads of four comments (a top-level
comment, a reply, a reply to the reply, a second reply) over 2,000 articles.
12,000 threads were deleted whole 60 days ago (48,000 comments to purge,
with a like on every fourth and a report on every eighth), and 2,000
top-level comments deleted whose replies are still published (placeholders
to keep, emptied). Then ``retention.purge_deleted(days=30)``, as the command
and the worker call it, on SQLite and on PostgreSQL (when reachable): its
total time, its dry run's, and its longest transaction (the longest any
other writer can wait on it). Prints a markdown table.

    .venv/bin/python bench/purge.py [--threads 50000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ARTICLES = 2_000
SECRET = "bench-purge-secret-key-of-32-characters-at-least"
sys.path.insert(0, str(ROOT))


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def migrate(url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env.update(COMMENTS_DATABASE_URL=url, COMMENTS_SECRET_KEY=SECRET)
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )


def seed(threads: int, whole: int, placeholders: int) -> None:
    """``threads`` threads of four; the first ``whole`` deleted whole, the
    next ``placeholders`` only at the top. In the app context."""
    from sqlalchemy import insert

    from widget.extensions import db
    from widget.models import Article, Comment, Like, Report

    now = datetime.now(UTC)
    posted, deleted = now - timedelta(days=90), now - timedelta(days=60)
    published: dict[str, int] = {}
    batch: list[dict] = []
    likes: list[dict] = []
    reports: list[dict] = []

    def flush() -> None:
        if batch:
            db.session.execute(insert(Comment), batch)
            batch.clear()

    for t in range(threads):
        article = f"story-{t % ARTICLES}"
        top = 4 * t + 1
        gone_whole, top_gone = t < whole, t < whole + placeholders
        shape = [
            (top, None, None),
            (top + 1, top, top),
            (top + 2, top + 1, top),
            (top + 3, top, top),
        ]
        for n, (cid, parent, root) in enumerate(shape):
            is_deleted = gone_whole or (top_gone and n == 0)
            live_replies = 0 if gone_whole else 3
            batch.append(
                {
                    "id": cid,
                    "article_id": article,
                    "parent_id": parent,
                    "root_id": root,
                    "author": f"Reader {cid % 997}",
                    "email": f"reader{cid % 997}@mail.example",
                    "body": f"Comment {cid}: a considered reply about the article, long enough.",
                    "status": "deleted" if is_deleted else "published",
                    "created_at": posted + timedelta(seconds=cid),
                    "deleted_at": deleted if is_deleted else None,
                    "sender_hash": f"{cid % 997:032x}",
                    "user_agent": "bench",
                    "reply_count": live_replies if root is None else 0,
                    "listed": root is None and live_replies > 0,
                }
            )
            if not is_deleted:
                published[article] = published.get(article, 0) + 1
            elif cid % 4 == 0:
                likes.append({"comment_id": cid, "voter": f"v{cid:015d}", "client_hash": "c"})
                if cid % 8 == 0:
                    reports.append(
                        {
                            "comment_id": cid,
                            "voter": f"v{cid:015d}",
                            "client_hash": "c",
                            "reason": "abuse",
                        }
                    )
        if len(batch) >= 5000:
            flush()
    flush()
    db.session.execute(
        insert(Article),
        [
            {
                "id": f"story-{a}",
                "closed": False,
                "version": 1,
                "published_count": published.get(f"story-{a}", 0),
            }
            for a in range(ARTICLES)
        ],
    )
    for rows, model in ((likes, Like), (reports, Report)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start : start + 5000])
    db.session.commit()


def run_one(label: str, url: str, threads: int) -> list[str]:
    from sqlalchemy import func, select, text
    from sqlalchemy.orm import aliased

    from widget import create_app
    from widget.extensions import db
    from widget.models import Comment
    from widget.moderation import retention

    whole, placeholders = threads * 6 // 25, threads // 25
    say(f"{label}: migrating, then seeding {threads * 4:,} comments")
    migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.app_context():
        started = time.perf_counter()
        seed(threads, whole, placeholders)
        say(f"{label}: seeded in {time.perf_counter() - started:.0f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        published = db.session.scalar(select(func.count()).where(Comment.status == "published"))

        started = time.perf_counter()
        dry = retention.purge_deleted(30, "bench", dry_run=True)
        dry_seconds = time.perf_counter() - started

        longest = [0.0]
        remove, empty = retention._remove, retention._empty

        def timed(step):  # type: ignore[no-untyped-def]
            def run(*args):  # type: ignore[no-untyped-def]
                began = time.perf_counter()
                try:
                    return step(*args)
                finally:
                    longest[0] = max(longest[0], time.perf_counter() - began)

            return run

        retention._remove, retention._empty = timed(remove), timed(empty)
        try:
            started = time.perf_counter()
            done = retention.purge_deleted(30, "bench")
            seconds = time.perf_counter() - started
        finally:
            retention._remove, retention._empty = remove, empty

        # What readers see is unchanged; nothing was orphaned.
        assert (done.purged, done.kept, done.emptied) == (dry.purged, dry.kept, dry.emptied)
        assert done.purged == whole * 4 and done.emptied == placeholders
        assert published == db.session.scalar(
            select(func.count()).where(Comment.status == "published")
        )
        parent = aliased(Comment)
        orphans = db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .outerjoin(parent, parent.id == Comment.parent_id)
            .where(Comment.parent_id.is_not(None), parent.id.is_(None))
        )
        assert orphans == 0
        again = retention.purge_deleted(30, "bench")
        assert again.purged == 0 and again.emptied == 0
        db.engine.dispose()
    say(f"{label}: purged {done.purged:,}, emptied {done.emptied:,} in {seconds:.2f} s")
    rate = done.purged / seconds
    return [
        f"| {label} | {threads * 4:,} | {done.purged + done.kept:,} | {done.purged:,} "
        f"| {done.emptied:,} | {seconds:.2f} s | {rate:,.0f}/s | {longest[0] * 1000:.0f} ms "
        f"| {dry_seconds:.2f} s |"
    ]


def postgres_reachable() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


def pg_schema(action: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        if action == "create":
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=50_000, help="threads of four comments")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    when = datetime.now(UTC)
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="comments-bench-purge-") as tmp:
        rows += run_one("SQLite", f"sqlite:///{tmp}/purge.db", args.threads)
    if not args.no_postgres and postgres_reachable():
        schema = f"bench_purge_{os.getpid()}"
        pg_schema("create", schema)
        try:
            url = f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
            rows += run_one("PostgreSQL", url, args.threads)
        finally:
            pg_schema("drop", schema)
    print()
    print(
        "\n".join(
            [
                f"## Purging deleted comments, {when:%Y-%m-%d %H:%M} UTC, {platform.node()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}",
                "",
                "| database | comments | deleted | purged | emptied placeholders | time "
                "| purged/s | longest transaction | dry run |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                *rows,
            ]
        )
    )


if __name__ == "__main__":
    main()
