"""End to end through the commands: export, import the export into an empty
database, export again (the same bytes); and Isso's files, as readers see them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from widget.models import Status
from widget.transfer import importer
from widget.transfer.records import Post, Thread

from ..conftest import comments_url, make_app, posted, reader

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
TEXT = "A considered comment about the article, long enough to pass the minimum: "


class OneDisqusComment:
    """A reader of a tiny Disqus export (the importer's side is tested elsewhere)."""

    def records(self) -> Iterator[Thread | Post]:
        yield Thread(key="t1", identifier="a1", url="https://example.org/a1", title="A1")
        yield Post(
            source="disqus",
            key="90001",
            thread="t1",
            parent=None,
            author="Early Reader",
            email="early@example.org",
            body="Written on Disqus, years ago, and brought along when the site moved.",
            status=Status.PUBLISHED,
            created_at=datetime(2015, 6, 7, 8, 9, 10, 500000, tzinfo=UTC),
            address="198.51.100.20",
            likes=7,
        )

    def progress(self) -> float | None:
        return None


def ok(runner: Any, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def like(client: FlaskClient, comment_id: int, voter: str) -> None:
    response = client.post(f"{comments_url('a1')}/{comment_id}/likes", json={"voter": voter})
    assert response.status_code in (200, 201), response.get_json()


def listing(client: FlaskClient, article_id: str) -> dict[str, Any]:
    response = client.get(comments_url(article_id) + "?sort=oldest")
    assert response.status_code == 200
    data = response.get_json()
    data.pop("form", None)  # a fresh token each time
    return data


def fill(app: Flask, client: FlaskClient, runner: Any) -> None:
    """Every kind of comment a site has, made the way a site makes them."""
    with app.app_context():
        importer.run(OneDisqusComment(), "disqus", "disqus.xml", {})
    first = posted(client, body=TEXT + "first.")
    posted(reader(app, "198.51.100.2"), body=TEXT + "a reply.", parent_id=first["id"])
    liked = posted(reader(app, "198.51.100.3"), body=TEXT + "liked twice.")
    like(client, liked["id"], "box-voter-0000000001")
    like(reader(app, "198.51.100.9"), liked["id"], "box-voter-0000000002")
    edited = posted(reader(app, "198.51.100.4"), body=TEXT + "with a typo.")
    response = client.patch(
        f"{comments_url('a1')}/{edited['id']}",
        json={"body": TEXT + "typo fixed."},
        headers={"Authorization": f"Bearer {edited['edit_token']}"},
    )
    assert response.status_code == 200, response.get_json()
    spam = posted(reader(app, "198.51.100.5"), body=TEXT + "buy pills.")
    gone = posted(reader(app, "198.51.100.6"), body=TEXT + "to be removed.", article_id="a2")
    ok(runner, "comments", "spam", "--id", str(spam["id"]))
    ok(runner, "comments", "delete", "--id", str(gone["id"]))
    ok(runner, "rules", "pre-moderation", "on")
    posted(reader(app, "198.51.100.7"), status=202, body=TEXT + "waiting for a moderator.")
    ok(runner, "rules", "pre-moderation", "default")


def test_export_import_export_gives_the_same_lines(
    app: Flask, client: FlaskClient, runner: Any, tmp_path: Path
) -> None:
    fill(app, client, runner)
    before = tmp_path / "before.jsonl"
    assert "Exported 8 comments" in ok(runner, "export", str(before))
    lines = before.read_text().split("\n")[:-1]
    assert [line.count('"status":"') for line in lines] == [1] * 8
    for status in Status:
        assert f'"status":"{status.value}"' in before.read_text()

    (tmp_path / "other").mkdir()
    other = make_app(tmp_path / "other")
    other_runner = other.test_cli_runner()
    summary = ok(other_runner, "import", "json", str(before))
    assert summary.startswith("Imported 8 comments into 2 articles from before.jsonl")
    after = tmp_path / "after.jsonl.gz"
    ok(other_runner, "export", str(after))
    ok(other_runner, "export", str(tmp_path / "after.jsonl"))
    assert (tmp_path / "after.jsonl").read_bytes() == before.read_bytes()

    # Readers see the same pages: replies, likes, edits, placeholders, counts.
    reader_client = other.test_client()
    for article_id in ("a1", "a2"):
        assert listing(reader_client, article_id) == listing(client, article_id)
    page = listing(reader_client, "a1")["comments"]
    assert [(c["body"], c["likes"], c["edited_at"] is not None) for c in page] == [
        ("Written on Disqus, years ago, and brought along when the site moved.", 7, False),
        (TEXT + "first.", 0, False),
        (TEXT + "liked twice.", 2, False),
        (TEXT + "typo fixed.", 0, True),
    ]
    assert page[0]["created_at"] == "2015-06-07T08:09:10Z"
    assert [r["body"] for r in page[1]["replies"]] == [TEXT + "a reply."]
    counts = reader_client.get("/api/v1/counts?article_id=a1&article_id=a2").get_json()
    assert counts["counts"] == {"a1": 5, "a2": 0}  # spam, pending and deleted stay hidden
    # Both ids travel: the JSON again, or the old Disqus file, add nothing.
    again = ok(other_runner, "import", "json", str(after))
    assert "Imported 0 comments" in again and "8  imported before" in again
    with other.app_context():
        summary_of_disqus = importer.run(OneDisqusComment(), "disqus", "disqus.xml", {})
    assert summary_of_disqus.imported == 0


# The rest read files into one database; the importer has its own tests on both.


def test_a_truncated_export_imports_nothing(sqlite_app: Flask, tmp_path: Path) -> None:
    app = sqlite_app
    client, runner = app.test_client(), app.test_cli_runner()
    fill(app, client, runner)
    export = tmp_path / "export.jsonl.gz"
    ok(runner, "export", str(export))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(export.read_bytes()[:-12])
    (tmp_path / "other").mkdir()
    other = make_app(tmp_path / "other")
    result = other.test_cli_runner().invoke(args=["import", "json", str(cut)])
    assert result.exit_code == 1
    assert "cut short" in result.output and "Nothing was imported." in result.output
    assert listing(other.test_client(), "a1")["comments"] == []


def test_isso_from_disqus_shows_replies_and_the_deleted_placeholder(sqlite_app: Flask) -> None:
    client, runner = sqlite_app.test_client(), sqlite_app.test_cli_runner()
    output = ok(runner, "import", "isso", str(IMPORTS / "isso-generated-from-isso-disqus.db"))
    assert output.startswith("Imported 5 comments into 2 articles")
    assert "/ -> home (4)" in output
    assert "/blog/2013/02/12/redacted/index.html -> blog-2013-02-12-redacted (1)" in output
    home = listing(client, "home")
    shown = [(c["author"], c["body"], c.get("deleted", False)) for c in home["comments"]]
    assert shown == [("peter", "...", False), (None, None, True)]
    replies = [[r["body"] for r in c["replies"]] for c in home["comments"]]
    assert replies == [["Hello, World."], ["Hello, World."]]
    blog = listing(client, "blog-2013-02-12-redacted")["comments"]
    assert [c["body"] for c in blog] == ["Message from thread with empty title and id"]


def test_isso_from_wordpress_and_a_second_run(sqlite_app: Flask) -> None:
    client, runner = sqlite_app.test_client(), sqlite_app.test_cli_runner()
    path = str(IMPORTS / "isso-generated-from-isso-wordpress.db")
    assert ok(runner, "import", "isso", path).startswith("Imported 8 comments into 2 articles")
    page = listing(client, "2014-test")["comments"]
    assert [c["body"] for c in page][:2] == ["Erster!1", "Zweiter."]
    assert [r["body"] for r in page[1]["replies"]] == ["Drölfter!", "Yet another reply.", "..."]
    again = ok(runner, "import", "isso", path)
    assert again.startswith("Imported 0 comments") and "8  imported before" in again


def test_the_real_isso_blog(sqlite_app: Flask) -> None:
    # (On PostgreSQL, settling its 439 replies takes the importer ~20 s today.)
    app = sqlite_app
    client = app.test_client()
    output = ok(
        app.test_cli_runner(), "import", "isso", str(IMPORTS / "isso-real-blog-anonymised.db")
    )
    assert "2687 comments into 340 articles" in output or "2,687 comments into" in output
    about = client.get("/api/v1/counts?article_id=aboutme").get_json()["counts"]
    assert about == {"aboutme": 150}
    page = listing(client, "blog-volenteer-teaching-day0.html")["comments"]
    assert page[0]["author"] == "chengxuan"
    assert page[0]["body"].startswith("说到支教")
    assert page[0]["replies"][0]["author"] == "tanglei"


def test_issos_json_file_and_the_schema_file(sqlite_app: Flask) -> None:
    client, runner = sqlite_app.test_client(), sqlite_app.test_cli_runner()
    output = ok(runner, "import", "isso", str(IMPORTS / "isso-generic.json"))
    assert output.startswith("Imported 2 comments into 2 articles")
    page = listing(client, "posts-0007")["comments"]
    assert [(c["author"], c["created_at"]) for c in page] == [
        ("Richard Crinshaw", "2005-05-08T06:50:26Z")
    ]
    schema = IMPORTS / "isso-schema.sql"
    result = runner.invoke(args=["import", "isso", str(schema)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {schema} is not an SQLite database (nor an Isso JSON file). "
        "Nothing was imported.\n"
    )
