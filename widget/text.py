"""How reader-written text is trimmed, measured and screened.

The box (static/js/widget.js) trims with the same character class and counts
code points the same way, so its counter and the server never disagree.
"""

from __future__ import annotations

import re

# Spaces of every kind plus the invisible ones people pad with (zero-width
# space/joiners, word joiner, BOM). Kept identical to TRIM in widget.js.
TRIM_CHARS = "\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
_TRIM = re.compile(f"^[{TRIM_CHARS}]+|[{TRIM_CHARS}]+$")
# Control characters other than tab and line breaks, and lone surrogates
# (JSON can smuggle them in; no database can store them as text).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def trim(value: str) -> str:
    return _TRIM.sub("", value)


def length(value: str) -> int:
    """Length in Unicode code points: 'é' and '🙂' count as one each."""
    return len(value)


def is_storable(value: str) -> bool:
    return _UNSTORABLE.search(value) is None
