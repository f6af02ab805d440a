"""The Isso reader on real Isso files, and on files that only pretend to be."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from widget.models import Status
from widget.transfer import isso
from widget.transfer.isso import IssoReader
from widget.transfer.records import ImportFailure, Post, Record, Skip, Thread

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
SCHEMA = (IMPORTS / "isso-schema.sql").read_text()


def read(path: Path | str) -> list[Record]:
    return list(IssoReader(str(path)).records())


def posts(records: list[Record]) -> list[Post]:
    return [record for record in records if isinstance(record, Post)]


def threads(records: list[Record]) -> list[Thread]:
    return [record for record in records if isinstance(record, Thread)]


def failure(path: Path | str) -> str:
    with pytest.raises(ImportFailure) as caught:
        read(path)
    return str(caught.value)


def isso_db(path: Path, *rows: tuple[object, ...], schema: str = SCHEMA) -> Path:
    """An Isso database with one thread and these comments
    (id, parent, created, mode, text)."""
    with sqlite3.connect(path) as connection:
        connection.executescript(schema)
        connection.execute("INSERT INTO threads VALUES (1, '/post/', 'A post')")
        connection.executemany(
            "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author,"
            " email, likes, voters) VALUES (1, ?, ?, ?, ?, '192.0.2.0', ?, 'Ann', NULL, 0, x'')",
            rows,
        )
    connection.close()
    return path


# --- the shared files ------------------------------------------------------------


def test_the_real_blog_keeps_every_thread_comment_and_reply() -> None:
    records = read(IMPORTS / "isso-real-blog-anonymised.db")
    comments = posts(records)
    assert len(threads(records)) == 340
    assert len(comments) == 2687
    assert sum(post.parent is not None for post in comments) == 439
    assert not [record for record in records if isinstance(record, Skip)]
    assert {post.source for post in comments} == {"isso"}  # this one has no session key
    assert {post.status for post in comments} == {Status.PUBLISHED}
    # Its texts came from WordPress through Isso, as HTML: what readers saw is kept.
    by_key = {post.key: post for post in comments}
    assert by_key["15"].body == (
        "1、贫穷大都因为超生而引起…\n超生->贫穷->贫穷->再超生，悲哀啊\n"  # noqa: RUF001
        "2、现在农村越来越留不住人了，以前我们镇的小学1000+，现在不到300…\n\n都到外地上学去了"  # noqa: RUF001
    )
    assert not any("<p>" in post.body or "&gt;" in post.body for post in comments)
    first = by_key["1"]
    assert (first.thread, first.author, first.email) == (
        "1",
        "chengxuan",
        "reader1@example.invalid",
    )
    assert first.created_at == datetime.fromtimestamp(1329398948, UTC)
    assert by_key["2"].parent == "1"
    assert threads(records)[0] == Thread(
        key="1",
        identifier="/blog/volenteer-teaching-day0.html",
        url="/blog/volenteer-teaching-day0.html",
        title="支教前奏",
    )


def test_isso_from_disqus_converts_html_and_keeps_the_deleted_placeholder() -> None:
    reader = IssoReader(str(IMPORTS / "isso-generated-from-isso-disqus.db"))
    records = list(reader.records())
    assert reader.progress() == 1.0
    comments = posts(records)
    assert [(p.key, p.parent, p.status, p.body) for p in comments] == [
        ("1", None, Status.PUBLISHED, "..."),
        ("2", None, Status.DELETED, ""),
        ("3", "1", Status.PUBLISHED, "Hello, World."),
        ("4", "2", Status.PUBLISHED, "Hello, World."),
        ("5", None, Status.PUBLISHED, "Message from thread with empty title and id"),
    ]
    # Each Isso install has its own key: two sites' comment ids never meet.
    assert {p.source for p in comments} == {"isso:3dffa51a4e4e0247aa15024684a7a9b160238449513ad4f1"}
    assert [t.identifier for t in threads(records)] == ["/", "/blog/2013/02/12/redacted/index.html"]
    assert comments[0].address == "127.0.0.0"


def test_isso_from_wordpress_keeps_markdown_texts_as_typed() -> None:
    comments = posts(read(IMPORTS / "isso-generated-from-isso-wordpress.db"))
    assert len(comments) == 8
    # Isso flattened the WordPress nesting to one level.
    assert Counter(post.parent for post in comments if post.parent) == {"2": 3}
    assert [post.body for post in comments[:3]] == ["Erster!1", "Zweiter.", "Drölfter!"]
    assert comments[5].body == (
        "When you have a comment with multiple lines:  \nWordPress exports it like this."
    )
    assert comments[2].created_at == datetime(2014, 4, 29, 15, 21, 35, tzinfo=UTC)


def test_issos_json_import_format() -> None:
    records = read(IMPORTS / "isso-generic.json")
    assert threads(records) == [
        Thread(
            key="/posts/0001/", identifier="/posts/0001/", url="/posts/0001/", title="Test+post"
        ),
        Thread(
            key="/posts/0007/",
            identifier="/posts/0007/",
            url="/posts/0007/",
            title="Nat+%26+Miguel",
        ),
    ]
    spam, crazy = posts(records)
    assert (spam.source, spam.key, spam.thread) == ("isso-json", "/posts/0001/#0", "/posts/0001/")
    assert spam.body == "Great men can't be ruled. by free online poker"
    assert spam.email is None and spam.address is None  # "" and 0.0.0.0 name nobody
    assert spam.created_at == datetime(2005, 2, 24, 4, 3, 37, tzinfo=UTC)
    assert crazy.key == "/posts/0007/#0"  # ids repeat per thread
    assert crazy.email == "105421439@87750645.com"
    assert {spam.status, crazy.status} == {Status.PUBLISHED}


def test_the_schema_file_is_not_a_database() -> None:
    path = IMPORTS / "isso-schema.sql"
    assert failure(path) == f"{path} is not an SQLite database (nor an Isso JSON file)"


# --- hostile files -------------------------------------------------------------------


def test_random_bytes_and_an_empty_file(tmp_path: Path) -> None:
    noise = tmp_path / "noise.db"
    noise.write_bytes(random.Random(14).randbytes(50_000))
    assert failure(noise) == f"{noise} is not an SQLite database (nor an Isso JSON file)"
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert failure(empty) == f"{empty} is empty"
    assert failure(tmp_path / "missing.db").startswith("cannot read ")


def test_the_sqlite_header_and_garbage_after_it(tmp_path: Path) -> None:
    path = tmp_path / "fake.db"
    path.write_bytes(isso.SQLITE_MAGIC + random.Random(1).randbytes(8000))
    assert failure(path).startswith(f"{path} is ")


def test_another_apps_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.close()
    assert failure(path) == f"{path} is not an Isso database (no threads table)"


def test_a_comments_table_without_issos_columns(tmp_path: Path) -> None:
    path = tmp_path / "almost.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri TEXT, title TEXT);"
            "CREATE TABLE comments (id INTEGER PRIMARY KEY, tid INT, text TEXT);"
        )
    connection.close()
    assert failure(path) == f"{path} is not an Isso database (comments has no parent column)"


def test_a_view_pretending_to_be_the_comments_table_runs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "view.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri TEXT, title TEXT);"
            "CREATE VIEW comments AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL"
            " SELECT x + 1 FROM n) SELECT x AS id FROM n;"
        )
    connection.close()
    assert failure(path) == f"{path} is not an Isso database (no comments table)"


def test_a_truncated_database(tmp_path: Path) -> None:
    data = (IMPORTS / "isso-real-blog-anonymised.db").read_bytes()
    path = tmp_path / "cut.db"
    path.write_bytes(data[: len(data) // 2])
    assert failure(path).startswith(f"{path} is damaged or cut short (")


def test_a_missing_text_names_the_comment(tmp_path: Path) -> None:
    loose = SCHEMA.replace("text VARCHAR NOT NULL", "text VARCHAR")
    path = isso_db(tmp_path / "null.db", (1, None, 1.5e9, 1, "Fine."), (2, None, 1.5e9, 1, None),
                   schema=loose)  # fmt: skip
    assert failure(path) == f"{path} comment 2: text is missing (NULL)"


@pytest.mark.parametrize("created", ["yesterday", 1e300, -1e20, b"\x00"])
def test_a_nonsense_time_names_the_comment(tmp_path: Path, created: object) -> None:
    path = isso_db(tmp_path / "time.db", (1, None, 1.5e9, 1, "Fine."), (7, 1, created, 1, "Hm."))
    assert failure(path).startswith(f"{path} comment 7: created is not a time")


def test_an_unknown_mode_waits_for_moderation(tmp_path: Path) -> None:
    path = isso_db(
        tmp_path / "mode.db",
        (1, None, 1.5e9, 2, "Waiting."),
        (2, None, 1.5e9, 99, "Odd."),
        (3, None, 1.5e9, "accepted", "Odder."),
        (4, None, 1500000000.123456, 1, "Fine."),
    )
    comments = posts(read(path))
    assert [post.status for post in comments] == [Status.PENDING] * 3 + [Status.PUBLISHED]
    assert comments[3].created_at == datetime(2017, 7, 14, 2, 40, 0, 123456, tzinfo=UTC)
    assert {post.source for post in comments} == {"isso"}  # no session key stored


def test_text_that_is_not_utf8_is_read_with_replacement_characters(tmp_path: Path) -> None:
    path = isso_db(tmp_path / "latin1.db", (1, None, 1.5e9, 1, "x"))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE comments SET text = CAST(x'636166e9' AS TEXT)")
    connection.close()
    assert posts(read(path))[0].body == "caf\ufffd"


def test_a_text_beyond_anything_isso_allows_is_refused(tmp_path: Path) -> None:
    path = isso_db(tmp_path / "long.db", (1, None, 1.5e9, 1, "x" * (isso.MAX_TEXT + 5)))
    assert failure(path) == f"{path} comment 1: text is over 1,000,000 characters"


def test_a_comment_in_no_thread_is_skipped(tmp_path: Path) -> None:
    path = isso_db(tmp_path / "orphan.db", (1, None, 1.5e9, 1, "x"))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE comments SET tid = NULL")
    connection.close()
    assert read(path)[-1] == Skip(reason="in no thread")


# --- hostile JSON ------------------------------------------------------------------


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def comment(**changes: object) -> dict[str, object]:
    return {"id": 1, "author": "Ann", "created": "2020-01-02 03:04:05", "text": "Hi"} | changes


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"id": "/a/"}, "is not an Isso JSON file (not a list of threads)"),
        ([{"id": "/a/", "comments": [comment(created="2020-01-02")]}],
         "thread 1 comment 1: created is not a time (YYYY-MM-DD HH:MM:SS)"),
        ([{"id": "/a/", "comments": []}, {"id": "/b/", "comments": [comment(), comment(text=3)]}],
         "thread 2 comment 2: text is not a string"),
        ([{"id": "", "comments": []}], "thread 1: id is not a page address"),
        ([{"id": "/a/", "comments": {}}], "thread 1: comments is not a list"),
        ([{"id": "/a/", "comments": [comment(id=None)]}],
         "thread 1 comment 1: id is not a number or a string"),
    ],
)  # fmt: skip
def test_a_bad_json_file_names_the_place(tmp_path: Path, data: object, problem: str) -> None:
    path = write_json(tmp_path / "isso.json", data)
    assert failure(path) == f"{path} {problem}"


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "isso.json"
    path.write_text('[\n  {"id": "/a/",\n   "comments": [}\n]')
    assert failure(path) == f"{path} line 3 column 17: not valid JSON (Expecting value)"


def test_an_oversized_json_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_json(tmp_path / "isso.json", [{"id": "/a/", "comments": [comment()] * 50}])
    monkeypatch.setattr(isso, "MAX_JSON_BYTES", 1000)
    message = failure(path)
    assert message.startswith(f"{path} is 0 MB: an Isso JSON file over ")
    assert "cannot be imported, as the format cannot be read in parts" in message


def test_a_repeated_comment_id_in_one_thread_is_skipped(tmp_path: Path) -> None:
    data = [{"id": "/a/", "title": "A", "comments": [comment(), comment(text="Again")]}]
    records = read(write_json(tmp_path / "isso.json", data))
    assert records[-1] == Skip(reason="repeated comment id", thread="/a/")
