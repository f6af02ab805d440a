# ruff: noqa: S101, S311, S608 - a benchmark script: asserts, seeded randomness, SQL built from constants
"""``make bench``, moderation at a million comments: the admin list, its
filters and full-text search, and marking a spam wave, on PostgreSQL and SQLite.

Seeds 1,000,000 comments over 20,000 articles: 500,000 from 50,000 returning
senders (10 each), 20,000 from a spam wave of 200 senders (100 each, spread
over the newest 100,000 and 100 articles), the rest from one-time senders;
1% held (pending). Bodies are 8 to 40 words drawn from a Zipf-like
vocabulary, so some words are in half the comments and others in a handful.
PostgreSQL gets its own database (``bench_moderation``, dropped afterwards)
filled with COPY; SQLite a temporary file filled with executemany in big
transactions, the FTS5 index built once after.

The pages are requested through the Flask test client with a signed-in
admin's session (the whole request: routing, session, queries, template),
``--repeat`` times each after a warm-up, each request with a different
article / sender / page where the measurement allows. Then the wave is
marked as spam the way an admin does it: search its word ("more than
1,000"), "Apply to all matching", confirm the exact 20,000, and the time
of that last request (one transaction) is printed, followed by a check of
one wave article's public listing and count.

    python bench/moderation.py [--database postgres|sqlite|both]
        [--comments 1000000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from widget import create_app, fulltext  # noqa: E402
from widget.admin import accounts  # noqa: E402
from widget.columns import body_hash  # noqa: E402
from widget.extensions import db  # noqa: E402
from widget.models import Article, Comment, Status  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = "bench_moderation"
ARTICLES = 20_000
RETURNING_SENDERS, RETURNING_EACH = 50_000, 10
WAVE_SENDERS, WAVE_EACH, WAVE_ARTICLES, WAVE_WINDOW = 200, 100, 100, 100_000
WAVE_WORD = "cheapvlagra"
WAVE_TEXTS = [
    f"Best {WAVE_WORD} deal here, order today and save big!",
    f"Great article! Get {WAVE_WORD} online without prescription.",
    f"Cheap {WAVE_WORD} and more, fast delivery worldwide.",
]
HELD = 0.01
ADMIN, PASSWORD = "bench", "bench-password-long-enough"
# Targets from the issue, milliseconds: (p50, p99).
TARGETS = {"postgresql": (100, 300), "sqlite": (150, 300)}
WAVE_TARGET_S = 5.0
START = datetime(2025, 1, 1, tzinfo=UTC)

# The vocabulary: a few very common words, then a long tail (Zipf-like).
VERY_COMMON, COMMON, RARE = "the", "article", "xylophone"
FIRST = ["Anna", "Ben", "Chloé", "David", "Émile", "Fatima", "Greta", "Hiro", "Ivan", "Jana"]
LAST = ["Müller", "Smith", "García", "Rossi", "Novák", "Kowalski", "Dubois", "Tanaka"]
RARE_NAME = "Margarethe"


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    tail = {"".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(20_000)}
    words = ["the", "and", "is", "this", "article", "good", "think", "really"]
    words += sorted(tail - set(words))
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))  # cumulative: choices() is then quick


@dataclass
class Seeded:
    comments: int
    wave_ids: list[int]
    wave_articles: list[str]
    senders: list[str]
    emails: list[str]
    seconds: float


def rows(total: int, seed: int = 7) -> Iterator[tuple]:
    """(id, article, author, email, body, status, created_at, sender) in id order."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    wave = WAVE_SENDERS * WAVE_EACH if total >= 100_000 else total // 50
    returning = min(RETURNING_SENDERS * RETURNING_EACH, total // 2)
    window = min(WAVE_WINDOW, total)
    wave_ids = set(rng.sample(range(total - window + 1, total + 1), wave))
    wave_articles = [f"art-{n:05d}" for n in range(1, WAVE_ARTICLES + 1)]
    kinds = ["r"] * returning + ["o"] * (total - wave - returning)
    rng.shuffle(kinds)
    others = iter(kinds)
    for n in range(1, total + 1):
        created = START + timedelta(seconds=n * 30)
        if n in wave_ids:
            s = rng.randrange(WAVE_SENDERS)
            # A wave is copies of a few texts, a number changed here and there.
            body = f"{rng.choice(WAVE_TEXTS)} Code {rng.randint(100, 999)}, shop{s}.example"
            yield (
                n,
                rng.choice(wave_articles),
                f"Deals{s}",
                None,
                body,
                "published",
                created,
                f"wave{s:03d}",
            )
            continue
        kind = next(others)
        sender = f"ret{rng.randrange(RETURNING_SENDERS):05d}" if kind == "r" else f"one{n:07d}"
        author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if n % 997 == 0:
            author = f"{RARE_NAME} {rng.choice(LAST)}"
        body_words = rng.choices(words, cum_weights=weights, k=rng.randint(8, 40))
        if n % 50_000 == 0:
            body_words.append(RARE)
        email = f"{sender}@example.org" if n % 3 == 0 else None
        status = "pending" if rng.random() < HELD else "published"
        article = f"art-{rng.randint(1, min(ARTICLES, max(total // 50, 200))):05d}"
        yield (
            n,
            article,
            author,
            email,
            " ".join(body_words).capitalize() + ".",
            status,
            created,
            sender,
        )


COLUMNS = (
    "id, article_id, author, email, body, body_hash, status, created_at, sender_hash, "
    "user_agent, listed, reply_count, likes, edit_count, verified, staff"
)


def full_row(row: tuple) -> tuple:
    n, article, author, email, body, status, created, sender = row
    return (
        n,
        article,
        author,
        email,
        body,
        body_hash(body),
        status,
        created,
        sender,
        "bench",
        status == "published",
        0,
        0,
        0,
        False,
        False,
    )


def seed_postgres(app: Flask, total: int) -> None:
    with app.app_context():
        db.create_all()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # The GIN index is built once afterwards, as a restore would.
            cursor.execute("DROP INDEX ix_comments_search_vector")
            with cursor.copy(f"COPY comments ({COLUMNS}) FROM STDIN") as copy:
                for row in rows(total):
                    copy.write_row(full_row(row))
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute(fulltext.PG_CREATE[1])
            _articles_from_comments(cursor)
            raw.commit()
        finally:
            raw.close()
        engine = create_engine(
            app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE comments"))
            connection.execute(text("VACUUM ANALYZE articles"))
        engine.dispose()


def seed_sqlite(app: Flask, total: int) -> None:
    with app.app_context():
        db.create_all()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for name in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER comments_fts_{name}")
            marks = ", ".join("?" * 16)
            batch: list[tuple] = []
            for row in rows(total):
                full = full_row(row)
                stamp = full[7].strftime("%Y-%m-%d %H:%M:%S.%f")
                batch.append((*full[:7], stamp, *full[8:]))
                if len(batch) == 100_000:
                    cursor.executemany(f"INSERT INTO comments ({COLUMNS}) VALUES ({marks})", batch)
                    batch.clear()
            cursor.executemany(f"INSERT INTO comments ({COLUMNS}) VALUES ({marks})", batch)
            cursor.execute(fulltext.SQLITE_REBUILD)
            for statement in fulltext.SQLITE_TRIGGERS:
                cursor.execute(statement)
            _articles_from_comments(cursor)
            raw.commit()
            cursor.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()


def _articles_from_comments(cursor) -> None:  # type: ignore[no-untyped-def]
    cursor.execute(
        "INSERT INTO articles (id, closed, published_count, version) "
        "SELECT article_id, false, sum(CASE WHEN status = 'published' THEN 1 ELSE 0 END), 1 "
        "FROM comments GROUP BY article_id"
    )


# --- measuring -------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    p50: float
    p99: float
    note: str = ""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client: FlaskClient, name: str, urls: Callable[[int], str], repeat: int) -> Figure:
    for i in range(3):  # warm-up
        assert client.get(urls(i)).status_code == 200
    timings = []
    summary = ""
    for i in range(repeat):
        begun = time.perf_counter()
        response = client.get(urls(i + 3))
        timings.append((time.perf_counter() - begun) * 1000)
        assert response.status_code == 200, (urls(i), response.status_code)
        found = re.search(r'id="summary">\s*(.*?)(?:\s*match|\.)', response.get_data(as_text=True))
        summary = found.group(1) if found else ""
    return Figure(name, percentile(timings, 0.5), percentile(timings, 0.99), summary)


def signed_in(app: Flask) -> FlaskClient:
    with app.app_context():
        accounts.set_password(ADMIN, PASSWORD)
        db.session.commit()
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = client.post(
        "/admin/login", data={"csrf_token": token, "name": ADMIN, "password": PASSWORD}
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)[:500]
    return client


def measurements(app: Flask, total: int) -> list[tuple[str, Callable[[int], str]]]:
    articles = min(ARTICLES, max(total // 50, 200))
    pick = random.Random(11)
    with app.app_context():  # real senders and addresses, a different one each request
        senders = db.session.scalars(
            select(Comment.sender_hash).where(Comment.sender_hash.like("ret%")).limit(500)
        ).all()
        emails = db.session.scalars(
            select(Comment.email).where(Comment.email.is_not(None)).limit(500)
        ).all()
    return [
        ("list, page 1", lambda i: "/admin/comments"),
        ("list, pages 2-20", lambda i: f"/admin/comments?page={pick.randint(2, 20)}"),
        ("status: pending", lambda i: "/admin/comments?status=pending"),
        ("status: published", lambda i: "/admin/comments?status=published"),
        ("article", lambda i: f"/admin/comments?article=art-{pick.randint(1, articles):05d}"),
        ("sender", lambda i: f"/admin/comments?sender={pick.choice(senders)}"),
        ("search: rare word", lambda i: f"/admin/comments?q={RARE}"),
        ("search: common word", lambda i: f"/admin/comments?q={COMMON}"),
        ("search: very common word", lambda i: f"/admin/comments?q={VERY_COMMON}"),
        ("search: two words", lambda i: f"/admin/comments?q=really+{COMMON}"),
        ("search: author name", lambda i: f"/admin/comments?q={RARE_NAME}"),
        ("search: e-mail address", lambda i: f"/admin/comments?q={pick.choice(emails).upper()}"),
        ("search + status pending", lambda i: f"/admin/comments?q={COMMON}&status=pending"),
        ("search, page 20", lambda i: f"/admin/comments?q={VERY_COMMON}&page=20"),
    ]


def mark_the_wave(app: Flask, client: FlaskClient) -> tuple[float, float, int, str]:
    """Search the wave's word, "Apply to all matching" (more than 1,000), and
    confirm the exact number: (seconds of the confirmed action, of the whole
    flow, how many were marked, the confirmation's wording)."""
    from tests.admin_support import csrf_token, hidden_fields

    begun = time.perf_counter()
    page = f"/admin/comments?q={WAVE_WORD}"
    action = f"/admin/comments/bulk?q={WAVE_WORD}"
    html = client.get(page).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(html, action),
        **hidden_fields(html, action),
        "action": "spam",
        "scope": "matching",
    }
    acted = time.perf_counter()
    done = client.post(action, data=data)
    asked = "no confirmation: counted exactly on the list"
    if done.status_code == 200:  # "more than 1,000": confirm the exact number
        confirm = done.get_data(as_text=True)
        found = re.search(r"<strong>([\d,]+) comments?</strong>", confirm)
        asked = f"confirmed {found.group(1) if found else '?'}"
        data = {
            **hidden_fields(confirm, action),
            "csrf_token": csrf_token(confirm, action),
            "action": "spam",
            "scope": "matching",
        }
        acted = time.perf_counter()
        done = client.post(action, data=data)
    finished = time.perf_counter()
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    with app.app_context():
        marked = db.session.scalar(
            select(func.count()).where(Comment.sender_hash.like("wave%"), Comment.status == "spam")
        )
    return finished - acted, finished - begun, marked or 0, asked


def check_public(app: Flask, client: FlaskClient, article_id: str) -> str:
    with app.app_context():
        published = db.session.scalar(
            select(func.count()).where(
                Comment.article_id == article_id, Comment.status == Status.PUBLISHED
            )
        )
        stored = db.session.get(Article, article_id).published_count
    listing = client.get(f"/api/v1/articles/{article_id}/comments?limit=100").get_json()
    shown = [c["id"] for c in listing["comments"]]
    wave_shown = sum(1 for c in listing["comments"] if WAVE_WORD in c["body"])
    ok = listing["total"] == published == stored and wave_shown == 0
    return (
        f"{article_id}: listing total {listing['total']}, counted {published}, stored "
        f"{stored}, wave comments listed {wave_shown} of {len(shown)} shown: "
        + ("right" if ok else "**WRONG**")
    )


# --- running ---------------------------------------------------------------------------


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-moderation-") as folder:
            yield f"sqlite:///{folder}/comments.db"
        return
    server = create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE}"))
        connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    try:
        yield f"{PG_SERVER}/{PG_DATABASE}"
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        server.dispose()


def run(kind: str, total: int, repeat: int) -> None:
    with database(kind) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-" + "x" * 40,
                "TESTING": True,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": True,
            }
        )
        # The request log's line per request would bury the table.
        logging.getLogger("comments.request").setLevel(logging.WARNING)
        begun = time.perf_counter()
        with app.app_context():
            dialect = db.engine.dialect.name
        (seed_postgres if dialect == "postgresql" else seed_sqlite)(app, total)
        seeded = time.perf_counter() - begun
        with app.app_context():
            counts = Counter(
                dict(
                    db.session.execute(
                        select(Comment.status, func.count()).group_by(Comment.status)
                    ).all()
                )
            )
        print(f"\n## {dialect}: {total:,} comments ({dict(counts)}), seeded in {seeded:.0f} s\n")
        p50_target, p99_target = TARGETS[dialect]
        print(
            f"| measurement ({repeat} requests) | p50 ms | p99 ms | target p50/p99 | met "
            "| list says |"
        )
        print("|---|---:|---:|---|---|---|")
        client = signed_in(app)
        for name, urls in measurements(app, total):
            figure = measure(client, name, urls, repeat)
            met = figure.p50 <= p50_target and figure.p99 <= p99_target
            print(
                f"| {name} | {figure.p50:.0f} | {figure.p99:.0f} | ≤ {p50_target} / ≤ {p99_target} "
                f"| {'yes' if met else '**no**'} | {figure.note} |",
                flush=True,
            )
        seconds, flow, marked, asked = mark_the_wave(app, client)
        met = "yes" if seconds <= WAVE_TARGET_S else "**no**"
        print(
            f"\nSpam wave: {marked:,} comments marked as spam in {seconds:.2f} s "
            f"(one transaction; target ≤ {WAVE_TARGET_S:g} s: {met}); whole flow with "
            f"search and confirmation ({asked}) {flow:.2f} s"
        )
        with app.app_context():
            wave_article = db.session.scalar(
                select(Comment.article_id).where(Comment.sender_hash.like("wave%")).limit(1)
            )
        print("Afterwards, public listing: " + check_public(app, client, wave_article))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    try:
        models = re.findall(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        cpu = models[0] if models else cpu
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# Moderation at scale, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"Machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )
    print("Requests through the Flask test client, signed in as an admin (session cookie).")
    kinds = ("postgres", "sqlite") if args.database == "both" else (args.database,)
    for kind in kinds:
        run(kind, args.comments, args.repeat)
    print(f"\nLoad average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
