"""HTML comment bodies become the text a reader saw: paragraphs, line breaks,
links with their addresses, entities decoded exactly once, and nothing a
hostile body holds can make it raise or take long."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widget.transfer import html_text
from widget.transfer.html_text import to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hey, wow!</p><p>Amazing post.</p>", "Hey, wow!\n\nAmazing post."),
        ("first<br>second<br/>third", "first\nsecond\nthird"),
        ("<p>one</p>\n\n\n<div></div><p></p><p>two</p>", "one\n\ntwo"),
        ("<blockquote>Stay hungry.</blockquote>Reply", "Stay hungry.\n\nReply"),
        ("<ul><li>milk</li><li>bread</li></ul>", "milk\n\nbread"),
        ("<h2>Title</h2>text", "Title\n\ntext"),
        ("  lots   of\n\n  space\t here  ", "lots   of\n\n  space\t here"),  # plain: unchanged
        ("<b>lots   of</b>\n\n  space", "lots of space"),
        ("<p>Fish &amp; chips &lt;3 &eacute;</p>", "Fish & chips <3 é"),
        ("<p>&amp;lt;b&amp;gt; is how you write &lt;b&gt;</p>", "&lt;b&gt; is how you write <b>"),
        ("Fish &amp; chips", "Fish & chips"),  # plain text: entities only
        ("&amp;lt;", "&lt;"),  # decoded once, never twice
        ('See <a href="https://example.org/a?b=1&amp;c=2">this</a>.',
         "See this (https://example.org/a?b=1&c=2)."),
        ('<a href="https://example.org/">https://example.org</a>', "https://example.org"),
        ('<a href="http://example.org/x"></a>', "http://example.org/x"),
        ('<a href="mailto:ada@example.org">write to me</a>', "write to me (ada@example.org)"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="/relative/page">here</a>', "here"),
        ('<img src="cat.jpg" alt="A cat asleep"> and <img src="x.png">', "A cat asleep and"),
        ("<script>alert(1)</script>Hello<style>p { color: red }</style>", "Hello"),
        ("<head><title>Page</title></head><body>Body</body>", "Body"),
        ("<pre>\n  indented\n    more</pre>after", "indented\n    more\n\nafter"),
        ("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>",
         "A B\n\n1 2"),
        ("<p>@tl3shi <br>应该和你一样\uff0c大三</p>", "@tl3shi\n应该和你一样\uff0c大三"),
        ("x<!-- a comment -->y<!-- and one never closed", "xy"),
        ("<p>unclosed <b>bold <i>and italic", "unclosed bold and italic"),
        ("a < b and c > d", "a < b and c > d"),
        ("I <3 you", "I <3 you"),
        ("<", "<"),
        ("broken &bogus; &#xZZ; &", "broken &bogus; &#xZZ; &"),
        ("", ""),
    ],
)  # fmt: skip
def test_html_becomes_the_text_a_reader_saw(html: str, text: str) -> None:
    assert to_text(html) == text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # WordPress keeps newlines as breaks and adds <br>/<p> only on display.
        ("When you have a comment with multiple lines:\nWordPress exports it like this.",
         "When you have a comment with multiple lines:\nWordPress exports it like this."),
        ("One <b>bold</b> line\nanother\n\n\n\nnew paragraph",
         "One bold line\nanother\n\nnew paragraph"),
        ("Hi, this is a comment.<br />\nTo delete a comment, view the post&#039;s comments.",
         "Hi, this is a comment.\nTo delete a comment, view the post's comments."),
        ("<h2>Heading</h2>\n<p>Para</p>\n\n<ul>\n\t<li>one</li>\n\t<li>two</li>\n</ul>",
         "Heading\n\nPara\n\none\n\ntwo"),
        ("<table>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</table>", "1 2"),
        ("<em>x</em>\r\ny", "x\ny"),
    ],
)  # fmt: skip
def test_wordpress_newlines_are_line_breaks(html: str, text: str) -> None:
    assert to_text(html, newlines_are_breaks=True) == text


def test_disqus_newlines_inside_html_are_spaces() -> None:
    assert to_text("<p>one\ntwo</p>") == "one two"
    assert to_text("<p>one\ntwo</p>", newlines_are_breaks=True) == "one\ntwo"


# --- hostile bodies -------------------------------------------------------------

MARKUP = st.sampled_from(
    ["<", ">", "</", "<!--", "-->", "<!", "<?", "&", "&amp;", "&#", ";", "<p>", "</p>",
     "<br>", "<a href='http://x.org'>", "</a>", "<pre>", "</pre>", "<script>", "</script>",
     "<head>", "<img alt='a'>", "\n", " ", "\t", "'", '"', "=", "/", "x", "é", "\x00"]
)  # fmt: skip
HOSTILE = st.one_of(
    st.text(),
    st.lists(st.one_of(MARKUP, st.text(max_size=5)), max_size=60).map("".join),
)
TAG_NAMES = st.sampled_from(
    ["p", "div", "b", "i", "a", "span", "br", "img", "li", "ul", "table", "td", "tr", "pre",
     "h1", "blockquote", "script", "style", "head", "x-custom", "svg", "strong"]
)  # fmt: skip
SAFE_VALUE = st.text("abc xyz:/.-_é漢", max_size=12)


ATTRIBUTES = st.lists(st.tuples(st.sampled_from(["href", "alt", "class"]), SAFE_VALUE), max_size=2)
TAG = st.builds(
    lambda name, attrs, form: form.format(name, "".join(f' {k}="{v}"' for k, v in attrs)),
    TAG_NAMES,
    ATTRIBUTES,
    st.sampled_from(["<{0}{1}>", "</{0}>", "<{0}{1}/>"]),
)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, st.booleans())
def test_any_input_gives_text_and_never_raises(html: str, breaks: bool) -> None:
    text = to_text(html, newlines_are_breaks=breaks)
    assert isinstance(text, str)
    assert text == text.strip()
    assert "\n\n\n" not in text  # at most one blank line in a row


@settings(max_examples=100, deadline=None)
@given(st.lists(TAG, min_size=1, max_size=20).map("".join), st.booleans())
def test_no_tag_survives_from_markup_alone(html: str, breaks: bool) -> None:
    text = to_text(html, newlines_are_breaks=breaks)
    assert "<" not in text and ">" not in text


@settings(max_examples=150, deadline=None)
@given(HOSTILE, st.booleans())
def test_its_own_output_comes_back_unchanged(html: str, breaks: bool) -> None:
    text = to_text(html, newlines_are_breaks=breaks)
    if "&" not in text and "<" not in text:  # else the text spells markup on purpose
        assert to_text(text, newlines_are_breaks=breaks) == text


@pytest.mark.parametrize(
    "html",
    [
        "<!--" * 50_000,  # each unterminated: HTMLParser alone rescans to the end
        "<!--a>" * 30_000,
        "</" * 50_000,
        "<a " * 50_000,
        "<a b='x>" * 20_000,
        "<div>" * 50_000,  # deep nesting: no recursion anywhere
        "<![CDATA[" * 20_000,
        "<script>" + "</scrip" * 20_000,
        "&#<" * 30_000 + ">",
    ],
    ids=lambda html: html[:10],
)
def test_hostile_markup_takes_linear_time(html: str) -> None:
    started = time.perf_counter()
    to_text(html)
    to_text(html, newlines_are_breaks=True)
    assert time.perf_counter() - started < 3


def test_a_million_short_messages_would_take_minutes_not_hours() -> None:
    message = '<p>Nice post, <a href="https://example.org/">thanks</a> &amp; more.</p><p>Bye</p>'
    started = time.perf_counter()
    for _ in range(2000):
        to_text(message)
    assert (time.perf_counter() - started) / 2000 < 0.001  # < 1 ms each (~0.1 ms here)


# --- the fast path reads what HTMLParser reads ----------------------------------

PLAIN_NAMES = st.sampled_from(
    ["p", "br", "a", "b", "i", "em", "strong", "u", "s", "code", "blockquote", "ul", "ol",
     "li", "div", "span", "pre", "h2", "img", "td", "th", "tr", "table", "hr", "P", "Br", "A"]
)  # fmt: skip
TEXT_PIECES = st.sampled_from(
    ["a", "Z", "7", " ", "  ", "\n", "\t", "\r", "\r\n", "\f", "\xa0", "\u3000", "\x0b",
     ">", '"', "'", "=", "/", "é", "漢", ".", "&amp;", "&lt;", "&#39;", "&eacute;", "&amp",
     "&bogus;", "&#x1F600;", "& ", "&", "https://x.org", "www.x.org/"]
)  # fmt: skip
TEXT = st.lists(TEXT_PIECES, max_size=8).map("".join)
VALUES = st.lists(
    st.sampled_from(
        ["https://example.org/", "http://x.org/a?b=1&amp;c=2", "mailto:ada@example.org",
         "javascript:alert(1)", "/relative", "", " ", "a b", "&amp;", "é", "x.png", "'"]
    ),
    max_size=2,
).map("".join)  # fmt: skip
ATTRIBUTE = st.tuples(
    st.sampled_from([" ", "  ", "\n", "\t"]),
    st.sampled_from(["href", "alt", "title", "rel", "class", "HREF", "data-x"]),
    VALUES,
).map(lambda a: f'{a[0]}{a[1]}="{a[2]}"')
PLAIN_TAG = st.one_of(
    st.builds(
        lambda name, attrs, space, slash: f"<{name}{''.join(attrs)}{space}{slash}>",
        PLAIN_NAMES,
        st.lists(ATTRIBUTE, max_size=3),
        st.sampled_from(["", " ", "\n"]),
        st.sampled_from(["", "", "/"]),
    ),
    st.builds(lambda name, space: f"</{name}{space}>", PLAIN_NAMES, st.sampled_from(["", " "])),
)
IN_GRAMMAR = st.lists(st.one_of(PLAIN_TAG, TEXT), min_size=1, max_size=14).map("".join)
NEAR_GRAMMAR = st.lists(
    st.one_of(
        PLAIN_TAG,
        TEXT,
        st.sampled_from(
            ["<", "</ p>", "<p", "<a href=x>", "<a href='x'>", '<a href="x"title="y">',
             "<script>", "</script>", "<style>", "<textarea>", "<title>", "<x-custom>",
             "<!-- c -->", "<!--", "<?php ?>", "<br/ >", "</p/>", "<p\xa0>", "<p\x0b>",
             '<a href="<">', "<b <i>", "<head>", "</head>", "<body>", "<![CDATA[x]]>"]
        ),
    ),
    min_size=1,
    max_size=14,
).map("".join)  # fmt: skip


@settings(max_examples=250, deadline=None)
@given(IN_GRAMMAR.filter(lambda html: "<" in html), st.booleans())
def test_the_fast_path_gives_what_htmlparser_gives(html: str, breaks: bool) -> None:
    fast = html_text._fast(html, breaks)
    assert fast is not None  # the grammar is what it claims to be
    assert fast == html_text._parsed(html, breaks)


@settings(max_examples=250, deadline=None)
@given(NEAR_GRAMMAR.filter(lambda html: "<" in html), st.booleans())
def test_outside_the_grammar_htmlparser_decides(html: str, breaks: bool) -> None:
    fast = html_text._fast(html, breaks)
    assert fast is None or fast == html_text._parsed(html, breaks)
    assert to_text(html, newlines_are_breaks=breaks) == html_text._parsed(html, breaks)


@pytest.mark.parametrize("breaks", [False, True])
def test_the_fast_path_on_the_examples(breaks: bool) -> None:
    examples = [
        '<p>Comment 5: I read this twice &amp; I still think the <a href="https://example.com/5">'
        "figures</a> are off.</p><p>Second paragraph<br>with a line break.</p>",
        '<p>See <a href="https://x.org/a?b=1&amp;c=2" rel="nofollow noopener">this</a></p>',
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
        "<pre>\n  indented</pre>after",
    ]
    for html in examples:
        assert html_text._fast(html, breaks) == html_text._parsed(html, breaks) is not None
