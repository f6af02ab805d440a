"""Which article a source's thread becomes.

In order: the ``--map`` file (CSV: the thread's identifier or address, then
the article ID), the source's own identifier when it is a valid article ID
(a Disqus ``<id>``, a WordPress post id), else a rule on the page's address:

1. the URL's path and query, percent-decoded, without a trailing
   ``index.html``/``index.htm``/``index.php`` and without slashes at either end;
2. ``/ ? & =`` become ``-``; the site's root is ``home``;
3. when anything else had to be replaced (spaces, non-ASCII letters), every
   such run becomes ``-`` and ``-`` plus 8 hex digits of the path's SHA-256
   is added, so two pages never meet on one ID;
4. an ID longer than 128 characters keeps its first 119 and the same suffix.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..articles import is_valid_id
from .records import ImportFailure, Thread

_INDEX = re.compile(r"/?index\.(?:html?|php)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[/?&=]+")
_OTHER = re.compile(r"[^A-Za-z0-9\-_.~]+")
_EDGES = "-_.~"
MAX_LENGTH = 128
_HEADER_NAMES = {"article_id", "article id", "article"}


def _suffix(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def from_address(address: str) -> str:
    """The article ID the rule above gives a page's address (or bare path)."""
    parts = urlsplit(address.strip())
    path = unquote(parts.path) + (f"?{unquote(parts.query)}" if parts.query else "")
    path = _INDEX.sub("", path).strip("/")
    slug = _SEPARATORS.sub("-", path)
    lossy = _OTHER.search(slug) is not None
    slug = _OTHER.sub("-", slug).strip(_EDGES)
    if not slug:
        return "home" if not lossy else f"page-{_suffix(path)}"
    if lossy or len(slug) > MAX_LENGTH:
        slug = f"{slug[: MAX_LENGTH - 9].rstrip(_EDGES)}-{_suffix(path)}"
    return slug


def load_map(path: str) -> dict[str, str]:
    """Read a ``--map`` CSV: ``identifier or address,article ID`` per row."""
    chosen: dict[str, str] = {}
    name = Path(path).name
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            for number, row in enumerate(csv.reader(file), start=1):
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != 2:
                    raise ImportFailure(
                        f"{name} line {number}: expected two columns "
                        "(the thread's identifier or address, the article ID)"
                    )
                source, article_id = (cell.strip() for cell in row)
                if number == 1 and article_id.lower() in _HEADER_NAMES:
                    continue
                if not is_valid_id(article_id):
                    raise ImportFailure(
                        f"{name} line {number}: {article_id!r} is not a valid article ID "
                        "(1 to 128 letters, digits and -_.:~, starting with a letter or digit)"
                    )
                chosen[source] = article_id
    except OSError as error:
        raise ImportFailure(f"{name}: cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise ImportFailure(f"{name}: not a UTF-8 CSV file ({error})") from None
    return chosen


def _variants(name: str) -> tuple[str, ...]:
    """A name as the map file may spell it: with or without a final slash."""
    bare = name.strip()
    return (bare, bare.rstrip("/"), bare.rstrip("/") + "/")


def choose(thread: Thread, mapping: dict[str, str]) -> str | None:
    """The article ID for ``thread``; None when nothing names its page."""
    for name in (thread.identifier, thread.url):
        for variant in _variants(name or ""):
            if variant and variant in mapping:
                return mapping[variant]
    if thread.identifier and is_valid_id(thread.identifier.strip()):
        return thread.identifier.strip()
    for address in (thread.url, thread.identifier):
        if address and address.strip():
            return from_address(address)
    return None
