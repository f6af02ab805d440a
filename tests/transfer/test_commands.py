"""The import commands as an operator runs them: --map, --dry-run, the
summary, the progress bar, and files that cannot be read."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import comments_url
from widget.transfer import commands, readahead

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
SCHNACK = IMPORTS / "schnack-disqus.xml"


def counts(client: FlaskClient, *article_ids: str) -> dict[str, int]:
    query = "&".join(f"article_id={a}" for a in article_ids)
    return client.get(f"/api/v1/counts?{query}").get_json()["counts"]


def schnack_threads(runner: Any) -> dict[str, str]:
    """Each thread of the schnack file and the article ID it gets by default."""
    result = runner.invoke(args=["import", "disqus", str(SCHNACK), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.split("Source thread -> article ID (comments):\n")[1].splitlines()
    chosen = {}
    for line in lines:
        if " -> " in line:
            label, _, rest = line.strip().rpartition(" -> ")
            chosen[label] = rest.split(" (")[0]
    return chosen


def test_a_dry_run_lists_the_threads_and_writes_nothing(
    app: Flask, client: FlaskClient, runner: Any
) -> None:
    chosen = schnack_threads(runner)
    assert len(chosen) == 2
    assert all(counts(client, *chosen.values())[a] == 0 for a in chosen.values())
    result = runner.invoke(args=["import", "disqus", str(SCHNACK), "--dry-run"])
    assert result.output.startswith("Would import 5 comments into 2 articles")
    assert result.output.rstrip().endswith("Dry run: nothing was written.")


def test_a_map_file_chooses_the_article_ids(
    app: Flask, client: FlaskClient, runner: Any, tmp_path: Path
) -> None:
    first, second = schnack_threads(runner)
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"source,article_id\n{first},story-one\n{second},story-two\n")
    result = runner.invoke(args=["import", "disqus", str(SCHNACK), "--map", str(mapping)])
    assert result.exit_code == 0, result.output
    assert f"{first} -> story-one" in result.output
    assert sum(counts(client, "story-one", "story-two").values()) == 5
    listing = client.get(comments_url("story-one")).get_json()
    assert listing["total"] >= 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("https://a.example/x,not an id\n", "map.csv line 1: 'not an id' is not a valid"),
        ("a,b,c\n", "map.csv line 1: expected two columns"),
        ("https://a.example/x,ok\n\xff\n", None),
    ],
)
def test_a_bad_map_file_is_one_line_and_imports_nothing(
    app: Flask, client: FlaskClient, runner: Any, tmp_path: Path, rows: str, message: str | None
) -> None:
    mapping = tmp_path / "map.csv"
    if message is None:
        mapping.write_bytes(rows.encode("latin-1"))
        message = "map.csv: not a UTF-8 CSV file"
    else:
        mapping.write_text(rows)
    result = runner.invoke(args=["import", "disqus", str(SCHNACK), "--map", str(mapping)])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    assert "Traceback" not in result.output
    chosen = schnack_threads(runner)
    assert sum(counts(client, *chosen.values()).values()) == 0


@pytest.mark.parametrize("form", ["disqus", "wordpress", "isso", "json"])
def test_a_missing_file_is_one_line_and_status_1(
    app: Flask, runner: Any, tmp_path: Path, form: str
) -> None:
    result = runner.invoke(args=["import", form, str(tmp_path / "nowhere.xml")])
    assert result.exit_code == 1, result.output
    assert "nowhere.xml" in result.output and "Nothing was imported." in result.output
    assert "Traceback" not in result.output


class _Reader:
    def __init__(self) -> None:
        self.share = 0.5

    def progress(self) -> float | None:
        return self.share


def test_progress_is_a_bar_on_a_terminal_and_silent_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for tty in (True, False):
        stream = io.StringIO()
        stream.isatty = lambda tty=tty: tty  # type: ignore[method-assign]
        monkeypatch.setattr(commands.sys, "stderr", stream)
        clock = iter([100.0, 102.0, 102.1, 104.0])
        monkeypatch.setattr(commands.time, "monotonic", lambda clock=clock: next(clock))
        progress = commands.Progress(_Reader())  # type: ignore[arg-type]
        progress(20_000)  # 2 s in: shown
        progress(20_500)  # 0.1 s later: too soon to redraw
        progress(40_000)
        progress.done()
        shown = stream.getvalue()
        if tty:
            assert "[" + "#" * 15 + "." * 15 + "]  50%" in shown
            assert "20,000 comments  10,000/s" in shown
            assert "20,500" not in shown and "40,000 comments  10,000/s" in shown
        else:
            assert shown == ""


def test_a_large_file_is_read_in_a_process_of_its_own_with_the_same_result(
    app: Flask, client: FlaskClient, runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readahead, "IN_PROCESS_BELOW", 0)  # every file counts as large
    monkeypatch.setattr(readahead, "CHUNK", 2)
    real = IMPORTS / "disqus-real-blog-anonymised.xml"
    result = runner.invoke(args=["import", "disqus", str(real)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported 2,693 comments into 340 articles")
    # A file that breaks late: the child's error reaches the operator as
    # one line, and nothing is written.
    broken = tmp_path / "broken.xml"
    broken.write_bytes(SCHNACK.read_bytes()[:-40])
    result = runner.invoke(args=["import", "disqus", str(broken)])
    assert result.exit_code == 1
    assert "broken.xml: not well-formed XML at line" in result.output
    assert "Traceback" not in result.output
    chosen = schnack_threads(runner)
    assert sum(counts(client, *chosen.values()).values()) == 0
