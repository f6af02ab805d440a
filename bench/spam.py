"""``make bench``, the spam filter: real labelled spam, and what scoring costs.

1. The YouTube Spam Collection (../shared/data/youtube-spam, five videos), the
   usual protocol: train on four videos, test on the fifth, for each of the
   five. Per held-out video, the share of spam held and of good comments
   held, for the filter alone (``learning.judge``) and for the whole posting
   path: every comment of the fifth video posted to one article through the
   JSON API as the box posts it (a form token fetched beforehand and older
   than COMMENTS_MIN_FILL_SECONDS, its author's own address), with the length
   minimum set to 1 so short YouTube comments can be posted and rate limits
   off (readers wrote these over months; the script posts them in seconds).
   Everything else is the default. Refused comments count as held.
2. Scoring latency: ``learning.judge`` (what a post pays: the filter's
   revision comes with the post's other circumstances, in the statement it
   makes anyway; then the features, the score and its rank) with a model
   trained on 10,000 texts, p50 and p99, on SQLite and, when reachable,
   PostgreSQL.

``python bench/spam.py`` prints both tables; ``--video N`` runs one fold.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
VIDEOS = sorted((DATA / "youtube-spam").glob("Youtube0*.csv"))
ISSO_BLOG = DATA / "imports" / "isso-real-blog-anonymised.db"
RESULTS = ROOT / "bench-results"
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from widget import create_app  # noqa: E402
from widget.extensions import db  # noqa: E402
from widget.models import Comment  # noqa: E402
from widget.moderation import classifier, learning, training  # noqa: E402


@dataclass(frozen=True)
class Row:
    author: str
    text: str
    is_spam: bool


def read_video(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Row(row["AUTHOR"], row["CONTENT"], row["CLASS"] == "1") for row in csv.DictReader(file)
        ]


@dataclass
class Share:
    """How many of the spam and of the good comments were held."""

    spam: int = 0
    spam_held: int = 0
    good: int = 0
    good_held: int = 0

    def add(self, row: Row, held: bool) -> None:
        if row.is_spam:
            self.spam, self.spam_held = self.spam + 1, self.spam_held + held
        else:
            self.good, self.good_held = self.good + 1, self.good_held + held

    @property
    def spam_rate(self) -> float:
        return self.spam_held / self.spam

    @property
    def good_rate(self) -> float:
        return self.good_held / self.good


@dataclass
class Fold:
    video: str
    alone: Share = field(default_factory=Share)
    path: Share = field(default_factory=Share)
    # Why good comments were stopped on the whole path (reason or refusal).
    good_stopped: Counter[str] = field(default_factory=Counter)
    spam_stopped: Counter[str] = field(default_factory=Counter)


def make_app(folder: Path, database_url: str | None = None, **settings: object) -> Flask:
    url = database_url or f"sqlite:///{folder / 'comments.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "RATELIMIT_ENABLED": False,
            "MIN_LENGTH": 1,
            **settings,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def train_on(app: Flask, videos: list[Path]) -> None:
    texts = [(row.text, row.is_spam) for video in videos for row in read_video(video)]
    with app.app_context():
        training.train(training.Labelled(texts, 0), "four videos", "bench")


def _address(author: str) -> str:
    """A stable documentation-range address per author (their own connection)."""
    digest = hashlib.sha256(author.encode()).digest()
    return f"198.18.{digest[0]}.{digest[1]}"


def run_fold(held_out: Path, folder: Path) -> Fold:
    app = make_app(folder)
    train_on(app, [video for video in VIDEOS if video != held_out])
    rows = read_video(held_out)
    fold = Fold(held_out.stem.removeprefix("Youtube0").split("-", 1)[1])
    with app.app_context():
        for row in rows:
            fold.alone.add(row, learning.judge(row.text).likely)
    client = app.test_client()
    article = "video-" + fold.video.lower()
    url = f"/api/v1/articles/{article}/comments"
    tokens = []
    for row in rows:
        listing = client.get(url, environ_base={"REMOTE_ADDR": _address(row.author)})
        tokens.append(listing.get_json()["form"]["token"])
    time.sleep(app.config["MIN_FILL_SECONDS"] + 0.5)  # as a reader takes time to write
    for row, token in zip(rows, tokens, strict=True):
        answer = client.post(
            url,
            json={"author": row.author.strip() or "Reader", "body": row.text, "token": token},
            environ_base={"REMOTE_ADDR": _address(row.author)},
        )
        data = answer.get_json()
        if answer.status_code == 201:
            fold.path.add(row, False)
            continue
        fold.path.add(row, True)
        if answer.status_code == 202:
            with app.app_context():
                reason = db.session.scalar(
                    db.select(Comment.reason).where(Comment.id == data["id"])
                )
            why = f"held: {reason}"
        else:
            detail = next(iter(data.get("fields", {}).values()), [data.get("message", "")])[0]
            why = f"refused {answer.status_code}: {detail[:60]}"
        (fold.spam_stopped if row.is_spam else fold.good_stopped)[why] += 1
    return fold


def pct(value: float) -> str:
    return f"{value:.1%}"


def folds_table(folds: list[Fold]) -> str:
    lines = [
        "| held-out video | spam held, filter alone | good held, filter alone "
        "| spam held, whole path | good held, whole path |",
        "| --- | --- | --- | --- | --- |",
    ]
    for fold in folds:
        alone, path = fold.alone, fold.path
        lines.append(
            f"| {fold.video} | {pct(alone.spam_rate)} ({alone.spam_held}/{alone.spam}) "
            f"| {pct(alone.good_rate)} ({alone.good_held}/{alone.good}) "
            f"| {pct(path.spam_rate)} ({path.spam_held}/{path.spam}) "
            f"| {pct(path.good_rate)} ({path.good_held}/{path.good}) |"
        )

    def mean(values: list[float]) -> str:
        return pct(statistics.fmean(values))

    lines.append(
        f"| **average of the five** | {mean([f.alone.spam_rate for f in folds])} "
        f"| {mean([f.alone.good_rate for f in folds])} "
        f"| {mean([f.path.spam_rate for f in folds])} "
        f"| {mean([f.path.good_rate for f in folds])} |"
    )
    good: Counter[str] = sum((f.good_stopped for f in folds), Counter())
    spam: Counter[str] = sum((f.spam_stopped for f in folds), Counter())
    lines.append("")
    lines.append("Why the whole path stopped good comments: " + _reasons(good))
    lines.append("")
    lines.append("Why it stopped spam: " + _reasons(spam))
    return "\n".join(lines)


def _reasons(counter: Counter[str]) -> str:
    return "; ".join(f"{why} ({n})" for why, n in counter.most_common()) or "none"


# --- scoring latency -------------------------------------------------------------


def ten_thousand_texts() -> list[tuple[str, bool]]:
    """10,000 labelled texts: every YouTube comment, the real blog's comments
    (Isso export, read as good), and copies of both with their words shuffled
    (new word pairs and spellings, so the model grows as with new texts)."""
    texts = [(row.text, row.is_spam) for video in VIDEOS for row in read_video(video)]
    with sqlite3.connect(f"file:{ISSO_BLOG}?mode=ro", uri=True) as blog:
        texts += [(text, False) for (text,) in blog.execute("SELECT text FROM comments")]
    shuffler = random.Random(12)  # noqa: S311 - a repeatable shuffle, not a secret
    originals = list(texts)
    while len(texts) < 10_000:
        text, is_spam = shuffler.choice(originals)
        words = text.split()
        shuffler.shuffle(words)
        texts.append((" ".join(words) + f" {len(texts)}", is_spam))
    return texts[:10_000]


@contextmanager
def _temporary_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="comments-spam-bench-") as tmp:
        yield Path(tmp)


def latency(database_url: str | None, texts: list[tuple[str, bool]], probes: list[str]) -> dict:
    with _temporary_folder() as folder:
        app = make_app(folder, database_url)
        with app.app_context():
            started = time.perf_counter()
            training.train(training.Labelled(texts, 0), "10,000 texts", "bench")
            trained = time.perf_counter() - started
            model = learning.current()  # the model, in this process
            # A post reads the filter's revision with its other circumstances,
            # in the statement it makes anyway (defences.circumstances).
            revision = (model.model_id, model.revision)
            judged, scored = [], []
            for text in probes:
                begun = time.perf_counter()
                learning.judge(text, revision)
                middle = time.perf_counter()
                model.counts.score(classifier.features(text), model.vocabulary)
                scored.append(time.perf_counter() - middle)
                judged.append(middle - begun)
            return {
                "p50": statistics.median(judged) * 1000,
                "p99": sorted(judged)[int(len(judged) * 0.99)] * 1000,
                "score_p50": statistics.median(scored) * 1000,
                "train": trained,
            }


def latency_table(results: dict[str, dict]) -> str:
    lines = [
        "| database | a post's judgement, p50 | p99 | of which scoring, p50 "
        "| training 10,000 texts (once) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, found in results.items():
        lines.append(
            f"| {name} | {found['p50']:.3f} ms | {found['p99']:.3f} ms "
            f"| {found['score_p50']:.3f} ms | {found['train']:.1f} s |"
        )
    return "\n".join(lines)


def _postgres_url() -> str | None:
    url = os.environ.get("BENCH_SPAM_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    try:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3):
            return url
    except Exception:  # unreachable: the table leaves PostgreSQL out
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=int, choices=range(1, 6), help="run this fold only")
    parser.add_argument("--no-latency", action="store_true", help="the table of videos only")
    parser.add_argument("--latency", action="store_true", help="the latency table only")
    args = parser.parse_args()
    when = datetime.now(UTC)
    report = [
        f"Spam filter, {when:%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores"
    ]
    if not args.latency:
        chosen = [VIDEOS[args.video - 1]] if args.video else VIDEOS
        folds = []
        for video in chosen:
            print(f"[bench] spam: holding out {video.name}", flush=True)
            with _temporary_folder() as folder:
                folds.append(run_fold(video, folder))
        report.append(folds_table(folds))
    if not args.no_latency:
        report.append(_latencies())
    text = "\n\n".join(report)
    print()
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"spam-{when:%Y%m%d-%H%M%S}.md").write_text(text + "\n")


def _latencies() -> str:
    texts = ten_thousand_texts()
    probes = [row.text for row in read_video(VIDEOS[-1])][:300]
    results = {"SQLite": latency(None, texts, probes)}
    postgres = _postgres_url()
    if postgres:
        results["PostgreSQL"] = latency(postgres, texts, probes)
    return latency_table(results)


if __name__ == "__main__":
    main()
