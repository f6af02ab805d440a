"""HTML comment bodies (Disqus, WordPress) as the plain text this service stores.

Readers see what the old site showed, minus the markup: paragraphs stay
paragraphs, line breaks stay line breaks, a link keeps its address next to its
words, an image its alt text. Built on the standard library's HTMLParser (a
real tokenizer, not a regular expression), with ``convert_charrefs=True`` so
entities are decoded exactly once: ``&amp;lt;`` becomes ``&lt;``, never ``<``.

Most exported comments are a few paragraphs, line breaks and links. Those are
tokenized by one regular expression that accepts only a narrow, unambiguous
grammar (a few plain tags, double-quoted attributes, text without ``<``) and
fed to the very same layout; anything outside it goes to HTMLParser. The two
give the same text (tests/transfer/test_html_text.py proves it on generated
messages), ten times faster for the common case.

Hostile input is the normal case here: anything goes in, text comes out, and
nothing raises or recurses. A layout is made per call (it is a handful of
attributes), so there is no shared state to leak between comments.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from .text_layout import Layout

_HTML_SPACE = re.compile(r"[ \t\n\r\f\xa0]+")
_TAG_TEXT = re.compile(r"<[^>]*>?")
# Comments, doctypes, processing instructions, CDATA: dropped (browsers show
# none of them) before the parser sees them, in one linear pass. HTMLParser
# rescans to the end of the text for each unterminated one, which makes
# "<!--" repeated a few thousand times take minutes.
_IGNORED_MARKUP = re.compile(r"<!--(?:-?>|.*?(?:--!?>|\Z))|<[!?][^>]*>?", re.DOTALL)

# The fast path's grammar. Tags whose tokenizing HTML never treats specially
# (script, style, textarea, title … are left out), spelled plainly: a name, then
# name="value" attributes with no quote, < or > inside, then > or />; end tags
# without attributes; text without <. HTMLParser reads exactly these tokens.
_PLAIN_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "div", "dl",
        "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
_SPACE = "[ \t\n\r\f]"
_NAME = "[a-zA-Z][a-zA-Z0-9]*"
_SPLIT = re.compile("(<[^<>]*>)")  # text, markup, text, …, text
_ATTRIBUTE = re.compile('([a-zA-Z][-a-zA-Z0-9_:.]*)="([^"<>]*)"')
_TAG = re.compile(
    f'<({_NAME})((?:{_SPACE}+[a-zA-Z][-a-zA-Z0-9_:.]*="[^"<>]*")*){_SPACE}*(/?)>'
    f"|</({_NAME}){_SPACE}*>"
)
_START, _END, _EMPTY = 0, 1, 2  # <p>, </p>, <p/>
_SIMPLE_TAGS = {
    markup: (tag, form)
    for tag in _PLAIN_TAGS
    for markup, form in (
        (f"<{tag}>", _START), (f"</{tag}>", _END), (f"<{tag}/>", _EMPTY), (f"<{tag} />", _EMPTY)
    )
}  # fmt: skip


def to_text(html_text: str, *, newlines_are_breaks: bool = False) -> str:
    """The plain text a reader saw in ``html_text``; never raises.

    ``newlines_are_breaks``: the source's newlines are line breaks (WordPress
    stores comments that way and adds ``<br>``/``<p>`` only when showing them);
    otherwise they are HTML whitespace, as in Disqus's messages.
    """
    if "<" not in html_text:
        # Plain text: nothing to lay out, only entities to decode.
        return html.unescape(html_text).strip() if "&" in html_text else html_text.strip()
    try:
        text = _fast(html_text, newlines_are_breaks)
        return text if text is not None else _parsed(html_text, newlines_are_breaks)
    except Exception:  # the standard parser is robust; this is the belt to its braces
        return _crude(html_text)


def _parsed(html_text: str, newlines_are_breaks: bool) -> str:
    """The text as laid out from HTMLParser's tokens: any HTML at all."""
    layout = Layout(newlines_are_breaks)
    maker = _TextMaker(layout)
    maker.feed(_defused(html_text))
    maker.close()
    layout.close()
    return layout.text()


def _fast(html_text: str, newlines_are_breaks: bool) -> str | None:
    """The text as laid out from the message's tokens read by ``_SPLIT`` and
    ``_TAG``, or None when the message steps outside the grammar where they
    are HTMLParser's tokens exactly."""
    layout = Layout(newlines_are_breaks)
    start, end, data = layout.start, layout.end, layout.data
    unescape = html.unescape
    pieces = iter(_SPLIT.split(html_text))  # text, tag, text, …, text
    for text in pieces:
        if text:
            if "<" in text:
                return None  # a < that starts no tag
            if "&" in text:
                # "&amp;" alone decodes to "&" (what unescape does, 4 times faster).
                amps = text.count("&amp;")
                text = text.replace("&amp;", "&") if amps == text.count("&") else unescape(text)
            data(text)
        markup = next(pieces, None)
        if markup is None:
            break
        known = _SIMPLE_TAGS.get(markup)
        if known is not None:  # <p>, </p>, <br>, <br />…: the usual, looked up
            tag, form = known
            attributes = []
        else:
            token = _TAG.fullmatch(markup)
            if token is None:
                return None
            name, pairs, closed, end_name = token.groups()
            tag = (name or end_name).lower()
            if tag not in _PLAIN_TAGS:
                return None
            form = _END if end_name else _EMPTY if closed else _START
            attributes = [
                (key.lower(), html.unescape(value))
                for key, value in _ATTRIBUTE.findall(pairs or "")
            ]
        if form != _END:
            start(tag, attributes)
        if form != _START:
            end(tag)
    layout.close()
    return layout.text()


def _defused(html_text: str) -> str:
    """The same text, without what makes HTMLParser slow: markup that shows
    nothing, and a ``<`` after the last ``>`` (it cannot start a tag, and the
    parser would search the rest of the text again for every one of them)."""
    if "<!" in html_text or "<?" in html_text:
        html_text = _IGNORED_MARKUP.sub("", html_text)
    last = html_text.rfind(">")
    if html_text.find("<", last + 1) >= 0:
        html_text = html_text[: last + 1] + html_text[last + 1 :].replace("<", "&lt;")
    return html_text


def _crude(html_text: str) -> str:
    """Tags out, entities decoded, whitespace collapsed: the fallback layout."""
    text = html.unescape(_TAG_TEXT.sub(" ", html_text))
    lines = (" ".join(_HTML_SPACE.split(line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class _TextMaker(HTMLParser):
    """HTMLParser's tokens, handed to a layout as they come."""

    def __init__(self, layout: Layout) -> None:
        super().__init__(convert_charrefs=True)
        self.handle_starttag = layout.start  # type: ignore[method-assign]
        self.handle_endtag = layout.end  # type: ignore[method-assign]
        self.handle_data = layout.data  # type: ignore[method-assign]
