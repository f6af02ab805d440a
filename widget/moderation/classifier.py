"""The spam filter's arithmetic: features of a text, naive Bayes over counts,
and a threshold chosen from the data. No database here (learning.py keeps the
counts); every function is pure, so the benchmark and the tests use the very
code the posting path does.

Why naive Bayes over hashed word and character n-grams: on the YouTube Spam
Collection (train on four videos, test the fifth) it holds about as much spam
at the same share of good comments held as a logistic regression over the
same features (measured with scikit-learn, see the README), and unlike a
linear model it learns from one decision by adding counts, unlearns by
subtracting them, and gives every comment's leave-one-out score exactly, which
is what the threshold is chosen from. Hashing bounds the model's size however
much it reads.
"""

from __future__ import annotations

import bisect
import html
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

BUCKETS = 1 << 20  # hashed feature space: 2^20 counts per class at most
SMOOTHING = 0.1  # additive (Lidstone) smoothing of every count
CHAR_GRAMS = (2, 3, 4, 5)  # character n-grams, inside words padded with spaces
FOLDS = 5  # blocks the examples are scored in, for the threshold
HELD_HAM_SHARE = 0.01  # the threshold holds at most this share of the good comments seen
RANKS = 1000  # good comments' scores kept to rank a new score against
MAX_TEXT = 4000  # characters read: longer text adds nothing a filter needs

# How tokens() names what it finds (the admin page reads the names back):
LINK = "<link>"  # the token every link adds: no word can be spelt so
HOST = "host:"  # + a link's host, "www." dropped
GRAM = "~"  # + a character n-gram of a word padded with spaces
_TAG = re.compile(r"<[^<>]{0,300}>")
_LINK = re.compile(r"(?i)(?:https?://|www\.)([\w.-]{1,253})")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """What the features are read from: entities decoded, width folded, case
    folded, tags and the byte-order mark dropped (as text is, never shown)."""
    text = unicodedata.normalize("NFKC", html.unescape(text[:MAX_TEXT]))
    return _TAG.sub(" ", text).replace("\ufeff", " ").casefold()


def tokens(text: str) -> set[str]:
    """The features of ``text``: words, word pairs, character n-grams, and the
    host of every link. A set: a word said twice counts once (short comments
    are the norm, and repetition is the padding defence's business)."""
    text = normalise(text)
    found: set[str] = set()
    for host in _LINK.findall(text):
        host = host.strip(".").removeprefix("www.")
        found.add(LINK)
        found.add(HOST + host)
    words = _WORD.findall(text)
    found.update(words)
    found.update(f"{a} {b}" for a, b in pairwise(words))
    for word in text.split():
        padded = f" {word} "
        for n in CHAR_GRAMS:
            found.update(GRAM + padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


def bucket(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "surrogatepass")) & (BUCKETS - 1)


def features(text: str) -> set[int]:
    return {bucket(token) for token in tokens(text)}


@dataclass
class Counts:
    """What the filter has learnt: per hashed feature, in how many spam and
    good texts it appeared, and how many features each class has seen."""

    spam: dict[int, int]
    ham: dict[int, int]
    spam_docs: int = 0
    ham_docs: int = 0
    spam_total: int = 0
    ham_total: int = 0

    @classmethod
    def empty(cls) -> Counts:
        return cls({}, {})

    def add(self, found: Iterable[int], is_spam: bool, times: int = 1) -> None:
        """Learn (times=1) or unlearn (times=-1) one text's features."""
        table = self.spam if is_spam else self.ham
        n = 0
        for feature in found:
            table[feature] = table.get(feature, 0) + times
            n += 1
        if is_spam:
            self.spam_docs += times
            self.spam_total += n * times
        else:
            self.ham_docs += times
            self.ham_total += n * times

    def weight(self, feature: int, vocabulary: int) -> float:
        """How much a feature says "spam" (> 0) or "good" (< 0), in log-odds."""
        spam = (self.spam.get(feature, 0) + SMOOTHING) / (self.spam_total + SMOOTHING * vocabulary)
        ham = (self.ham.get(feature, 0) + SMOOTHING) / (self.ham_total + SMOOTHING * vocabulary)
        return math.log(spam / ham)

    @property
    def vocabulary(self) -> int:
        return max(1, len(self.spam.keys() | self.ham.keys()))

    def score(self, found: Iterable[int], vocabulary: int) -> float:
        """Log-odds that a text with these features is spam (classes weighed
        equally: how often each is seen says nothing about this comment).
        ``vocabulary``: ``self.vocabulary``, which callers keep rather than
        count again for every text."""
        return sum(self.weight(feature, vocabulary) for feature in found)


@dataclass(frozen=True)
class Calibration:
    """Where the filter holds, and how a score compares with good comments'."""

    threshold: float  # hold when a comment's score is above this
    ham_scores: tuple[float, ...]  # good comments' unseen scores, ascending (a sample)

    def rank(self, score: float) -> float:
        """The share of good comments that score lower: the number admins see
        (0.995: more spam-like than 99.5% of the good comments learnt from)."""
        if not self.ham_scores:
            return 0.0
        return bisect.bisect_left(self.ham_scores, score) / len(self.ham_scores)


def threshold_for(ham_scores: Sequence[float], share: float = HELD_HAM_SHARE) -> float:
    """The lowest score that holds at most ``share`` of these good comments."""
    ordered = sorted(ham_scores, reverse=True)
    allowed = int(len(ordered) * share)  # how many good comments may score above
    return ordered[min(allowed, len(ordered) - 1)]


def sample(ordered: Sequence[float], size: int = RANKS) -> tuple[float, ...]:
    """At most ``size`` values spread evenly over ``ordered``, ends kept."""
    if len(ordered) <= size:
        return tuple(ordered)
    step = (len(ordered) - 1) / (size - 1)
    return tuple(ordered[round(i * step)] for i in range(size))


def calibrate(
    counts: Counts, examples: Sequence[tuple[str, bool]], folds: int = FOLDS
) -> Calibration:
    """The threshold and the probability scale, from scores the examples get
    from counts that never saw them: ``examples`` (what ``counts`` learnt, in
    the order learnt) in ``folds`` consecutive blocks, each scored with its own
    counts taken out. Blocks, not single texts: spam comes in waves of near
    copies, and a wave must be scored as new, the way the next one will be.
    """
    found = [(features(text), is_spam) for text, is_spam in examples]
    vocabulary = counts.vocabulary
    scores: list[float] = []
    for k in range(folds):
        block = found[len(found) * k // folds : len(found) * (k + 1) // folds]
        for features_, is_spam in block:
            counts.add(features_, is_spam, -1)
        try:
            scores.extend(counts.score(features_, vocabulary) for features_, _ in block)
        finally:
            for features_, is_spam in block:
                counts.add(features_, is_spam, +1)
    ham = sorted(score for score, (_, is_spam) in zip(scores, found, strict=True) if not is_spam)
    return Calibration(threshold_for(ham), sample(ham))


def strongest(
    text: str, counts: Counts, vocabulary: int, limit: int = 8
) -> list[tuple[str, float]]:
    """The features of ``text`` that weighed most, either way, by name: what
    the admin page shows to explain a score."""
    weights: dict[str, float] = {}
    for token in tokens(text):
        weights[token] = counts.weight(bucket(token), vocabulary)
    ranked = sorted(weights.items(), key=lambda item: (-abs(item[1]), item[0]))
    return ranked[:limit]
