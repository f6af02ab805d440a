"""Laying out HTML tokens as the plain text this service stores: paragraphs
separated by one empty line, line breaks, links with their addresses, image
alt text, dropped scripts and styles. Fed by ``html_text`` (from
HTMLParser's tokens, or its fast path's)."""

from __future__ import annotations

import re

# Elements that stand as paragraphs of their own: a blank line before and after.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})  # side by side within a row: a space between
# Contents nobody reads as part of the comment.
_DROPPED = frozenset({"script", "style", "template"})
# HTML's own whitespace; other spaces (CJK ideographic space, …) are text.
_HTML_SPACE = re.compile(r"[ \t\n\r\f\xa0]+")
_ONE_NEWLINE = re.compile(r"[ \t\f\xa0]*(?:\r\n|\r|\n)?")
_SCHEMES = ("http://", "https://", "mailto:")
_MAX_URL = 2048
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")

# What comes after a line break or a block edge in the source (WordPress mode):
# nothing to swallow, one newline (``<br />\n`` is one break), all whitespace.
_KEEP, _ONE, _ALL = 0, 1, 2


class _Link:
    __slots__ = ("href", "words")

    def __init__(self, href: str) -> None:
        self.href = href
        self.words: list[str] = []


# How the layout treats each tag it does not ignore.
_DROP, _HEAD, _BODY, _BR, _BLOCK, _PRE, _CELL, _A, _IMG = range(9)
_KINDS = {
    **dict.fromkeys(_BLOCKS, _BLOCK),
    **dict.fromkeys(_CELLS, _CELL),
    **dict.fromkeys(_DROPPED, _DROP),
    "head": _HEAD, "body": _BODY, "br": _BR, "pre": _PRE, "a": _A, "img": _IMG,
}  # fmt: skip


class Layout:
    """Collects lines from tokens (start tags, end tags, decoded text);
    paragraphs are separated by one empty line."""

    __slots__ = (
        "breaks", "in_head", "line", "lines", "link", "paragraph", "pre", "pre_start",
        "skipping", "space", "swallow",
    )  # fmt: skip

    def __init__(self, newlines_are_breaks: bool) -> None:
        self.breaks = newlines_are_breaks
        self.lines: list[str] = []
        self.line: list[str] = []
        self.space = False  # a space is owed before the next word on this line
        self.paragraph = False  # a blank line is owed before the next text
        self.swallow = _KEEP
        self.skipping = 0  # inside script/style/template
        self.in_head = False
        self.pre = 0
        self.pre_start = False  # the newline right after <pre> is not content
        self.link: _Link | None = None

    # -- tokens ---------------------------------------------------------------

    def start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _KINDS.get(tag)
        if kind is None:
            return
        if kind == _DROP:
            self.skipping += 1
        elif kind == _HEAD:
            self.in_head = True
        elif kind == _BODY:
            self.in_head = False  # an unclosed <head> ends where the body starts
        elif self.skipping or self.in_head:
            return
        elif kind == _BLOCK:
            self._boundary()
        elif kind == _BR:
            self._newline()
            self.swallow = _ONE
        elif kind == _A:
            self.close()  # links do not nest; a new one ends the last
            self.link = _Link(_attr(attrs, "href"))
        elif kind == _PRE:
            self._boundary()
            self.pre += 1
            self.pre_start = True
        elif kind == _CELL:
            self._cell()
        elif kind == _IMG:
            alt = _attr(attrs, "alt")
            if alt.strip():
                self.data(alt)

    def end(self, tag: str) -> None:
        kind = _KINDS.get(tag)
        if kind is None:
            return
        if kind == _DROP:
            self.skipping = max(0, self.skipping - 1)
        elif kind == _HEAD:
            self.in_head = False
        elif self.skipping or self.in_head:
            return
        elif kind == _BLOCK:
            self._boundary()
        elif kind == _A:
            self.close()
        elif kind == _PRE:
            if self.pre:
                self.pre -= 1
            self._boundary()
        elif kind == _CELL:
            self._cell()

    def data(self, data: str) -> None:
        if self.skipping or self.in_head or not data:
            return
        if self.link is not None:
            self.link.words.append(data)
        if self.pre:
            self._pre_text(data)
        elif self.breaks:
            self._broken_text(data)
        else:
            self._words(data)

    def close(self) -> None:
        """End the open link, if any (at its end tag, a new link, or the end)."""
        link, self.link = self.link, None
        if link is None:
            return
        href = _shown_url(link.href)
        if href is None:
            return
        words = " ".join(_HTML_SPACE.split("".join(link.words))).strip()
        if not words:
            self._put(href)
        elif _same_address(words, href):
            return
        else:
            self.space = True
            self._put(f"({href})")

    # -- layout ---------------------------------------------------------------

    def text(self) -> str:
        if self.line:
            self._flush()
        out: list[str] = []
        for line in self.lines:
            if line.strip():
                out.append(line)
            elif out and out[-1]:
                out.append("")  # at most one blank line in a row
        return "\n".join(out).strip()

    def _put(self, text: str) -> None:
        if self.paragraph:
            self.lines.append("")
            self.paragraph = False
        if self.space and self.line:
            self.line.append(" ")
        self.space = False
        self.line.append(text)
        self.swallow = _KEEP

    def _flush(self) -> None:
        self.lines.append("".join(self.line).rstrip())
        self.line = []
        self.space = False

    def _newline(self) -> None:
        if self.paragraph:
            return  # a paragraph edge already breaks the line
        self._flush()

    def _boundary(self) -> None:
        if self.line:
            self._flush()
        self.paragraph = True
        self.space = False
        self.swallow = _ALL

    def _cell(self) -> None:
        self.space = True
        self.swallow = _ALL

    def _words(self, data: str) -> None:
        """Whitespace collapses to one space, none at the start of a line."""
        collapsed = data
        if (
            "  " in data
            or "\n" in data
            or "\t" in data
            or "\r" in data
            or "\f" in data
            or "\xa0" in data
        ):
            collapsed = _HTML_SPACE.sub(" ", data)
        words = collapsed.strip(" ")
        if collapsed[0] == " ":
            self.space = True
        if words:
            self._put(words)
            if collapsed[-1] == " ":
                self.space = True

    def _broken_text(self, data: str) -> None:
        """WordPress: a newline is a line break, except the one the markup makes."""
        if self.swallow == _ALL:
            data = data.lstrip(" \t\n\r\f\xa0")
            if not data:
                return
        elif self.swallow == _ONE:
            data = data[_ONE_NEWLINE.match(data).end() :]  # type: ignore[union-attr]
            self.swallow = _KEEP
        data = data.replace("\r\n", "\n").replace("\r", "\n")
        for number, segment in enumerate(data.split("\n")):
            if number:
                self._newline()
            if segment:
                self._words(segment)

    def _pre_text(self, data: str) -> None:
        data = data.replace("\r\n", "\n").replace("\r", "\n")
        if self.pre_start:
            data = data.removeprefix("\n")
            self.pre_start = False
        for number, segment in enumerate(data.split("\n")):
            if number:
                self._newline()
            if segment:
                self.space = False
                self._put(segment)


def _attr(attrs: list[tuple[str, str | None]], name: str) -> str:
    for key, value in attrs:
        if key == name:
            return value or ""
    return ""


def _shown_url(href: str) -> str | None:
    """The address to write out: web and mail links only, never script: or
    relative ones (they mean nothing away from the old site)."""
    href = href.strip()
    lower = href.lower()
    if len(href) > _MAX_URL or not lower.startswith(_SCHEMES):
        return None
    # Printable ASCII without a space holds nothing _NOT_IN_URL looks for.
    if not (href.isascii() and href.isprintable() and " " not in href) and _NOT_IN_URL.search(href):
        return None
    if lower.startswith("mailto:"):
        address = href[len("mailto:") :].split("?", 1)[0]
        return address or None
    return href


def _same_address(words: str, href: str) -> bool:
    """True when a link's words are its address (give or take scheme, www and
    a trailing slash), so writing the address again would only repeat it."""

    def bare(text: str) -> str:
        text = text.lower()
        for prefix in _SCHEMES:
            text = text.removeprefix(prefix)
        return text.removeprefix("www.").rstrip("/")

    return bare(words) == bare(href)
