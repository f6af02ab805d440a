# ruff: noqa: S101, S311, S603 - a benchmark script: asserts, seeded data and subprocesses by design
"""``make bench`` (part): importing and exporting a million comments.

Generates a Disqus export of ``--posts`` posts (default 1,000,000) over 20,000
threads, a third of them replies (a few to posts further down the file), with
HTML bodies, a little spam and a few deletions; then, on SQLite and on
PostgreSQL (when reachable), times ``flask import disqus`` and ``flask export``
as the separate processes an operator runs, and reads each one's peak memory
(its maximum resident set size, from the kernel). Prints a markdown table and
writes it to bench-results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench-results"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
THREADS = 20_000
TARGET_RATE = 20_000  # comments per second on SQLite (issue 14)
TARGET_MB = 200


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def generate(path: Path, posts: int, seed: int = 14) -> None:
    """A Disqus export shaped like a real one, written as it is generated."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    threads = min(THREADS, max(1, posts // 10))
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for t in range(threads):
            out.write(
                f'<thread dsq:id="{1_000_000_000 + t}"><id>story-{t}</id>'
                f"<forum>bench</forum><link>https://news.example/{t}/story/</link>"
                f"<title>Story {t} &amp; more</title>"
                f"<createdAt>{(start + timedelta(hours=t)):%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                "</thread>\n"
            )
        for i in range(posts):
            # Post i is on thread i % threads, so any post's thread is known
            # without remembering it: replies answer a post on their own page,
            # mostly an earlier one, sometimes one further down the file.
            thread = 1_000_000_000 + i % threads
            parent = ""
            if rng.random() < 0.33:
                later = i + threads * rng.randrange(1, 3)
                earlier = i - threads * rng.randrange(1, 20)
                target = later if rng.random() < 0.05 and later < posts else earlier
                if target >= 0:
                    parent = f'<parent dsq:id="{target}"/>'
            when = start + timedelta(seconds=i * 97)
            body = escape(
                f"<p>Comment {i}: I read this twice &amp; I still think the "
                f'<a href="https://example.com/{i}">figures</a> are off.</p>'
                "<p>Second paragraph<br>with a line break.</p>"
            )
            spam = "true" if rng.random() < 0.02 else "false"
            deleted = "true" if rng.random() < 0.01 else "false"
            out.write(
                f'<post dsq:id="{i}"><id/><message>{body}</message>'
                f"<createdAt>{when:%Y-%m-%dT%H:%M:%SZ}</createdAt>"
                f"<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
                f"<author><email>reader{i % 50_000}@example.invalid</email>"
                f"<name>Reader {i % 50_000}</name><isAnonymous>false</isAnonymous></author>"
                f"<ipAddress>192.0.2.{i % 250}</ipAddress>"
                f'<thread dsq:id="{thread}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")


def run_one(label: str, database_url: str, source: Path, work: Path, posts: int) -> list[str]:
    env = {
        **os.environ,
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": "bench-secret-key-of-32-characters-or-more",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    say(f"{label}: importing {posts:,} posts")
    seconds, peak, output = peak_of([*flask, "import", "disqus", str(source)], env)
    imported = int(output.split()[1].replace(",", ""))
    say(f"{label}: {output.splitlines()[0]}")
    rows = [
        f"| import Disqus, {label} | {posts:,} posts | {imported:,} | {seconds:.1f} s "
        f"| {imported / seconds:,.0f}/s | {peak:.0f} MB |"
    ]
    target = work / f"export-{label.lower()}.jsonl.gz"
    say(f"{label}: exporting")
    seconds, peak, output = peak_of([*flask, "export", str(target)], env)
    exported = int(output.split()[1].replace(",", ""))
    rows.append(
        f"| export JSON lines (.gz), {label} | {exported:,} comments | {exported:,} "
        f"| {seconds:.1f} s | {exported / seconds:,.0f}/s | {peak:.0f} MB |"
    )
    return rows


def peak_of(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """``measured`` with the child's own peak (wait4), not the whole tree's."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, output


def postgres_reachable() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


def fresh_pg_schema() -> str:
    from sqlalchemy import create_engine, text

    name = f"bench_import_{os.getpid()}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return name


def drop_pg_schema(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    when = datetime.now(UTC)
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="comments-bench-import-") as tmp:
        work = Path(tmp)
        source = work / "disqus.xml"
        say(f"generating a Disqus export of {args.posts:,} posts")
        generate(source, args.posts)
        say(f"{source.stat().st_size / 1e6:,.0f} MB")
        rows += run_one("SQLite", f"sqlite:///{work}/import.db", source, work, args.posts)
        if not args.no_postgres and postgres_reachable():
            schema = fresh_pg_schema()
            try:
                url = f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"
                rows += run_one("PostgreSQL", url, source, work, args.posts)
            finally:
                drop_pg_schema(schema)
    report = "\n".join(
        [
            f"## Import and export, {when:%Y-%m-%d %H:%M} UTC, {platform.node()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}",
            "",
            f"Targets: import at least {TARGET_RATE:,} comments/s on SQLite, "
            f"peak memory under {TARGET_MB} MB.",
            "",
            "| run | input | comments | time | rate | peak memory |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )
    print()
    print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"imports-{when:%Y%m%d-%H%M%S}.md"
    out.write_text(report)
    say(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
