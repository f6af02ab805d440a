"""``flask import disqus|wordpress FILE`` on the real export files, checked
where readers look: the public listing and the counts on each article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.conftest import comments_url
from widget.extensions import db
from widget.models import Comment, Status

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"


def run(runner: FlaskCliRunner, *args: str, status: int = 0) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == status, result.output
    return result.output


def listing(client: FlaskClient, article_id: str) -> list[dict[str, Any]]:
    response = client.get(comments_url(article_id) + "?sort=oldest&limit=100")
    assert response.status_code == 200
    return response.get_json()["comments"]


def replies(client: FlaskClient, article_id: str, comment_id: int) -> list[dict[str, Any]]:
    url = f"{comments_url(article_id)}/{comment_id}/replies?limit=100"
    return client.get(url).get_json()["replies"]


def counts(client: FlaskClient, *article_ids: str) -> dict[str, int]:
    query = "&".join(f"article_id={article_id}" for article_id in article_ids)
    return client.get(f"/api/v1/counts?{query}").get_json()["counts"]


def stored(app: Flask, **where: Any) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).filter_by(**where).order_by(Comment.id)))


def test_disqus_comments_land_under_their_pages(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    output = run(runner, "import", "disqus", str(IMPORTS / "isso-disqus.xml"))
    assert output.startswith("Imported 5 comments into 2 articles from isso-disqus.xml")
    assert "its thread is not in the file" in output  # post 6, thread 1337
    # Thread 2 has <id>some-id</id>; thread 7 only a link.
    page = listing(client, "some-id")
    assert [(c["author"], c["body"]) for c in page] == [("peter", "..."), (None, None)]
    first, deleted = page
    assert [(r["author"], r["body"]) for r in first["replies"]] == [("user", "Hello, World.")]
    # A deleted comment with a reply stays as a placeholder above the reply.
    assert deleted["deleted"] is True
    assert [r["body"] for r in deleted["replies"]] == ["Hello, World."]
    assert [c["body"] for c in listing(client, "blog-2013-02-12-redacted")] == [
        "Message from thread with empty title and id"
    ]
    assert counts(client, "some-id", "blog-2013-02-12-redacted") == {
        "some-id": 3,
        "blog-2013-02-12-redacted": 1,
    }
    again = run(runner, "import", "disqus", str(IMPORTS / "isso-disqus.xml"))
    assert again.startswith("Imported 0 comments") and "imported before" in again
    assert counts(client, "some-id")["some-id"] == 3


def test_disqus_replies_three_deep(app: Flask, client: FlaskClient, runner: FlaskCliRunner) -> None:
    run(runner, "import", "disqus", str(IMPORTS / "schnack-disqus.xml"))
    (top,) = listing(client, "foo")
    assert top["body"].startswith("Hey, wow!\n\n// Amazing post.")
    thread = {r["id"]: r for r in replies(client, "foo", top["id"])}
    parents = {r["body"]: thread.get(r["parent_id"], top)["body"] for r in thread.values()}
    assert parents == {
        "Hi Moritz,\n\nthanks for reading!": top["body"],
        "Hi Christopher!\n\nThanks!": "Hi Moritz,\n\nthanks for reading!",
        "Nice! :)": "Hi Christopher!\n\nThanks!",
    }
    assert [c["body"] for c in listing(client, "bar")] == ["Bar is the best."]
    assert counts(client, "foo", "bar") == {"foo": 4, "bar": 1}


def test_a_real_disqus_blog(app: Flask, client: FlaskClient, runner: FlaskCliRunner) -> None:
    output = run(runner, "import", "disqus", str(IMPORTS / "disqus-real-blog-anonymised.xml"))
    assert output.startswith(
        "Imported 2,693 comments into 340 articles from disqus-real-blog-anonymised.xml"
    )
    assert "(6 deleted, 2,687 published)" in output.splitlines()[0]
    with app.app_context():
        replies = db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))
        )
    assert replies == 439  # every reply found its parent
    page = listing(client, "blog-volenteer-teaching-day0.html")
    assert page and all("<p>" not in c["body"] for c in page)


def test_wordpress_theme_unit_test(app: Flask, client: FlaskClient, runner: FlaskCliRunner) -> None:
    output = run(
        runner, "import", "wordpress", str(IMPORTS / "wordpress-importer-theme-unit-test-data.xml")
    )
    assert output.startswith("Imported 29 comments into 7 articles")
    assert "(3 pending, 26 published)" in output.splitlines()[0]
    assert "      2  pingback" in output and "      2  trackback" in output
    # Post 1148 "Template: Comments": the unapproved comment waits, unseen.
    page = listing(client, "1148")
    assert "this is test comment\n\n\tFeeling testy?" not in [c["body"] for c in page]
    assert "John Γιάννης Doe Κάποιος" in [c["author"] for c in page]
    depth_01 = next(c for c in page if c["body"] == "Comment Depth 01")
    chain = {r["id"]: r for r in replies(client, "1148", depth_01["id"])}
    levels = {r["body"][:16]: 1 for r in chain.values()}
    for reply in chain.values():
        parent = reply["parent_id"]
        while parent != depth_01["id"]:
            levels[reply["body"][:16]] += 1
            parent = chain[parent]["parent_id"]
    assert levels == {f"Comment Depth {n:02}": n - 1 for n in range(2, 11)}
    # Post 155: three approved, one waiting (a reply to the second).
    assert sorted(c["body"] for c in listing(client, "155")) == [
        "Anonymous comment.", "Author comment.", "Contributor comment."
    ]  # fmt: skip
    assert [c["body"] for c in listing(client, "1149")] == [
        "This is a comment amongst pingbacks and trackbacks."
    ]
    assert counts(client, "1148", "155", "703", "1149") == {
        "1148": 19, "155": 3, "703": 0, "1149": 1
    }  # fmt: skip
    waiting = stored(app, status=Status.PENDING)
    assert sorted(c.body for c in waiting) == [
        "I want to learn how to make chinese eggrolls",
        "nothing useful to say",
        "this is test comment\n\n\tFeeling testy?",
    ]


def test_wordpress_isso_file_and_wxr_1_0(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    run(runner, "import", "wordpress", str(IMPORTS / "isso-wordpress.xml"))
    run(runner, "import", "wordpress", str(IMPORTS / "wordpress-importer-valid-wxr-1.0.xml"))
    assert counts(client, "18", "4", "1") == {"18": 7, "4": 1, "1": 1}
    page = listing(client, "18")
    assert [c["body"] for c in page] == [
        "Erster!1",
        "Zweiter.",
        "When you have a comment with multiple lines:\nWordPress exports it like this.",
        "...",
    ]
    second = page[1]
    assert sorted(r["body"] for r in second["replies"]) == [
        "...",
        "Drölfter!",
        "Yet another reply.",
    ]
    emails = {c.email for c in stored(app, article_id="18")}
    assert emails == {"test@example.org", "info@posativ.org", "multiline@example.org"}
    assert [c["body"] for c in listing(client, "4")] == ["..."]
    (hello,) = listing(client, "1")
    assert hello["author"] == "Mr WordPress"
    assert hello["body"].startswith("Hi, this is a comment.\nTo delete a comment")


def test_a_bad_file_imports_nothing(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    real = (IMPORTS / "schnack-disqus.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(real[: len(real) - 200])  # four of five posts are whole
    output = run(runner, "import", "disqus", str(cut), status=1)
    assert output.startswith(f"Error: {cut}: not well-formed XML at line ")
    assert output.rstrip().endswith("Nothing was imported.")
    wrong = run(runner, "import", "wordpress", str(IMPORTS / "schnack-disqus.xml"), status=1)
    assert "is not a WordPress export (it starts with <disqus>)" in wrong
    assert stored(app) == [] and counts(client, "foo") == {"foo": 0}
