# ruff: noqa: S101, S603, S607 - a benchmark script: asserts and subprocesses by design
"""``make bench``: the service under gunicorn against wrk on loopback, one table.

What it measures (issue 5), each run bounded in time:

1. list the 20 newest of a 200-comment article, 8 connections, 10 s;
2. the ceiling: the same gunicorn settings serving a trivial Flask route that
   returns the same bytes, precomputed (bench/ceiling.py);
3. If-None-Match revalidation (304) of that listing;
4. first-page p50 on a 100-comment and a 100,000-comment article (1 connection,
   page cache off, so the database path itself is timed);
5. POST throughput with limits off, 16 connections, and the error count;
6. counts for 100 articles, p50;

and Isso 0.14 (../shared/bench/isso) beside it: its list with ``&limit=20`` and
its POST with the guard off. The table is printed and written to
bench-results/ as markdown. ``--quick`` shortens every run (a smoke test).

Seeding goes straight into the database in bulk (not through HTTP); the
schema comes from ``flask db upgrade``, as in production.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ISSO = ROOT.parent / "shared" / "bench" / "isso"
RESULTS = ROOT / "bench-results"
WRK_LUA = Path(__file__).resolve().parent / "wrk"

# The same shape as Isso's seeded comments (../shared/bench/isso/seed.py).
BODY = (
    "Comment {i}: I tried this on my own setup and it *mostly* worked. "
    "The part about `config` files was the tricky bit; see "
    "[the notes](https://example.com/notes/{i}) for what I changed. "
    "Thanks for writing this up - it saved me an afternoon of debugging."
)
POST_BODY = (
    "A benchmark comment with *some* markdown and a [link](https://example.com/x), "
    "long enough to pass the minimum length."
)


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install wrk (as root), then run make bench again")
    say("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=300, env=env)


# --- wrk ----------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    extra: dict[str, int] = field(default_factory=dict)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 2,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
) -> Run:
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--timeout", "5s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    extra = {key: int(value) for key, value in re.findall(r"^status (\w+): (\d+)$", out, re.M)}
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        requests=int(re.search(r"(\d+) requests in", out)[1]),
        non_2xx_3xx=int(non_ok[1]) if non_ok else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        extra=extra,
    )


# --- servers ------------------------------------------------------------------


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path, probe: str) -> Iterator[str]:
    """Start ``gunicorn -c gunicorn.conf.py APP`` on a free port; yield its base URL."""
    port = free_port()
    full_env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), app],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn {app} exited; see {log}")
            with contextlib.suppress(OSError):
                if get(base + probe)[0] == 200:
                    break
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn {app} did not answer in 30 s; see {log}")
            time.sleep(0.2)
        time.sleep(1)  # let every worker finish booting
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- seeding ------------------------------------------------------------------

ARTICLE_200, ARTICLE_100, ARTICLE_100K, POST_TARGET = "bench-200", "bench-100", "bench-100k", "p"
BIG_REPLIES = 10_000  # on the 100,000-comment article


def seed(database_url: str) -> None:
    """Migrate an empty database, then insert every comment in bulk."""
    env = {**os.environ, "COMMENTS_DATABASE_URL": database_url}
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from widget import create_app
    from widget.extensions import db
    from widget.models import Article, Comment, Status

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "TESTING": True}
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sizes = {ARTICLE_200: 200, ARTICLE_100: 100, ARTICLE_100K: 100_000}
    # Replies on the newest threads of both first-page articles, five each:
    # their first pages have the same shape (20 threads, full previews), so
    # the ratio measures the article's size alone.
    replies = {ARTICLE_100K: BIG_REPLIES, ARTICLE_100: 100}
    with app.app_context():
        # The big article first, then the others, so the small ones' rows sit
        # at the end of the table, as a new article's would.
        n = 0
        for article_id, size in sorted(sizes.items(), key=lambda item: -item[1]):
            db.session.execute(
                insert(Article),
                [{"id": article_id, "closed": False, "published_count": size, "version": 1}],
            )
            for first in range(0, size, 5000):
                db.session.execute(
                    insert(Comment),
                    [
                        {
                            "article_id": article_id,
                            "author": f"Reader {i}",
                            "body": BODY.format(i=i),
                            "status": Status.PUBLISHED,
                            "created_at": start + timedelta(seconds=n + i),
                            "sender_hash": f"{i % 997:032x}",
                            "user_agent": "bench",
                        }
                        for i in range(first, min(size, first + 5000))
                    ],
                )
            n += size
            if article_id in replies:
                n += _seed_replies(article_id, replies[article_id], start + timedelta(seconds=n))
        db.session.execute(
            insert(Article),
            [
                {"id": f"count-{i}", "closed": False, "published_count": i, "version": 1}
                for i in range(100)
            ],
        )
        db.session.commit()
        db.engine.dispose()


def _seed_replies(article_id: str, count: int, start: datetime) -> int:
    """``count`` replies on the article's newest threads, five to a thread:
    every comment of the first page then shows a full preview, the case that
    costs the most to read."""
    from sqlalchemy import func, insert, select, update

    from widget import threads
    from widget.extensions import db
    from widget.models import Article, Comment, Status

    newest = db.session.scalars(
        select(Comment.id)
        .where(Comment.article_id == article_id)
        .order_by(Comment.id.desc())
        .limit(count // 5)
    ).all()
    for number, root in enumerate(newest):
        rows = []
        for i in range(5):
            rows.append(
                {
                    "article_id": article_id,
                    "parent_id": root,
                    "root_id": root,
                    "listed": False,
                    "author": f"Replier {i}",
                    "body": BODY.format(i=i),
                    "status": Status.PUBLISHED,
                    "created_at": start + timedelta(seconds=number * 5 + i),
                    "sender_hash": f"{(number + i) % 997:032x}",
                    "user_agent": "bench",
                }
            )
        db.session.execute(insert(Comment), rows)
    threads.refresh(newest)
    db.session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(published_count=Article.published_count + len(newest) * 5)
    )
    assert db.session.scalar(select(func.count()).where(Comment.root_id.in_(newest))) == count
    return count


# --- the runs -----------------------------------------------------------------


@dataclass
class Row:
    label: str
    value: str
    p50: str = ""
    p99: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


def fmt_ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def judged(label: str, ratio: float, target: float, at_least: bool = True) -> Row:
    ok = ratio >= target if at_least else ratio <= target
    sign = "≥" if at_least else "≤"
    return Row(label, "", "", "", f"{ratio:.2f}", f"{sign} {target:g}", "yes" if ok else "**no**")


def statuses(log: Path, since: int) -> Counter[int]:
    """Statuses from the service's own request log lines written after ``since``."""
    counts: Counter[int] = Counter()
    with log.open("rb") as handle:
        handle.seek(since)
        for line in handle:
            if line.startswith(b"{"):
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if "status" in record:
                        counts[record["status"]] += 1
    return counts


POST_TOKENS = 40_000  # more than a POST run sends (about 1,000 a second)


def form_tokens(env: dict[str, str], article_id: str, count: int) -> list[str]:
    """Form tokens as listings hand them out, made with the service's own key:
    fetching tens of thousands over HTTP would take longer than the run."""
    code = (
        "import sys\n"
        "from widget import create_app\n"
        "from widget.moderation.tokens import issue_form_token\n"
        "with create_app().test_request_context():\n"
        f"    print('\\n'.join(issue_form_token({article_id!r}) for _ in range({count})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.split()


def wait_for_token_period(seconds: int) -> None:
    """The ETag carries a 10-minute token period: do not let a run straddle it."""
    left = 600 - time.time() % 600
    if left < seconds + 5:
        say(f"waiting {left:.0f} s for the next ETag period")
        time.sleep(left + 1)


def bench_ours(args: argparse.Namespace, work: Path) -> dict:
    d = args.seconds
    database_url = args.database_url or f"sqlite:///{work}/bench.db"
    say(f"seeding {database_url.split('@')[-1]} (flask db upgrade, then bulk inserts)")
    started = time.monotonic()
    seed(database_url)
    say(f"seeded 110,400 comments in {time.monotonic() - started:.1f} s")
    env = {
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": "bench-secret-key-of-32-characters-or-more",
        "COMMENTS_RATELIMIT_ENABLED": "false",
        "COMMENTS_MIN_FILL_SECONDS": "0",
        "COMMENTS_RATELIMIT_STORAGE_URI": args.redis or "memory://",
    }
    log = work / "service.log"
    log.touch()
    found: dict = {}
    with gunicorn("wsgi:app", env, log, "/healthz") as base:
        list_url = f"{base}/api/v1/articles/{ARTICLE_200}/comments"
        status, headers, body = get(list_url)
        page = json.loads(body)
        assert status == 200 and page["total"] == 200 and len(page["comments"]) == 20, page
        found["keep_alive"] = headers.get("Connection", "").lower() != "close"
        found["compressed"] = "Content-Encoding" in get(list_url, {"Accept-Encoding": "gzip"})[1]
        found["list_bytes"] = len(body)
        (work / "ceiling-body.json").write_bytes(body)
        read_runs(args, env, work, log, list_url, found)
        if args.read_only:
            return found

        counts_url = f"{base}/api/v1/counts?" + "&".join(
            f"article_id=count-{i}" for i in range(100)
        )
        assert len(json.loads(get(counts_url)[2])["counts"]) == 100
        say(f"6. counts for 100 articles, 8 connections, {d} s")
        found["counts"] = wrk(counts_url, connections=8, seconds=d)

        # A form token admits one post per client: every request gets its own.
        tokens = work / "tokens.txt"
        tokens.write_text("\n".join(form_tokens(env, POST_TARGET, POST_TOKENS)) + "\n")
        script = work / "post.lua"
        body = json.dumps(
            {"author": "Bench", "body": POST_BODY + " (post @N@)", "token": "@TOKEN@"}
        )
        prefix, rest = body.split("@N@")
        middle, suffix = rest.split("@TOKEN@")
        script.write_text(
            (WRK_LUA / "post_comment.lua")
            .read_text()
            .replace("@PREFIX@", prefix)
            .replace("@MIDDLE@", middle)
            .replace("@SUFFIX@", suffix)
            .replace("@TOKENS@", str(tokens))
            .replace("@THREADS@", "2")  # wrk() runs two threads
        )
        say(f"5. POST, limits off, 16 connections, {d} s")
        mark = log.stat().st_size
        found["post"] = wrk(
            f"{base}/api/v1/articles/{POST_TARGET}/comments",
            connections=16,
            seconds=d,
            script=script,
        )
        found["post_statuses"] = statuses(log, mark)

        # The big article's comments hold ids 1..100,000: it is seeded first.
        likes = work / "like.lua"
        likes.write_text(
            (WRK_LUA / "like.lua")
            .read_text()
            .replace("@ARTICLE@", ARTICLE_100K)
            .replace("@FIRST@", "1")
            .replace("@LAST@", "100000")
        )
        say(f"7. likes, limits off, 16 connections, {d} s")
        found["likes"] = wrk(f"{base}/", connections=16, seconds=d, script=likes)

    say("4. first page, 100 vs 100,000 comments, 1 connection, page cache off")
    uncached = "widget:create_app({'PAGE_CACHE_SIZE': 0})"
    with gunicorn(uncached, env, log, "/healthz") as base:
        # Alternate the two articles and keep each one's better run: on a shared
        # machine a burst of other work would otherwise land on one side only.
        first = max(2, d // 4)
        for article_id in (ARTICLE_100, ARTICLE_100K):
            assert get(f"{base}/api/v1/articles/{article_id}/comments")[0] == 200
        runs: dict[str, list[Run]] = {ARTICLE_100: [], ARTICLE_100K: []}
        for _round in range(2):
            for article_id in runs:
                runs[article_id].append(
                    wrk(
                        f"{base}/api/v1/articles/{article_id}/comments",
                        connections=1,
                        seconds=first,
                    )
                )
        found["first_100"] = min(runs[ARTICLE_100], key=lambda run: run.p50_ms)
        found["first_100k"] = min(runs[ARTICLE_100K], key=lambda run: run.p50_ms)

    return found


def read_runs(
    args: argparse.Namespace, env: dict, work: Path, log: Path, list_url: str, found: dict
) -> None:
    """1, 2 and 3, alternated over ``--rounds`` rounds with the ceiling served
    beside the service: on a shared machine a burst of other work then lands
    on every side. The table shows each one's median run; ratios are per round."""
    d = args.seconds
    say(f"2. ceiling: trivial Flask route, same bytes, same gunicorn settings, {d} s")
    ceiling_env = {**env, "BENCH_CEILING_BODY": str(work / "ceiling-body.json")}
    runs: dict[str, list[Run]] = {"list": [], "ceiling": [], "revalidate": []}
    found["revalidate_statuses"] = Counter()
    with gunicorn("bench.ceiling:app", ceiling_env, log, "/api/v1/articles/x/comments") as base:
        ceiling_url = f"{base}/api/v1/articles/{ARTICLE_200}/comments"
        for number in range(1, args.rounds + 1):
            say(f"round {number}/{args.rounds}: 1. list, 2. ceiling, 3. 304; 8 connections, {d} s")
            runs["list"].append(wrk(list_url, connections=8, seconds=d))
            runs["ceiling"].append(wrk(ceiling_url, connections=8, seconds=d))
            wait_for_token_period(d)
            etag = get(list_url)[1]["ETag"]
            assert get(list_url, {"If-None-Match": etag})[0] == 304
            mark = log.stat().st_size
            runs["revalidate"].append(
                wrk(list_url, connections=8, seconds=d, headers=(f"If-None-Match: {etag}",))
            )
            found["revalidate_statuses"] += statuses(log, mark)
    for name, kept in runs.items():
        found[name] = sorted(kept, key=lambda run: run.rps)[len(kept) // 2]
    found["ratios"] = {
        name: [mine.rps / top.rps for mine, top in zip(runs[name], runs["ceiling"], strict=True)]
        for name in ("list", "revalidate")
    }


def median(ratios: list[float]) -> float:
    ordered = sorted(ratios)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def spread(ratios: list[float]) -> str:
    """Median and range of per-round ratios: ``0.85 (0.80 to 0.90)``."""
    return f"{median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})"


def bench_isso(seconds: int, work: Path) -> dict | None:
    if not (ISSO / "start.sh").exists():
        return None
    env = {**os.environ, "ISSO_GUARD": "false", "FRESH": "1"}
    say("Isso: setup (pip, into /tmp/isso-venv), fresh start with the guard off, seed 200")
    subprocess.run([str(ISSO / "setup.sh")], check=True, timeout=600, env=env, capture_output=True)
    subprocess.run([str(ISSO / "start.sh")], check=True, timeout=60, env=env, capture_output=True)
    try:
        subprocess.run(
            [sys.executable, str(ISSO / "seed.py"), "200", "--client-ip-mode", "single"],
            check=True,
            timeout=300,
            capture_output=True,
        )
        url = "http://127.0.0.1:8090/?uri=%2Fbench%2Farticle-1&sort=oldest&offset=0&nested_limit=5"
        status, _headers, body = get(url + "&limit=20")
        assert status == 200 and len(json.loads(body)["replies"]) == 20
        say(f"Isso: list with &limit=20, 8 connections, {seconds} s")
        listing = wrk(url + "&limit=20", connections=8, seconds=seconds)
        say(f"Isso: POST /new, guard off, 16 connections, {seconds} s")
        post = wrk(
            "http://127.0.0.1:8090",
            connections=16,
            seconds=seconds,
            script=ISSO / "wrk" / "post_comment.lua",
        )
        return {"list": listing, "post": post}
    finally:
        subprocess.run([str(ISSO / "stop.sh")], timeout=60, capture_output=True, check=False)


def table(
    args: argparse.Namespace, ours: dict, isso: dict | None, when: datetime, load: tuple
) -> str:
    listing, ceiling, revalidate = ours["list"], ours["ceiling"], ours["revalidate"]
    ratios = ours["ratios"]
    list_row = judged("   list / ceiling", median(ratios["list"]), 0.8)
    list_row.ratio = spread(ratios["list"])
    revalidate_row = judged("   304 / ceiling", median(ratios["revalidate"]), 0.9)
    revalidate_row.ratio = spread(ratios["revalidate"])
    rows = [
        Row(
            "1. list 20 newest of 200 (8 conn)",
            f"{listing.rps:,.0f} req/s",
            fmt_ms(listing.p50_ms),
            fmt_ms(listing.p99_ms),
        ),
        Row(
            "2. ceiling: trivial Flask route, same bytes",
            f"{ceiling.rps:,.0f} req/s",
            fmt_ms(ceiling.p50_ms),
            fmt_ms(ceiling.p99_ms),
        ),
        list_row,
        Row(
            "3. If-None-Match → 304 (8 conn)",
            f"{revalidate.rps:,.0f} req/s",
            fmt_ms(revalidate.p50_ms),
            fmt_ms(revalidate.p99_ms),
        ),
        revalidate_row,
    ]
    if not args.read_only:
        rows += more_rows(ours)
    if isso is not None:
        rows += isso_rows(isso, listing, ours["post"])
    post_statuses = ours.get("post_statuses", Counter())
    lines = [
        f"## Benchmark, {when:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"load average before: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}.",
        f"Database: {'SQLite file' if not args.database_url else args.database_url.split(':')[0]}"
        f"; rate limits off; wrk and gunicorn (gunicorn.conf.py defaults: "
        f"{_workers()}) on one loopback; {args.seconds} s per run; "
        f"list, ceiling and 304 alternated over {args.rounds} rounds (ratios: median, range).",
        f"Compression: {'on' if ours['compressed'] else 'off'} (neither side compresses). "
        f"Keep-alive: {'on' if ours['keep_alive'] else 'off'} "
        "(gunicorn sync workers close every connection; so does Isso under its -w 4 sync).",
        f"Listing body: {ours['list_bytes']:,} bytes. 304 run: "
        + ", ".join(f"{n:,} x {s}" for s, n in sorted(ours["revalidate_statuses"].items()))
        + ". POST run: "
        + (", ".join(f"{n:,} x {s}" for s, n in sorted(post_statuses.items())) or "not run")
        + ".",
        "",
        "| measurement | throughput | p50 | p99 | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        label = row.label.strip() if not row.label.startswith("   ") else "↳ " + row.label.strip()
        cells = (label, row.value, row.p50, row.p99, row.ratio, row.target, row.met)
        lines.append("| " + " | ".join(cells) + " |")
    if isso is None:
        lines += ["", "Isso was not run (../shared/bench/isso missing or --no-isso)."]
    return "\n".join(lines) + "\n"


def more_rows(ours: dict) -> list[Row]:
    """Rows 4 to 7 (left out with --read-only)."""
    first_100, first_100k = ours["first_100"], ours["first_100k"]
    post, counts, likes = ours["post"], ours["counts"], ours["likes"]
    post_errors = post.extra.get("other", 0) + post.socket_errors
    return [
        Row(
            "4. first page, 100 comments and 100 replies (1 conn, no cache, best of 2)",
            f"{first_100.rps:,.0f} req/s",
            fmt_ms(first_100.p50_ms),
            fmt_ms(first_100.p99_ms),
        ),
        Row(
            "   first page, 100,000 comments and 10,000 replies",
            f"{first_100k.rps:,.0f} req/s",
            fmt_ms(first_100k.p50_ms),
            fmt_ms(first_100k.p99_ms),
        ),
        judged("   p50 100k / 100", first_100k.p50_ms / first_100.p50_ms, 1.2, at_least=False),
        Row(
            "5. POST, limits off (16 conn)",
            f"{post.rps:,.0f} req/s, {post.extra.get('created', 0):,} x 201, {post_errors} errors",
            fmt_ms(post.p50_ms),
            fmt_ms(post.p99_ms),
        ),
        Row(
            "6. counts for 100 articles (8 conn)",
            f"{counts.rps:,.0f} req/s",
            fmt_ms(counts.p50_ms),
            fmt_ms(counts.p99_ms),
        ),
        Row(
            "7. likes, limits off (16 conn)",
            f"{likes.rps:,.0f} req/s, {likes.extra.get('answered', 0):,} x 200, "
            f"{likes.extra.get('other', 0) + likes.socket_errors} errors",
            fmt_ms(likes.p50_ms),
            fmt_ms(likes.p99_ms),
        ),
    ]


def isso_rows(isso: dict, listing: Run, post: Run) -> list[Row]:
    post_errors = post.extra.get("other", 0) + post.socket_errors
    isso_list, isso_post = isso["list"], isso["post"]
    isso_errors = isso_post.extra.get("other", 0) + isso_post.socket_errors
    rows = [
        Row(
            "Isso 0.14: list 200, `&limit=20` (8 conn)",
            f"{isso_list.rps:,.1f} req/s",
            fmt_ms(isso_list.p50_ms),
            fmt_ms(isso_list.p99_ms),
        ),
        judged("   our list / Isso list", listing.rps / isso_list.rps, 20),
        Row(
            "Isso 0.14: POST /new, guard off (16 conn)",
            f"{isso_post.rps:,.0f} req/s, {isso_errors} errors",
            fmt_ms(isso_post.p50_ms),
            fmt_ms(isso_post.p99_ms),
        ),
    ]
    row = judged("   our POST / Isso POST", post.rps / isso_post.rps, 2)
    row.target = "≥ 2, 0 errors"
    if post_errors:
        row.met = "**no** (errors)"
    rows.append(row)
    return rows


def _workers() -> str:
    sys.path.insert(0, str(ROOT))
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own file
    return f"{settings['workers']} x {settings['worker_class']} worker" + (
        f", {settings['threads']} threads" if settings["worker_class"] == "gthread" else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--quick", action="store_true", help="3-second runs: a smoke test")
    parser.add_argument("--no-isso", action="store_true", help="skip the Isso comparison")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternated list / ceiling / 304 rounds"
    )
    parser.add_argument(
        "--read-only", action="store_true", help="only 1-3 (no writes, no Isso): for development"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="an EMPTY database to use instead of a fresh SQLite file",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="COMMENTS_RATELIMIT_STORAGE_URI for the service (limits stay off)",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds = 3
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.read_only:
        args.no_isso = True
    ensure_wrk()
    load_before = os.getloadavg()
    when = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="comments-bench-") as tmp:
        work = Path(tmp)
        ours = bench_ours(args, work)
        isso = None if args.no_isso else bench_isso(args.seconds, work)
    report = table(args, ours, isso, when, load_before)
    print()
    print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{when:%Y%m%d-%H%M%S}.md"
    out.write_text(report)
    say(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
