"""``flask --app wsgi spam train|evaluate FILE.csv --text C --label C``: a
labelled file teaches the filter or measures it; a file that is not a labelled
CSV is one clear line and exit status 1, and teaches nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from bench.spam import VIDEOS
from widget.moderation import learning

from ..conftest import make_app, need
from .test_spam_filter import fresh_process, knowledge  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.usefixtures("backend")  # every test on SQLite and PostgreSQL

COLUMNS = ["--text", "CONTENT", "--label", "CLASS"]
SMALL = (
    "COMMENT_ID,CONTENT,CLASS\n"
    'a,"Subscribe to my channel, free gift cards every day!",1\n'
    "b,Her voice in the second verse gives me chills every time.,0\n"
    "c,Visit my page for cheap followers,spam\n"
    "d,Her voice in the second verse gives me chills every time.,ham\n"
    "e,,0\n"
)


@pytest.fixture
def app(tmp_path: Path, backend: str) -> Flask:
    return make_app(tmp_path)


def spam_cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["spam", *args])


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


# --- train -----------------------------------------------------------------------------


def test_train_says_how_many_texts_it_learnt_and_learns_each_once(
    app: Flask, tmp_path: Path
) -> None:
    path = write(tmp_path / "small.csv", SMALL)

    first = spam_cli(app, "train", str(path), *COLUMNS)

    assert first.exit_code == 0, first.output
    assert first.output.strip() == (
        f"Learnt 3 texts from {path} (2 spam, 2 good in the file; 1 already known as such; "
        "1 blank skipped)."
    )
    learnt = knowledge(app)
    assert (learnt.spam_docs, learnt.ham_docs) == (2, 1)

    again = spam_cli(app, "train", str(path), *COLUMNS)

    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"Learnt 0 texts from {path} ")
    assert "4 already known as such" in again.output
    assert knowledge(app) == learnt


def expected_training(path: Path, known: dict[str, bool]) -> tuple[int, int, int]:
    """How many texts of a YouTube file are new to a filter that knows ``known``
    (updated), and how many spam and good texts it holds, read with csv alone."""
    learnt = spam = good = 0
    with path.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            text, is_spam = row["CONTENT"], row["CLASS"] == "1"
            if not text.strip():
                continue
            spam, good = spam + is_spam, good + (not is_spam)
            if known.get(text) != is_spam:
                learnt, known[text] = learnt + 1, is_spam
    return learnt, spam, good


def test_train_four_videos_then_evaluate_the_fifth(app: Flask) -> None:
    need(len(VIDEOS) == 5, "../shared/data/youtube-spam")
    known: dict[str, bool] = {}
    for path in VIDEOS[:4]:
        learnt, spam, good = expected_training(path, known)
        result = spam_cli(app, "train", str(path), *COLUMNS)
        assert result.exit_code == 0, result.output
        assert result.output.startswith(
            f"Learnt {learnt} texts from {path} ({spam} spam, {good} good in the file; "
            f"{spam + good - learnt} already known as such;"
        ), result.output
    trained = knowledge(app)
    assert trained.spam_docs + trained.ham_docs == len(known)

    result = spam_cli(app, "evaluate", str(VIDEOS[4]), *COLUMNS)

    assert result.exit_code == 0, result.output
    spam_line, good_line = result.output.strip().splitlines()
    _, spam, good = expected_training(VIDEOS[4], {})
    with app.app_context(), VIDEOS[4].open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
        verdicts = [(learning.judge(r["CONTENT"]).likely, r["CLASS"] == "1") for r in rows]
    spam_held = sum(held for held, is_spam in verdicts if is_spam)
    good_held = sum(held for held, is_spam in verdicts if not is_spam)
    assert spam_line == f"Spam held: {spam_held} of {spam} ({spam_held / spam:.1%})"
    assert good_line == f"Good comments held: {good_held} of {good} ({good_held / good:.1%})"
    # A filter worth having, on a video it never saw.
    assert spam_held / spam >= 0.7
    assert good_held / good <= 0.02
    assert knowledge(app) == trained  # measuring teaches nothing


# --- files that are not labelled CSV ---------------------------------------------------


GOOD_ROWS = "".join(f"Comment number {n} about the song,{n % 2}\n" for n in range(200))
MALFORMED: dict[str, tuple[str | bytes | None, str]] = {
    # name: (content, or None for no file at all; what the one line must say)
    "missing column": ("COMMENT_ID,CONTENT\n1,Lovely song\n", "no column 'CLASS'"),
    "bad label": ("CONTENT,CLASS\nLovely song,0\nBuy followers,maybe\n", "line 3"),
    "bad label after 200 good rows": (
        f"CONTENT,CLASS\n{GOOD_ROWS}Buy followers,maybe\n",
        "line 202",
    ),
    "not UTF-8": (b"CONTENT,CLASS\nLovely song,0\nCaf\xe9 con leche,0\n", "not UTF-8"),
    "unclosed quote": ('CONTENT,CLASS\nLovely song,0\n"Buy followers,1\nNice,0\n', "line 3"),
    "ragged row": ("CONTENT,CLASS\nLovely song,0\nBuy followers,1,extra\n", "line 3"),
    "NUL character": ("CONTENT,CLASS\nLovely song,0\nBuy\x00followers,1\n", "line 3"),
    "empty file": ("", "empty"),
    "header only": ("CONTENT,CLASS\n", "no labelled text"),
    "missing file": (None, "No such file"),
}


@pytest.mark.parametrize("command", ["train", "evaluate"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_one_clear_line_and_teaches_nothing(
    app: Flask, tmp_path: Path, command: str, case: str
) -> None:
    assert spam_cli(app, "train", str(write(tmp_path / "good.csv", SMALL)), *COLUMNS).exit_code == 0
    before = knowledge(app)
    content, says = MALFORMED[case]
    path = tmp_path / "labelled.csv"
    if content is not None:
        write(path, content)

    line = one_line_error(spam_cli(app, command, str(path), *COLUMNS))

    assert str(path) in line
    assert says in line
    assert knowledge(app) == before


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_directory_is_one_clear_line(app: Flask, tmp_path: Path, command: str) -> None:
    folder = tmp_path / "exports.csv"
    folder.mkdir()

    line = one_line_error(spam_cli(app, command, str(folder), *COLUMNS))

    assert str(folder) in line
    assert "directory" in line.lower()


# --- evaluate on a filter that cannot judge yet ----------------------------------------


def test_evaluate_before_the_filter_is_trained_says_so(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "small.csv", SMALL)

    untrained = one_line_error(spam_cli(app, "evaluate", str(path), *COLUMNS))
    assert spam_cli(app, "train", str(path), *COLUMNS).exit_code == 0
    too_little = one_line_error(spam_cli(app, "evaluate", str(path), *COLUMNS))

    needs = f"needs {learning.TRUSTED_EXAMPLES} spam and {learning.TRUSTED_EXAMPLES} good"
    for line in (untrained, too_little):
        assert "has not learnt enough to judge" in line
        assert needs in line
