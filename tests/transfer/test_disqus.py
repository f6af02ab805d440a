"""The Disqus reader on real exports: what comes out is what readers will see
(pages, replies under their parents, statuses, readable text, times)."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from widget.models import Status
from widget.transfer.disqus import DisqusReader
from widget.transfer.records import Post, Record, Skip, Thread

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
HEAD = '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
HTML_TAG = re.compile(r"</?(?:p|br|a|b|i|code|div|span)\b[^>]*>")


def read(path: Path) -> list[Record]:
    return list(DisqusReader(path).records())


def split(records: list[Record]) -> tuple[list[Thread], dict[str, Post], list[Skip]]:
    threads = [r for r in records if isinstance(r, Thread)]
    posts = {r.key: r for r in records if isinstance(r, Post)}
    skips = [r for r in records if isinstance(r, Skip)]
    return threads, posts, skips


def write(tmp_path: Path, body: str, name: str = "disqus.xml") -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n{HEAD}\n{body}\n</disqus>\n')
    return path


def depth(posts: dict[str, Post], post: Post) -> int:
    levels = 0
    while post.parent is not None:
        post = posts[post.parent]
        levels += 1
    return levels


def test_isso_test_file_threads_stubs_and_orphans() -> None:
    threads, posts, skips = split(read(IMPORTS / "isso-disqus.xml"))
    assert threads == [
        Thread("2", identifier="some-id", url="http://example.org/", title="Hello, World!"),
        Thread("3"),  # a stub: empty <id/>, no link; nothing names its page
        Thread("7", url="http://localhost:4000/blog/2013/02/12/redacted/index.html", title=None),
    ]
    assert list(posts) == ["4", "5", "6", "8", "9", "11"] and skips == []
    assert {key: post.thread for key, post in posts.items()} == {
        "4": "2", "5": "2", "6": "1337", "8": "7", "9": "2", "11": "2"
    }  # fmt: skip
    # Threads and parents are the importer's to resolve: 1337 is not in the file.
    assert posts["5"].parent == "4" and posts["11"].parent == "9"
    assert posts["9"].status == Status.DELETED and posts["9"].body == ""
    assert [p.status for k, p in posts.items() if k != "9"] == [Status.PUBLISHED] * 5
    assert posts["5"].body == "Hello, World."  # HTML in CDATA, as text
    assert posts["8"].body == "Message from thread with empty title and id"
    assert (posts["5"].author, posts["5"].email, posts["5"].address) == (
        "user", "foo@bar.com", "127.0.0.1"
    )  # fmt: skip
    assert posts["4"].created_at == datetime(2013, 10, 10, 19, 20, 29, tzinfo=UTC)
    assert {p.source for p in posts.values()} == {"disqus"}


def test_schnack_file_keeps_replies_three_deep() -> None:
    threads, posts, skips = split(read(IMPORTS / "schnack-disqus.xml"))
    assert [(t.key, t.identifier, t.url, t.title) for t in threads] == [
        ("3057176120", "foo", "http://localhost:3000/foo/", "Welcome"),
        ("3057176121", "bar", "http://localhost:3000/bar/", "Bar!"),
    ]
    assert len(posts) == 5 and skips == []
    chain = posts["1690992879"]
    assert depth(posts, chain) == 3
    assert [chain.parent, posts["1690922142"].parent, posts["1664831530"].parent] == [
        "1690922142", "1664831530", "1664694813"
    ]  # fmt: skip
    assert posts["1664694813"].body == (
        "Hey, wow!\n\n// Amazing post.\n\nCheck example (http://example.example)."
    )
    assert posts["1664831530"].body == "Hi Moritz,\n\nthanks for reading!"
    assert posts["1664694824"].thread == "3057176121"


def test_a_real_blogs_export_reads_whole() -> None:
    threads, posts, skips = split(read(IMPORTS / "disqus-real-blog-anonymised.xml"))
    assert (len(threads), len(posts), len(skips)) == (569, 2693, 0)
    assert Counter(p.status for p in posts.values()) == {
        Status.PUBLISHED: 2687,
        Status.DELETED: 6,
    }
    replies = [p for p in posts.values() if p.parent is not None]
    assert len(replies) == 439
    assert Counter(depth(posts, p) for p in posts.values()) == {
        0: 2254, 1: 348, 2: 51, 3: 25, 4: 10, 5: 5
    }  # fmt: skip
    assert threads[0] == Thread(
        "4590132107",
        identifier="/blog/volenteer-teaching-day0.html",
        url="http://www.tanglei.name/blog/volenteer-teaching-day0.html",
        title="支教前奏",
    )
    assert not [p.key for p in posts.values() if HTML_TAG.search(p.body)]
    assert all(p.email and p.email.endswith("@example.invalid") for p in posts.values())
    assert all(p.created_at.tzinfo is UTC for p in posts.values())
    assert posts["2521125803"].body == "@tl3shi\n应该和你一样\uff0c大三"
    # Entities decoded once: the file's "&gt;&gt;&gt;" is Python's prompt.
    code = next(p.body for p in posts.values() if "Traceback" in p.body)
    assert ">>> elements" in code and 'File "<stdin>", line 1, in <module>' in code


def test_statuses_from_the_flags(tmp_path: Path) -> None:
    thread = '<thread dsq:id="t"/><createdAt>2020-01-01T00:00:00Z</createdAt>'
    flags = {
        "spam": "<isSpam>true</isSpam><isDeleted>true</isDeleted>",
        "deleted": "<isSpam>false</isSpam><isDeleted>true</isDeleted>",
        "waiting": "<isApproved>false</isApproved>",
        "approved": "<isApproved>true</isApproved><isSpam>false</isSpam>",
        "plain": "",
    }
    path = write(
        tmp_path,
        '<thread dsq:id="t"><link>https://example.org/a</link></thread>'
        + "".join(
            f'<post dsq:id="{key}"><message>x</message>{thread}{xml}</post>'
            for key, xml in flags.items()
        ),
    )
    _, posts, _ = split(read(path))
    assert {key: post.status for key, post in posts.items()} == {
        "spam": Status.SPAM,
        "deleted": Status.DELETED,
        "waiting": Status.PENDING,
        "approved": Status.PUBLISHED,
        "plain": Status.PUBLISHED,
    }


def test_times_in_every_shape_disqus_writes_end_as_utc(tmp_path: Path) -> None:
    times = {
        "z": "2013-10-10T19:20:29Z",
        "bare": "2013-10-10T19:20:29",
        "fraction": "2013-10-10T19:20:29.250Z",
        "offset": "2013-10-10T21:20:29+02:00",
        "none": "",
        "junk": "yesterday",
    }
    path = write(
        tmp_path,
        '<thread dsq:id="dated"><createdAt>2012-12-12T12:12:12Z</createdAt></thread>'
        + "".join(
            f'<post dsq:id="{key}"><thread dsq:id="dated"/><createdAt>{value}</createdAt>'
            "<message>x</message></post>"
            for key, value in times.items()
        )
        + '<post dsq:id="lost"><thread dsq:id="gone"/><message>x</message></post>',
    )
    _, posts, skips = split(read(path))
    when = datetime(2013, 10, 10, 19, 20, 29, tzinfo=UTC)
    assert posts["z"].created_at == posts["bare"].created_at == when
    assert posts["offset"].created_at == when and posts["offset"].created_at.tzinfo is UTC
    assert posts["fraction"].created_at == when.replace(microsecond=250000)
    # Without a time of its own, a post takes its thread's; else it is skipped.
    assert (
        posts["none"].created_at
        == posts["junk"].created_at
        == datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)
    )
    assert skips == [Skip("no date", "gone")]


def test_authors_ids_and_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "other-prefix.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:d="http://disqus.com/disqus-internals">'
        '<category d:id="1"><title>General</title></category>'
        '<thread d:id="t"><id>page-1</id></thread>'
        '<post d:id="named"><thread d:id="t"/><createdAt>2020-01-01T00:00:00Z</createdAt>'
        "<author><name> Ada </name><email> ada@example.org\n</email><username>ada</username>"
        "</author><message>&lt;p&gt;Hi &amp;amp;lt; bye&lt;/p&gt;</message></post>"
        '<post d:id="username"><thread d:id="t"/><createdAt>2020-01-01T00:00:00Z</createdAt>'
        "<author><name></name><email></email><username>grace</username></author>"
        "<message>x</message><ipAddress></ipAddress></post>"
        '<post d:id="nobody"><thread d:id="t"/><createdAt>2020-01-01T00:00:00Z</createdAt>'
        "<message>x</message></post>"
        '<post><thread d:id="t"/><createdAt>2020-01-01T00:00:00Z</createdAt></post>'
        '<post d:id="homeless"><createdAt>2020-01-01T00:00:00Z</createdAt></post>'
        "</disqus>"
    )
    threads, posts, skips = split(read(path))
    assert threads == [Thread("t", identifier="page-1")]  # categories are ignored
    assert (posts["named"].author, posts["named"].email) == ("Ada", "ada@example.org")
    # XML gives <p>Hi &amp;lt; bye</p>, HTML gives that text: each decoded once.
    assert posts["named"].body == "Hi &lt; bye"
    assert (posts["username"].author, posts["username"].email) == ("grace", None)
    assert posts["username"].address is None
    assert (posts["nobody"].author, posts["nobody"].email) == ("", None)
    assert skips == [Skip("no id", "t"), Skip("no thread")]


def test_progress_runs_from_start_to_end() -> None:
    reader = DisqusReader(IMPORTS / "disqus-real-blog-anonymised.xml")
    assert reader.progress() is None  # not opened yet
    seen = [reader.progress() for _ in reader.records()]
    assert 0 < seen[0] < 0.1 and seen == sorted(seen)  # type: ignore[type-var]
    assert reader.progress() == 1.0


def test_memory_stays_flat_however_long_the_file(tmp_path: Path) -> None:
    path = tmp_path / "large.xml"
    words = "words " * 170  # ~1 kB a comment: 20 MB held if posts were kept
    with path.open("w") as out:
        out.write(HEAD)
        out.write('<thread dsq:id="t"><createdAt>2013-10-10T19:20:29Z</createdAt></thread>\n')
        for number in range(20_000):
            out.write(f'<post dsq:id="{number}"><message>{words}{number}</message>')
            out.write('<thread dsq:id="t"/></post>\n')
        out.write("</disqus>\n")
    tracemalloc.start()
    try:
        count = sum(1 for record in DisqusReader(path).records() if isinstance(record, Post))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert path.stat().st_size > 20_000_000
    assert peak < 10_000_000, f"peak {peak / 1e6:.1f} MB"
