"""How reader-written text is trimmed, measured and screened, down to
whether it was padded to reach the minimum length.

The box (static/js/widget.js) trims with the same characters and counts code
points the same way, so its counter and the server never disagree.

Every function here runs in time linear in its input: reader text reaches them
before anything else looks at it (tests/moderation/test_text.py holds them to it).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator
from functools import cache
from itertools import pairwise

from confusable_homoglyphs.confusables import confusables_data
from flask_babel import gettext as _

# Spaces of every kind plus the invisible ones people pad with (zero-width
# space/joiners, word joiner, BOM). Kept identical to TRIM in widget.js.
TRIM_CHARS = (
    "\t\n\v\f\r \u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d"
    "\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
# Control characters other than tab and line breaks, and lone surrogates
# (JSON can smuggle them in; no database can store them as text).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Raw fields far over their limits are refused before any of the work below.
MAX_RAW_AUTHOR = 400
MAX_RAW_EMAIL = 1024
RAW_BODY_SLACK = 1000  # a body may carry up to 2 x MAX_LENGTH + this before trimming

# Joiners shape emoji sequences (👩‍💻) and Indic and Persian words: allowed
# between two visible characters, nowhere else.
JOINERS = "\u200c\u200d"
# Hangul fillers: letters to Unicode, blank on screen.
FILLERS = "\u115f\u1160\u3164\uffa0"
# Marks of direction (LRM, RLM, ALM) keep punctuation in place in mixed
# right-to-left text and move nothing else; unlike the embeddings, overrides
# and isolates, they are fine in comment text. Neither they nor fillers are
# fine in names, and neither counts towards a comment's minimum length.
BIDI_MARKS = "\u200e\u200f\u061c"
COMMENT_ONLY = BIDI_MARKS + FILLERS
# Format characters that do show: Arabic number signs and other prepended marks.
_SHOWN_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# The one use of tag characters: the flags of England, Scotland and Wales.
_EMOJI_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]{1,32}\U000e007f")
# Unicode's stream-safe limit (UAX #15): normalising longer runs of combining
# marks is quadratic in CPython.
_MAX_NON_STARTERS = 30


def trim(value: str) -> str:
    return value.strip(TRIM_CHARS)


def length(value: str) -> int:
    """Length in Unicode code points: 'é' and '🙂' count as one each."""
    return len(value)


def is_storable(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


# --- padded to reach the minimum -------------------------------------------------

_RUN = re.compile(r"(.)\1{3,}", re.DOTALL)  # the same character 4+ times
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\n]+")
_ZLIB_OVERHEAD = 8  # bytes zlib adds to any text: its header and checksum


def padding_problem(body: str, minimum: int) -> str | None:
    """Why ``body`` looks padded to reach ``minimum`` characters, or None.

    Each rule estimates what is left of the text without its padding, and
    fires only when that falls short of the minimum: padding is what made
    the comment long enough. A short comment that needs no padding ("Waka
    waka" where the minimum is 1) is never refused for looking like it.
    """
    squeezed = _RUN.sub(r"\1\1\1", _SPACES.sub(" ", body))
    if len(squeezed) < minimum:
        return _(
            "Your comment reaches the minimum length only by repeating characters "
            "or spaces: without them it has %(size)s of the %(minimum)s needed.",
            size=len(squeezed),
            minimum=minimum,
        )
    words = _WORD.findall(body.casefold())
    repeats = sum(len(w) + 1 for previous, w in pairwise(words) if w == previous)
    if len(squeezed) - repeats < minimum:
        return _(
            "Your comment reaches the minimum length only by repeating words: "
            "please write %(minimum)s characters of real text.",
            minimum=minimum,
        )
    if len(set(body.casefold()) - set(" \t\r\n")) <= min(6, minimum - 1):
        return _("Your comment uses too few different characters to be read as text.")
    different = set(words)
    few = 8 <= len(words) <= 100 and len(different) * 3 < len(words)
    if few and sum(len(w) + 1 for w in different) < minimum:
        return _("Your comment repeats the same few words over and over.")
    raw = body.encode()
    if len(raw) >= 400:
        squeezed_size = len(zlib.compress(raw)) - _ZLIB_OVERHEAD
        if squeezed_size < len(raw) * 0.12 and _unrepeated(body, squeezed_size) < minimum:
            return _("Your comment repeats the same passage over and over.")
    return None


def _unrepeated(body: str, squeezed_size: int) -> int:
    """About how long ``body`` is said once: its different sentences, or what
    zlib squeezes it to, whichever is shorter."""
    sentences = {part.strip().casefold() for part in _SENTENCE_END.split(body)} - {""}
    return min(squeezed_size, sum(len(part) + 1 for part in sentences))


# --- invisible and direction-changing characters -------------------------------


def _is_format(char: str) -> bool:
    return unicodedata.category(char) == "Cf" and char not in _SHOWN_FORMAT


def _is_blank(char: str) -> bool:
    return char.isspace() or char in FILLERS or _is_format(char)


def describe(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE': a character no one can see, named."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'format character')}"


def hidden_character(value: str, allowed: str = "") -> str | None:
    """The first invisible or direction-changing character, described, or None.

    Allowed: a joiner between two visible characters, an emoji flag's tags, and
    the characters in ``allowed`` (``COMMENT_ONLY`` for comment text).
    """
    value = _EMOJI_TAG_SEQUENCE.sub("\U0001f3f4", value)
    last = len(value) - 1
    for i, char in enumerate(value):
        if char in allowed:
            continue
        if char in FILLERS:
            return describe(char)
        if _is_format(char):
            inside_word = 0 < i < last and not (_is_blank(value[i - 1]) or _is_blank(value[i + 1]))
            if not (char in JOINERS and inside_word):
                return describe(char)
    return None


def visible_length(value: str) -> int:
    """Code points a reader can see: without fillers and format characters."""
    return sum(1 for char in value if char not in FILLERS and not _is_format(char))


def has_letter_or_digit(value: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" and char not in FILLERS for char in value)


def stream_safe(value: str) -> str:
    """``value`` with every run of combining marks cut to 30 (UAX #15), so that
    normalising it takes linear time."""
    return "".join(_stream_safe(value))


def _stream_safe(value: str) -> Iterator[str]:
    run = 0
    for char in value:
        run = run + 1 if unicodedata.combining(char) else 0
        if run <= _MAX_NON_STARTERS:
            yield char


# --- what blocked phrases are matched against ----------------------------------


# Marks and format characters live in planes 0, 1 and 14 only.
_PLANES_WITH_MARKS = (range(0x20000), range(0xE0000, 0xF0000))


@cache
def _unseen() -> dict[int, None]:
    """Dropped from a skeleton: format characters and combining marks, as a
    str.translate table (one C-speed pass where a loop over the text is slow)."""
    return {
        code: None
        for plane in _PLANES_WITH_MARKS
        for code in plane
        if unicodedata.category(chr(code)) in ("Cf", "Mn", "Me") or unicodedata.combining(chr(code))
    }


@cache
def _lookalikes() -> dict[int, str]:
    """Every character of Unicode's confusables (TS #39) to one of its class.

    confusable-homoglyphs gives the pairs in both directions; each class is a
    star around its prototype, which every member maps to (ASCII first, then
    the lowest code point, where a pair leaves the choice open).
    """
    neighbours = {
        char: {entry["c"] for entry in entries if len(entry["c"]) == 1}
        for char, entries in confusables_data.items()
        if len(char) == 1
    }
    table: dict[int, str] = {}
    for char, others in neighbours.items():
        if ord(char) in table or not others:
            continue
        members = {char} | others
        for other in others:
            members |= neighbours.get(other, set())
        centres = [m for m in members if members - {m} <= neighbours.get(m, set())]
        prototype = min(centres or members, key=lambda m: (not m.isascii(), ord(m)))
        table.update((ord(member), prototype) for member in members if member != prototype)
    return table


@cache
def _folds() -> dict[int, str | None]:
    return {**_lookalikes(), **_unseen(), **dict.fromkeys(map(ord, FILLERS), " ")}


def skeleton(value: str) -> str:
    """``value`` as blocked phrases see it: width, case, accents and other marks,
    invisible characters and look-alike letters folded away (Unicode TS #39),
    fillers as spaces, single spaces. For matching only; never shown.

    Both a phrase and the text it is looked for in are folded the same way.
    """
    unseen = _unseen()
    folded = value.translate(unseen)  # first: long runs of marks make NFKD quadratic
    folded = unicodedata.normalize("NFKD", folded).casefold()
    folded = folded.translate(_folds()).casefold()
    folded = unicodedata.normalize("NFKD", folded).translate(unseen)
    return " ".join(folded.split())
