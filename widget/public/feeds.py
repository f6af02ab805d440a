"""/feeds: Atom 1.0 feeds of published comments, for feed readers and a
newsroom's own tools: one article's 50 newest, and the whole site's.

The XML is built with ElementTree, so every reader-written text is escaped by
construction; characters XML 1.0 cannot carry at all (which an import may have
brought in) are dropped first, so a feed is always well-formed.

Revalidation (``If-None-Match``, 304) is cheap for the article feed: its ETag
comes from the article's version (widget/cache.py), which every change bumps,
so a 304 never reads comment rows. The recent feed has no such version (no one
number changes with every article), so its ETag is a hash of the body itself:
exact by construction, whatever changed (a new comment, an edit, a removal, a
reader's data erased), for the price of one indexed 50-row query and building
the XML. The 304 then saves the transfer, and ``max-age=60`` most requests.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import ColumnElement, Row, select

from .. import articles, cache, links
from ..extensions import db, limiter
from ..models import Comment, Status, iso_utc
from . import listing

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "http://www.w3.org/2005/Atom"
THREAD = "http://purl.org/syndication/thread/1.0"  # RFC 4685: in-reply-to

FEED_SIZE = 50
CACHE_CONTROL = "public, max-age=60"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# A tag: URI names a date on which its authority held the name (RFC 4151).
# Fixed, so that an entry's id never changes.
TAG_DATE = "2025"
# A feed without entries still needs an <updated>; this one never moves.
EPOCH = "1970-01-01T00:00:00Z"
# Part of every ETag: bump it when the feed's shape changes, so that copies
# revalidated against an older shape are sent again.
FORMAT = "1"
GENERATOR = "comment-widget"

# What XML 1.0's Char production excludes: C0 controls other than tab and line
# breaks, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Only what an entry shows: one query, no whole rows.
_COLUMNS = (
    Comment.id,
    Comment.article_id,
    Comment.parent_id,
    Comment.author,
    Comment.body,
    Comment.created_at,
    Comment.edited_at,
)


def _read_limits() -> str:
    return current_app.config["READ_LIMITS"]


@bp.get("/articles/<article_id>.atom")
@limiter.limit(_read_limits)
def article_feed(article_id: str) -> Response:
    """The article's 50 newest published comments, replies included."""
    if not articles.is_valid_id(article_id):
        abort(404)  # outside /api/: a plain 404, as for any address that names nothing
    base = links.service_url() or ""
    # The version is read before the rows: the body is then never older than
    # the tag it is sent with, so no client keeps a stale feed under a new tag.
    version = cache.current_version(article_id)
    etag = _digest("article", base, article_id, str(version))
    if listing.client_has(etag):
        return _not_modified(etag)
    rows = _newest(Comment.article_id == article_id)
    body = _render(rows, base, f"articles/{article_id}", f"Comments on {article_id}")
    return _feed_response(body, etag)


@bp.get("/recent.atom")
@limiter.limit(_read_limits)
def recent_feed() -> Response:
    """The 50 newest published comments of the whole site."""
    base = links.service_url() or ""
    body = _render(_newest(), base, "recent", "Recent comments")
    etag = _digest("recent", hashlib.blake2b(body, digest_size=16).hexdigest())
    if listing.client_has(etag):
        return _not_modified(etag)
    return _feed_response(body, etag)


def _newest(*conditions: ColumnElement[bool]) -> Sequence[Row[Any]]:
    """The newest published comments matching ``conditions``: one query, served
    by (article_id, status, id) or (status, id)."""
    return db.session.execute(
        select(*_COLUMNS)
        .where(Comment.status == Status.PUBLISHED, *conditions)
        .order_by(Comment.id.desc())
        .limit(FEED_SIZE)
    ).all()


def _render(rows: Sequence[Row[Any]], base: str, name: str, title: str) -> bytes:
    """The feed document: UTF-8 XML with its declaration.

    ``name`` is the feed's part of its tag: id; the self link is the address
    this request came to, under ``base``.
    """
    authority = urlsplit(base).hostname or "localhost"
    # Namespaces declared as plain attributes, names written as they appear:
    # ElementTree's own namespace handling would prefix every Atom element
    # (or, with default_namespace, refuse the unqualified attributes).
    feed = ET.Element("feed", {"xmlns": ATOM, "xmlns:thr": THREAD})
    _add(feed, "id", _tag(authority, f"feeds/{name}"))
    _add(feed, "title", title)
    newest = max((row.edited_at or row.created_at for row in rows), default=None)
    # RFC 3339 in UTC, to the second (the API's format).
    _add(feed, "updated", iso_utc(newest) if newest else EPOCH)
    _add(
        feed,
        "link",
        rel="self",
        type="application/atom+xml",
        href=base + request.path,
    )
    _add(feed, "generator", GENERATOR)
    for row in rows:
        _entry(feed, row, authority)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, row: Row[Any], authority: str) -> None:
    entry = _add(feed, "entry")
    author = xml_text(row.author).strip() or "Anonymous"
    _add(entry, "id", _tag(authority, f"comment-{row.id}"))
    _add(entry, "title", f"{author} on {row.article_id}")
    _add(_add(entry, "author"), "name", author)
    _add(entry, "published", iso_utc(row.created_at))
    _add(entry, "updated", iso_utc(row.edited_at or row.created_at))
    _add(entry, "content", xml_text(row.body), type="text")
    if row.parent_id is not None:
        _add(entry, "thr:in-reply-to", ref=_tag(authority, f"comment-{row.parent_id}"))


def xml_text(value: str) -> str:
    """``value`` without the characters no XML 1.0 document may contain.

    Posting already removes control characters; imported comments may not
    have gone through that, and one such character would make the whole feed
    unreadable to every feed reader.
    """
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, name, attributes)
    element.text = text
    return element


def _tag(authority: str, specific: str) -> str:
    """A stable tag: URI (RFC 4151), e.g. ``tag:comments.example.com,2025:comment-41``."""
    return f"tag:{authority},{TAG_DATE}:{specific}"


def _digest(*parts: str) -> str:
    raw = "\0".join((FORMAT, *parts))
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _not_modified(etag: str) -> Response:
    return Response(status=304, headers=listing.validators(etag, CACHE_CONTROL))


def _feed_response(body: bytes, etag: str) -> Response:
    return Response(
        body, headers=listing.validators(etag, CACHE_CONTROL), content_type=CONTENT_TYPE
    )
