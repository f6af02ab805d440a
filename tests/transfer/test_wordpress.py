"""The WordPress reader on real WXR files (1.0 to 1.2, http:// and https://
namespaces): each post's comments, nesting, statuses, readable text."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from widget.models import Status
from widget.transfer.records import Post, Record, Skip, Thread
from widget.transfer.wordpress import WordPressReader

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
THEME_TEST = IMPORTS / "wordpress-importer-theme-unit-test-data.xml"
HTML_TAG = re.compile(r"</?(?:p|br|a|b|i|strong|em|img|h\d|ul|li|table|td)\b[^>]*>")


def read(path: Path) -> list[Record]:
    return list(WordPressReader(path).records())


def split(records: list[Record]) -> tuple[list[Thread], dict[str, Post], list[Skip]]:
    threads = [r for r in records if isinstance(r, Thread)]
    posts = {r.key: r for r in records if isinstance(r, Post)}
    skips = [r for r in records if isinstance(r, Skip)]
    return threads, posts, skips


def wxr(tmp_path: Path, items: str, channel: str = "", version: str = "1.2") -> Path:
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        f'xmlns:wp="https://wordpress.org/export/{version}/"><channel>{channel}{items}'
        "</channel></rss>\n"
    )
    return path


def comment(comment_id: str, **fields: str) -> str:
    values = {
        "comment_author": "Ada",
        "comment_date_gmt": "2020-02-03 04:05:06",
        "comment_content": "Hello",
        "comment_approved": "1",
        "comment_parent": "0",
    } | fields
    inner = "".join(f"<wp:{key}>{value}</wp:{key}>" for key, value in values.items())
    return f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>{inner}</wp:comment>"


def test_theme_unit_test_file_https_namespace_nine_levels_pingbacks() -> None:
    threads, posts, skips = split(read(THEME_TEST))
    assert (len(threads), len(posts), len(skips)) == (186, 29, 4)
    assert Counter(skip.reason for skip in skips) == {"pingback": 2, "trackback": 2}
    assert {skip.thread for skip in skips} == {"1149"}
    assert Counter(p.status for p in posts.values()) == {
        Status.PUBLISHED: 26,
        Status.PENDING: 3,
    }
    assert sorted(k for k, p in posts.items() if p.status == Status.PENDING) == [
        "1148/1015", "155/1017", "703/1016"
    ]  # fmt: skip
    # "Comment Depth 10" hangs nine replies below "Comment Depth 01".
    chain, post = [], posts["1148/915"]
    while post.parent is not None:
        chain.append(post.body[:16])
        post = posts[post.parent]
    assert post.body == "Comment Depth 01" and post.parent is None
    assert chain == [f"Comment Depth {n:02}" for n in range(10, 1, -1)]  # nine replies up
    assert posts["155/1017"].parent == "155/168"
    assert {p.source for p in posts.values()} == {"wordpress:https://wpthemetestdata.wordpress.com"}
    assert next(t for t in threads if t.key == "1148") == Thread(
        "1148",
        identifier="1148",
        url="https://wpthemetestdata.wordpress.com/2012/01/03/template-comments/",
        title="Template: Comments",
    )


def test_theme_unit_test_texts_read_as_on_the_page() -> None:
    _, posts, _ = split(read(THEME_TEST))
    assert posts["1148/881"].author == "John Γιάννης Doe Κάποιος"
    assert posts["1148/918"].body == (
        "We are totally going to blog about these tests Σίγουρα θα σχολιάσουμε τα τεστς!"
    )
    rich = posts["1148/881"].body
    assert rich.startswith("Headings\n\nHeader one\n\nHeader two")
    # Markup is gone; markup written as text (&lt;blockquote&gt;) is kept as text.
    assert "The HTML <blockquote> Element (or HTML Block Quotation Element)" in rich
    assert (
        "see Notes (https://developer.mozilla.org/en-US/docs/HTML/Element/blockquote#Notes)" in rich
    )
    assert "\tTwo roads diverged in a yellow wood," in rich  # <pre> keeps its layout
    assert not [key for key, post in posts.items() if HTML_TAG.search(post.body)]
    assert posts["1148/917"].body == (
        "Image comment.\nAlbany wind-farm against the sunset, Western Australia\n"
        "If the image imports..."
    )
    assert posts["1148/910"].body == "Comment Depth 05\n\nAlso an author comment."
    assert posts["1148/899"].body.startswith(
        "This user it trying to be anonymous.\n\nThey used a fake email, so there should be "
        "no Gravatar (https://gravatar.com//) associated with it.\n"
    )
    # Times are the GMT ones, not the site's local ones.
    assert posts["1148/881"].created_at == datetime(2012, 9, 3, 17, 18, 4, tzinfo=UTC)


def test_isso_test_file_repeated_ids_trimmed_emails_and_plain_permalinks() -> None:
    threads, posts, skips = split(read(IMPORTS / "isso-wordpress.xml"))
    assert [(t.key, t.identifier, t.url, t.title) for t in threads] == [
        ("18", "18", "http://example.tld/2014/test/", "Hello, World…"),
        ("4", "4", "http://example.tld/?p=4", "..."),  # no post_id: ?p=4 names it
        ("6", "6", "http://example.tld/?p=6", "No comments"),
    ]
    assert list(posts) == [
        "18/2", "18/6", "18/7", "18/8", "18/9", "18/10", "18/11", "4/11"
    ]  # fmt: skip
    assert skips == []
    # Comment 11 of post 18 and comment 11 of post 4 are two comments.
    assert posts["18/11"].author == "Letzter :/" and posts["4/11"].author == "Anonymous"
    assert {k: p.parent for k, p in posts.items() if p.parent} == {
        "18/7": "18/6", "18/8": "18/7", "18/9": "18/7"
    }  # fmt: skip
    assert posts["18/2"].email == "test@example.org"  # "test@example.org\n    " in the file
    assert posts["18/2"].body == "Erster!1"
    assert posts["18/10"].body == (
        "When you have a comment with multiple lines:\nWordPress exports it like this."
    )
    # Comment 7 has no local date: its GMT one is what counts anyway.
    assert posts["18/7"].created_at == datetime(2014, 4, 29, 15, 21, 35, tzinfo=UTC)
    assert posts["18/10"].created_at == datetime(2022, 6, 6, 2, 13, 14, tzinfo=UTC)
    assert posts["18/2"].address == "::ffff:82.119.20.0"
    assert {p.source for p in posts.values()} == {"wordpress"}  # the file names no site


def test_wxr_1_0_file_from_wordpress_3() -> None:
    threads, posts, skips = split(read(IMPORTS / "wordpress-importer-valid-wxr-1.0.xml"))
    assert [t.key for t in threads] == ["1", "2", "4", "6", "8", "10"]
    assert list(posts) == ["1/1"] and skips == []
    first = posts["1/1"]
    assert first.source == "wordpress:http://localhost"
    assert (first.author, first.email, first.address) == ("Mr WordPress", None, None)
    assert first.body == (
        "Hi, this is a comment.\nTo delete a comment, just log in and view the post's "
        "comments. There you will have the option to edit or delete them."
    )


@pytest.mark.parametrize(
    ("approved", "kind", "expected"),
    [
        ("1", "", Status.PUBLISHED),
        ("0", "", Status.PENDING),
        ("spam", "", Status.SPAM),
        ("trash", "", Skip("in the trash", "7")),
        ("", "", Status.PENDING),
        ("post-trashed", "", Status.PENDING),
        ("1", "comment", Status.PUBLISHED),
        ("1", "pingback", Skip("pingback", "7")),
        ("1", "trackback", Skip("trackback", "7")),
    ],
)
def test_statuses_and_kinds(tmp_path: Path, approved: str, kind: str, expected: object) -> None:
    one = comment("1", comment_approved=approved, comment_type=kind)
    item = f"<item><wp:post_id>7</wp:post_id>{one}</item>"
    records = read(wxr(tmp_path, item))
    assert records[0] == Thread("7", identifier="7")
    found = records[1]
    assert (found.status if isinstance(found, Post) else found) == expected


def test_dates_fall_back_from_gmt_to_local_to_the_post(tmp_path: Path) -> None:
    zero = "0000-00-00 00:00:00"
    items = (
        "<item><wp:post_id>1</wp:post_id><wp:post_date_gmt>2001-01-01 01:01:01</wp:post_date_gmt>"
        + comment("gmt", comment_date="2020-01-01 09:00:00", comment_date_gmt="2020-01-01 01:00:00")
        + comment("local", comment_date="2020-01-01 09:00:00", comment_date_gmt=zero)
        + comment("post", comment_date="", comment_date_gmt="")
        + "</item><item><wp:post_id>2</wp:post_id>"
        + comment("never", comment_date=zero, comment_date_gmt=zero)
        + "</item>"
    )
    _, posts, skips = split(read(wxr(tmp_path, items)))
    assert posts["1/gmt"].created_at == datetime(2020, 1, 1, 1, 0, tzinfo=UTC)
    assert posts["1/local"].created_at == datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    assert posts["1/post"].created_at == datetime(2001, 1, 1, 1, 1, 1, tzinfo=UTC)
    assert skips == [Skip("no date", "2")]


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_wxr_version_and_both_schemes(tmp_path: Path, version: str) -> None:
    for scheme in ("http", "https"):
        path = tmp_path / f"{scheme}.xml"
        path.write_text(
            f'<rss xmlns:wp="{scheme}://wordpress.org/export/{version}/"><channel>'
            f"<item><wp:post_id>3</wp:post_id>{comment('5')}</item></channel></rss>"
        )
        assert [r.key for r in read(path) if isinstance(r, Post)] == ["3/5"]


@pytest.mark.parametrize(
    ("channel", "source"),
    [
        (
            "<link>https://blog.example/</link><wp:base_site_url>https://wordpress.com/"
            "</wp:base_site_url><wp:base_blog_url>https://blog.example</wp:base_blog_url>",
            "wordpress:https://blog.example",
        ),
        (
            "<wp:base_site_url>https://site.example/</wp:base_site_url>",
            "wordpress:https://site.example",
        ),
        ("<link>https://link.example/</link>", "wordpress:https://link.example"),
        ("<title>No addresses</title>", "wordpress"),
    ],
)
def test_the_source_names_the_blog(tmp_path: Path, channel: str, source: str) -> None:
    # WordPress.com gives every blog https://wordpress.com/ as its site: the blog's
    # own address keeps two blogs' comment 1 apart.
    path = wxr(tmp_path, f"<item><wp:post_id>1</wp:post_id>{comment('1')}</item>", channel)
    assert [r.source for r in read(path) if isinstance(r, Post)] == [source]


def test_replies_names_and_items_without_ids(tmp_path: Path) -> None:
    items = (
        "<item><title>Caf&amp;eacute; &amp;amp; more</title><link>https://x.example/cafe/</link>"
        + comment("1", comment_author="Ping &amp;laquo; O&amp;#8217;Brien")
        + comment("2", comment_parent="1", comment_author_email="  b@example.org  ")
        + comment("3", comment_parent="")
        + "</item><item>"
        + comment("1")
        + "</item>"
    )
    threads, posts, _ = split(read(wxr(tmp_path, items)))
    assert threads == [
        Thread("https://x.example/cafe/", url="https://x.example/cafe/", title="Café & more"),
        Thread("item 2"),
    ]
    cafe = "https://x.example/cafe/"
    assert posts[f"{cafe}/1"].author == "Ping \u00ab O\u2019Brien"
    assert posts[f"{cafe}/2"].parent == f"{cafe}/1"
    assert posts[f"{cafe}/2"].email == "b@example.org"
    assert posts[f"{cafe}/3"].parent is None
    assert posts["item 2/1"].thread == "item 2"


def test_memory_stays_flat_in_a_post_with_many_comments(tmp_path: Path) -> None:
    path = tmp_path / "busy.xml"
    words = "words " * 340  # ~2 kB a comment
    with path.open("w") as out:
        out.write('<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>')
        out.write("<wp:post_id>1</wp:post_id>")
        for number in range(2_500):
            out.write(
                f"<wp:comment><wp:comment_id>{number}</wp:comment_id><wp:comment_content>"
                f"{words}</wp:comment_content><wp:comment_date_gmt>2020-01-01 00:00:00"
                "</wp:comment_date_gmt></wp:comment>\n"
            )
        out.write("</item></channel></rss>")
    tracemalloc.start()
    try:
        count = sum(1 for r in WordPressReader(path).records() if isinstance(r, Post))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2_500 and path.stat().st_size > 5_000_000
    assert peak < 3_000_000, f"peak {peak / 1e6:.1f} MB"
