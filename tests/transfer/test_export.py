"""The export: exact bytes, deterministic gzip, stdout, and no half files."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from widget.extensions import db
from widget.models import Comment
from widget.transfer import export
from widget.transfer.models import ImportedComment, ImportRun

MAY_1 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)

# What the four comments below export as, byte for byte.
EXPECTED = (
    '{"id":1,"article_id":"post-1","parent_id":null,"author":"Zoë","email":"zoe@example.org",'
    '"body":"Ça va ? 你好 \u2028 “quoted”\\nsecond line","status":"published",'
    '"created_at":"2024-05-01T10:00:00.000000Z","edited_at":"2024-05-01T10:05:30.000123Z",'
    '"edit_count":2,"likes":3,"reason":null,"decision":null,"spam_score":0.125,'
    '"sender_hash":"aa","source":null,"source_id":null}\n'
    '{"id":2,"article_id":"post-1","parent_id":1,"author":"Bo","email":null,'
    '"body":"A reply held for a first post.","status":"pending",'
    '"created_at":"2024-05-01T10:00:00.999999Z","edited_at":null,"edit_count":0,"likes":0,'
    '"reason":"first_post","decision":null,"spam_score":null,"sender_hash":"bb",'
    '"source":null,"source_id":null}\n'
    '{"id":3,"article_id":"post-2","parent_id":null,"author":"Spammer","email":null,'
    '"body":"Cheap pills","status":"spam","created_at":"2024-05-01T10:00:00.000000Z",'
    '"edited_at":null,"edit_count":0,"likes":0,"reason":"blocked_phrase","decision":null,'
    '"spam_score":0.9975,"sender_hash":"cc","source":null,"source_id":null}\n'
    '{"id":4,"article_id":"post-2","parent_id":null,"author":"Old reader","email":null,'
    '"body":"From Disqus <b>tags</b> & all","status":"deleted",'
    '"created_at":"2011-01-02T03:04:05.000000Z","edited_at":null,"edit_count":0,"likes":0,'
    '"reason":null,"decision":"Off topic.","spam_score":null,"sender_hash":"dd",'
    '"source":"disqus","source_id":"123456"}\n'
).encode()


def add_comments(app: Flask) -> None:
    """One comment of each status, a reply, likes, an edit and an imported one."""
    with app.app_context():
        db.session.add_all(
            [
                Comment(
                    id=1,
                    article_id="post-1",
                    author="Zoë",
                    email="zoe@example.org",
                    body="Ça va ? 你好 \u2028 “quoted”\nsecond line",
                    created_at=MAY_1,
                    edited_at=datetime(2024, 5, 1, 10, 5, 30, 123, tzinfo=UTC),
                    edit_count=2,
                    likes=3,
                    spam_score=0.125,
                    sender_hash="aa",
                ),
                Comment(
                    id=2,
                    article_id="post-1",
                    parent_id=1,
                    root_id=1,
                    author="Bo",
                    body="A reply held for a first post.",
                    status="pending",
                    reason="first_post",
                    created_at=MAY_1.replace(microsecond=999999),
                    sender_hash="bb",
                ),
                Comment(
                    id=3,
                    article_id="post-2",
                    author="Spammer",
                    body="Cheap pills",
                    status="spam",
                    reason="blocked_phrase",
                    spam_score=0.9975,
                    created_at=MAY_1,
                    sender_hash="cc",
                ),
                Comment(
                    id=4,
                    article_id="post-2",
                    author="Old reader",
                    body="From Disqus <b>tags</b> & all",
                    status="deleted",
                    decision="Off topic.",
                    created_at=datetime(2011, 1, 2, 3, 4, 5, tzinfo=UTC),
                    sender_hash="dd",
                ),
            ]
        )
        run = ImportRun(format="disqus", file="disqus.xml")
        db.session.add(run)
        db.session.flush()
        db.session.add_all(
            [  # our own export's id is not where it came from: Disqus is
                ImportedComment(comment_id=4, source="json", key="4", run_id=run.id),
                ImportedComment(comment_id=4, source="disqus", key="123456", run_id=run.id),
            ]
        )
        db.session.commit()


def export_to(app: Flask, target: Path) -> int:
    with app.app_context():
        return export.write(str(target))


def test_each_status_exports_exactly(app: Flask, tmp_path: Path) -> None:
    add_comments(app)
    target = tmp_path / "export.jsonl"
    assert export_to(app, target) == 4
    assert target.read_bytes() == EXPECTED
    # Private data: only the person who exported can read it.
    assert target.stat().st_mode & 0o077 == 0


def test_comment_lines_filters_and_pages(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    add_comments(app)
    monkeypatch.setattr(export, "PAGE", 1)  # every comment its own page
    with app.app_context():
        lines = list(export.comment_lines(Comment.article_id == "post-2"))
        everything = list(export.comment_lines())
    assert [line["id"] for line in lines] == [3, 4]
    assert list(lines[1]) == list(export.FIELDS)
    assert b"".join(export.encode_line(line) for line in everything) == EXPECTED


# The tests below write what the two above read: one database is enough.


def test_gzip_is_deterministic(sqlite_app: Flask, tmp_path: Path) -> None:
    app = sqlite_app
    add_comments(app)
    export_to(app, tmp_path / "a.jsonl.gz")
    export_to(app, tmp_path / "b.jsonl.gz")
    packed = (tmp_path / "a.jsonl.gz").read_bytes()
    assert packed == (tmp_path / "b.jsonl.gz").read_bytes()
    assert packed[4:8] == b"\0\0\0\0"  # no time in the header
    assert gzip.decompress(packed) == EXPECTED


def test_the_command_to_a_file_and_to_standard_output(sqlite_app: Flask, tmp_path: Path) -> None:
    add_comments(sqlite_app)
    runner = sqlite_app.test_cli_runner()
    result = runner.invoke(args=["export", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == EXPECTED  # nothing but the lines
    target = tmp_path / "all.jsonl"
    result = runner.invoke(args=["export", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Exported 4 comments to {target}.\n"
    assert [json.loads(line)["status"] for line in target.read_text().split("\n")[:-1]] == [
        "published",
        "pending",
        "spam",
        "deleted",
    ]


def test_a_failed_export_leaves_no_file(
    sqlite_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sqlite_app
    add_comments(app)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "export.jsonl"
    target.write_bytes(b"yesterday's export\n")

    def disk_fills_up(*conditions: Any) -> Any:
        yield {"id": 1}
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "comment_lines", disk_fills_up)
    with pytest.raises(export.ExportFailure) as caught:
        export_to(app, target)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    # The earlier export is untouched and no partial file is left beside it.
    assert target.read_bytes() == b"yesterday's export\n"
    assert [path.name for path in folder.iterdir()] == ["export.jsonl"]


def test_a_folder_that_does_not_exist_is_a_clear_message(sqlite_app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "export.jsonl"
    result = sqlite_app.test_cli_runner().invoke(args=["export", str(target)])
    assert result.exit_code == 1
    assert f"cannot write {target}: No such file or directory" in result.output
    assert "Traceback" not in result.output


def test_a_lone_surrogate_is_escaped_not_fatal() -> None:
    line = {"id": 1, "body": "half \ud83d of an emoji"}
    encoded = export.encode_line(line)
    assert encoded == b'{"id":1,"body":"half \\ud83d of an emoji"}\n'
    assert json.loads(encoded) == line
