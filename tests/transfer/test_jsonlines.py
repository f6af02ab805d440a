"""Reading our own export back: every line checked, every fault names its line."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from widget.models import Status
from widget.transfer.jsonlines import MAX_LINE, JsonLinesReader
from widget.transfer.records import ImportFailure, Post


def line(**changes: Any) -> dict[str, Any]:
    """A line as the export writes it, with some fields changed."""
    data: dict[str, Any] = {
        "id": 7,
        "article_id": "post-1",
        "parent_id": 3,
        "author": "Zoë",
        "email": "zoe@example.org",
        "body": "Ça va ? 你好 \u2028 next",
        "status": "pending",
        "created_at": "2024-05-01T10:00:00.123456Z",
        "edited_at": "2024-05-01T10:05:00.000001Z",
        "edit_count": 1,
        "likes": 4,
        "reason": "first_post",
        "decision": None,
        "spam_score": 0.25,
        "sender_hash": "f" * 64,
        "source": "disqus",
        "source_id": "123",
    }
    data.update(changes)
    return data


def write(path: Path, *lines: dict[str, Any] | str) -> str:
    text = "".join(
        (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)) + "\n"
        for item in lines
    )
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def read(path: str) -> list[Post]:
    return list(JsonLinesReader(path).records())  # type: ignore[arg-type]


def failure(path: str) -> str:
    with pytest.raises(ImportFailure) as caught:
        read(path)
    return str(caught.value)


def test_a_line_becomes_the_comment_it_was(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.jsonl",
        line(),
        "",
        "   ",
        line(id=8, parent_id=None, source=None, source_id=None),
    )
    first, second = read(path)
    assert first.source == "json" and first.key == "7" and first.id == 7
    assert first.thread is None and first.parent == "3" and first.article_id == "post-1"
    assert (first.author, first.email, first.status) == ("Zoë", "zoe@example.org", Status.PENDING)
    assert first.body == "Ça va ? 你好 \u2028 next"  # U+2028 is no line break here
    assert first.created_at == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert first.likes == 4
    assert first.extra == {
        "edited_at": datetime(2024, 5, 1, 10, 5, 0, 1, tzinfo=UTC),
        "edit_count": 1,
        "reason": "first_post",
        "decision": None,
        "spam_score": 0.25,
        "sender_hash": "f" * 64,
        "origin": ("disqus", "123"),
    }
    # Blank lines are skipped; a comment of ours alone has no origin.
    assert second.parent is None and "origin" not in second.extra


def test_a_gzipped_export_reads_the_same(tmp_path: Path) -> None:
    plain = write(tmp_path / "export.jsonl", line(), line(id=8))
    packed = tmp_path / "export.data"  # told apart by content, not by name
    packed.write_bytes(gzip.compress(Path(plain).read_bytes()))
    reader = JsonLinesReader(str(packed))
    posts = list(reader.records())
    assert posts == read(plain)
    assert reader.progress() == 1.0


def test_a_cut_gzip_is_a_clear_failure(tmp_path: Path) -> None:
    body = "".join(json.dumps(line(id=n, parent_id=None)) + "\n" for n in range(1, 2000)).encode()
    packed = gzip.compress(body)
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    message = failure(str(path))
    assert message.startswith(f"{path} line ")
    assert "the compressed file is cut short" in message


def test_damaged_gzip_is_a_clear_failure(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"x" * 5000))
    packed[20:40] = b"\xff" * 20
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(bytes(packed))
    assert "line 1: cannot be read" in failure(str(path))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"id": 0}, "id is not a comment id"),
        ({"id": 2**31}, "id is not a comment id"),
        ({"id": "7"}, "id is not a comment id"),
        ({"id": True}, "id is not a comment id"),
        ({"parent_id": 1.5}, "parent_id is not a comment id"),
        ({"parent_id": 7}, "parent_id is the comment's own id"),
        ({"article_id": "../etc"}, "article_id is not a valid article ID"),
        ({"article_id": None}, "article_id is not a string"),
        ({"author": 5}, "author is not a string"),
        ({"email": ["a"]}, "email is not a string or null"),
        ({"body": None}, "body is not a string"),
        ({"status": "approved"}, "status is not one of deleted, pending, published, spam"),
        ({"created_at": "yesterday"}, "created_at is not a time"),
        ({"created_at": "2024-05-01T10:00:00+02:00"}, "created_at is not a time"),
        ({"created_at": "2024-02-30T10:00:00.000000Z"}, "created_at is not a time"),
        ({"created_at": None}, "created_at is not a time"),
        ({"edited_at": 1714557600}, "edited_at is not a time"),
        ({"edit_count": -1}, "edit_count is not a whole number from 0 to 32767"),
        ({"likes": 1.0}, "likes is not a whole number"),
        ({"reason": "x" * 65}, "reason is longer than 64 characters"),
        ({"decision": 3}, "decision is not a string or null"),
        ({"spam_score": 1.5}, "spam_score is not a number from 0 to 1"),
        ({"spam_score": "0.5"}, "spam_score is not a number from 0 to 1"),
        ({"sender_hash": None}, "sender_hash is not a string"),
        ({"source": None}, "source and source_id go together"),
        ({"source": "json"}, "source is 'json'"),
        ({"surprise": 1}, "has an unknown field 'surprise'"),
    ],
)
def test_every_bad_field_names_its_line(
    tmp_path: Path, changes: dict[str, Any], problem: str
) -> None:
    path = write(tmp_path / "export.jsonl", line(id=1), "", line(**changes))
    assert failure(path).startswith(f"{path} line 3: {problem}")


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    data = line()
    del data["created_at"]
    path = write(tmp_path / "export.jsonl", data)
    assert failure(path) == f"{path} line 1: has no created_at"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2]", "is not a JSON object"),
        ('{"id": 1,', "is not JSON (Expecting property name enclosed in double quotes"),
        ('{"id": 1, "id": 2}', "has 'id' twice"),
        ('{"spam_score": NaN}', "holds NaN, which is not a number"),
        ('{"id": ' + "9" * 5000 + "}", "is not JSON this service wrote"),
        ("[" * 100_000, "is not JSON this service wrote"),
    ],
)
def test_a_line_that_is_not_ours_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path / "export.jsonl", line(id=1), text)
    assert failure(path).startswith(f"{path} line 2: {problem}")


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b'{"author": "caf\xe9"}\n')
    assert failure(str(path)) == f"{path} line 1: is not UTF-8 (byte 16)"


def test_an_endless_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    with path.open("wb") as file:
        file.write(json.dumps(line(id=1)).encode() + b"\n")
        file.write(b" " * (MAX_LINE + 10))  # one huge line with no newline
    assert failure(str(path)) == f"{path} line 2: longer than 1024 KB (not a line of an export)"


def test_a_missing_file_is_a_clear_failure(tmp_path: Path) -> None:
    assert failure(str(tmp_path / "nope.jsonl")).startswith("cannot read ")
