"""The learning spam filter: what it learnt lives in the database, so every
worker of every instance judges with the same model.

Learning (an admin's approve or spam, a training file) adds a text's hashed
features to ``spam_counts`` and bumps the filter's revision in the same
transaction; the learner holds the filter's row while it does, so revisions
commit in order. Judging reads the counts from memory: each process keeps a
copy and, when the revision moved, reads only the rows changed since (one
indexed query), so scoring a comment costs no more than its features.

The threshold is chosen from the data (classifier.calibrate): the score that
holds at most 1% of the good comments learnt from, each scored by counts that
had not seen it. It is chosen again when a twentieth more has been learnt. Until
the filter has learnt TRUSTED_EXAMPLES of each class it judges nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import ColumnElement, select

from ..database import upsert
from ..extensions import db
from ..models import Comment, SpamCount, SpamExample, SpamFilterState
from . import classifier

TRUSTED_EXAMPLES = 50  # of each class, before the filter holds anything
LEARN_PER_ACTION = 500  # a bulk decision teaches with its newest comments, this many
CALIBRATION_EXAMPLES = 4000  # the newest examples the threshold is chosen from
RECALIBRATE_SHARE = 0.05  # choose the threshold again after this much more learnt
STATE_ID = 1
# The stored score from which a comment counts as likely spam: the admin
# list's "likely spam" filter. The filter holds a comment above its threshold,
# which holds at most 1% of the good comments learnt from: a score of 0.99.
LIKELY_RANK = 1 - classifier.HELD_HAM_SHARE


@dataclass(frozen=True)
class Lesson:
    """A text and what it is. ``comment_id`` for an admin's decision,
    otherwise the text itself identifies it (a training file's row)."""

    text: str
    is_spam: bool
    comment_id: int | None = None

    @cached_property
    def digest(self) -> str | None:
        if self.comment_id is not None:
            return None
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def key(self) -> int | str | None:
        """What identifies the example this lesson makes (``_known``'s keys)."""
        return self.comment_id if self.comment_id is not None else self.digest


@dataclass(frozen=True)
class Judgement:
    """The filter's view of a text: ``rank`` as stored on the comment (None
    while untrained), and whether it is likely spam."""

    rank: float | None = None
    likely: bool = False


# --- the model each process keeps ----------------------------------------------


@dataclass
class _Model:
    model_id: str = ""
    revision: int = -1
    counts: classifier.Counts = field(default_factory=classifier.Counts.empty)
    vocabulary: int = 1
    calibration: classifier.Calibration | None = None

    @property
    def trusted(self) -> bool:
        counts = self.counts
        return _trusted(counts.spam_docs, counts.ham_docs, self.calibration is not None)

    def judge(self, text: str) -> Judgement:
        calibration = self.calibration
        if not self.trusted or calibration is None:
            return Judgement()
        score = self.counts.score(classifier.features(text), self.vocabulary)
        likely = score > calibration.threshold
        # The rank comes from a sample of the good comments' scores: kept on the
        # side of the line the threshold put the comment, so the two always agree.
        rank = calibration.rank(score)
        rank = max(rank, LIKELY_RANK) if likely else min(rank, LIKELY_RANK - 0.0001)
        return Judgement(round(rank, 4), likely)

    def explain(self, text: str, limit: int = 8) -> list[tuple[str, float]]:
        """The features of ``text`` that weighed most, with their weights."""
        return classifier.strongest(text, self.counts, self.vocabulary, limit)


_model = _Model()
_catching_up = threading.Lock()  # threads of one process catch up one at a time


_STATE = select(SpamFilterState).where(SpamFilterState.id == STATE_ID)


def _locked_state() -> SpamFilterState:
    """The filter's row, created when missing, held until the transaction ends."""
    db.session.execute(
        upsert(SpamFilterState).values(id=STATE_ID).on_conflict_do_nothing(index_elements=["id"])
    )
    query = _STATE.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one()


def _read_counts(counts: classifier.Counts, since: int) -> None:
    """Copy the rows changed after revision ``since`` into ``counts``."""
    rows = db.session.execute(
        select(SpamCount.bucket, SpamCount.spam, SpamCount.ham).where(SpamCount.revision > since)
    )
    for bucket, spam, ham in rows:
        for table, value in ((counts.spam, spam), (counts.ham, ham)):
            if value:
                table[bucket] = value
            else:
                table.pop(bucket, None)


def _totals(counts: classifier.Counts, state: SpamFilterState) -> None:
    counts.spam_docs, counts.ham_docs = state.spam_docs, state.ham_docs
    counts.spam_total, counts.ham_total = state.spam_total, state.ham_total


def _calibration(state: SpamFilterState) -> classifier.Calibration | None:
    if state.threshold is None:
        return None
    return classifier.Calibration(state.threshold, tuple(json.loads(state.ham_scores)))


_REVISION = select(SpamFilterState.model_id, SpamFilterState.revision).where(
    SpamFilterState.id == STATE_ID
)
# The filter's identity and revision as read with a post's other circumstances
# (defences.circumstances): None when it has learnt nothing yet.
Revision = tuple[str, int] | None
UNKNOWN = object()  # not read yet: current() reads it


def current(revision: Revision | object = UNKNOWN) -> _Model:
    """This process's model, caught up with the database's (at ``revision``
    when the caller has just read it)."""
    global _model
    found = db.session.execute(_REVISION).first() if revision is UNKNOWN else revision
    if found is None:
        if _model.revision != -1:
            _model = _Model()
        return _model
    if tuple(found) == (_model.model_id, _model.revision):
        return _model
    with _catching_up:
        state = db.session.execute(_STATE.execution_options(populate_existing=True)).scalar_one()
        # Another database or a new model, or this one restored from a backup
        # taken before what this process read: read it all again.
        if state.model_id != _model.model_id or state.revision < _model.revision:
            _model = _Model(model_id=state.model_id)
        _read_counts(_model.counts, _model.revision)
        _totals(_model.counts, state)
        _model.vocabulary = _model.counts.vocabulary
        _model.calibration = _calibration(state)
        _model.revision = state.revision
    return _model


def judge(text: str, revision: Revision | object = UNKNOWN) -> Judgement:
    return current(revision).judge(text)


@dataclass(frozen=True)
class Summary:
    """What the filter has learnt, in numbers (the admin pages say it)."""

    spam: int = 0
    good: int = 0
    trusted: bool = False  # it judges: enough of each class, and a threshold


def summary() -> Summary:
    """From the filter's row alone: no catching up with its counts."""
    found = db.session.execute(
        select(
            SpamFilterState.spam_docs, SpamFilterState.ham_docs, SpamFilterState.threshold
        ).where(SpamFilterState.id == STATE_ID)
    ).first()
    if found is None:
        return Summary()
    spam, good, threshold = found
    return Summary(spam, good, _trusted(spam, good, threshold is not None))


def _trusted(spam: int, good: int, calibrated: bool) -> bool:
    """Whether the filter judges: enough of each class, and a threshold."""
    return min(spam, good) >= TRUSTED_EXAMPLES and calibrated


# --- learning ------------------------------------------------------------------


def learn(lessons: Sequence[Lesson], recalibrate: bool = False) -> int:
    """Learn these texts in the current transaction (the caller commits);
    returns how many changed what the filter knows. Learning a text again as
    the same thing changes nothing; as the other thing, it moves. The
    threshold is chosen again when ``recalibrate``, or when a twentieth more
    has been learnt since it last was."""
    if not lessons:
        return 0
    state = _locked_state()  # learners take turns: revisions commit in order
    known = _known(lessons)
    delta = classifier.Counts.empty()  # what these lessons change
    changed = 0
    for lesson in lessons:
        example = known.get(lesson.key)
        if example is not None and example.is_spam == lesson.is_spam:
            continue
        if example is not None:  # decided the other way before: unlearn that
            delta.add(classifier.features(example.text), example.is_spam, -1)
            example.is_spam, example.text = lesson.is_spam, lesson.text
        else:
            example = SpamExample(
                comment_id=lesson.comment_id,
                digest=lesson.digest,
                text=lesson.text,
                is_spam=lesson.is_spam,
            )
            db.session.add(example)
            known[lesson.key] = example
        delta.add(classifier.features(lesson.text), lesson.is_spam, +1)
        changed += 1
    if changed:
        state.revision += 1
        _write_counts(delta, state.revision)
        _add_totals(state, delta)
        state.since_calibration += changed
    docs = state.spam_docs + state.ham_docs
    stale = state.threshold is None or state.since_calibration >= RECALIBRATE_SHARE * docs
    if recalibrate or (changed and stale):
        _calibrate(state)
    db.session.flush()
    return changed


def _known(lessons: Sequence[Lesson]) -> dict[int | str | None, SpamExample]:
    ids = [lesson.comment_id for lesson in lessons if lesson.comment_id is not None]
    digests = [lesson.digest for lesson in lessons if lesson.comment_id is None]
    found: dict[int | str | None, SpamExample] = {}
    for chunk in _chunks(ids):
        for example in db.session.scalars(
            select(SpamExample).where(SpamExample.comment_id.in_(chunk))
        ):
            found[example.comment_id] = example
    for chunk in _chunks(digests):
        for example in db.session.scalars(select(SpamExample).where(SpamExample.digest.in_(chunk))):
            found[example.digest] = example
    return found


def _chunks(values: Sequence[object], size: int = 500) -> Iterable[Sequence[object]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _add_totals(state: SpamFilterState, delta: classifier.Counts) -> None:
    state.spam_docs += delta.spam_docs
    state.ham_docs += delta.ham_docs
    state.spam_total += delta.spam_total
    state.ham_total += delta.ham_total


def _write_counts(delta: classifier.Counts, revision: int) -> None:
    """Add ``delta`` to the stored counts, marking its rows with ``revision``."""
    rows = [
        {
            "bucket": bucket,
            "spam": delta.spam.get(bucket, 0),
            "ham": delta.ham.get(bucket, 0),
            "revision": revision,
        }
        for bucket in sorted(delta.spam.keys() | delta.ham.keys())
    ]
    insert = upsert(SpamCount)
    statement = insert.on_conflict_do_update(
        index_elements=["bucket"],
        set_={
            "spam": SpamCount.spam + insert.excluded.spam,
            "ham": SpamCount.ham + insert.excluded.ham,
            "revision": insert.excluded.revision,
        },
    )
    for chunk in _chunks(rows, 5000):
        db.session.execute(statement, chunk)


def _calibrate(state: SpamFilterState) -> None:
    """Choose the threshold again from the newest examples, in the learner's
    transaction, with what it has learnt so far."""
    state.revision += 1  # processes take the new threshold with the next catch-up
    if min(state.spam_docs, state.ham_docs) < TRUSTED_EXAMPLES:
        state.threshold, state.ham_scores = None, "[]"
        return
    db.session.flush()
    counts = classifier.Counts.empty()
    _read_counts(counts, -1)
    _totals(counts, state)
    examples = db.session.execute(
        select(SpamExample.text, SpamExample.is_spam)
        .order_by(SpamExample.id.desc())
        .limit(CALIBRATION_EXAMPLES)
    ).all()
    examples.reverse()  # in the order learnt: consecutive blocks are waves
    calibration = classifier.calibrate(counts, [(text, is_spam) for text, is_spam in examples])
    state.threshold = calibration.threshold
    state.ham_scores = json.dumps([round(score, 4) for score in calibration.ham_scores])
    state.since_calibration = 0


def learn_decision(where: Sequence[ColumnElement[bool]], is_spam: bool) -> int:
    """Learn from an admin's decision on the comments matching ``where``:
    approved or kept ones as good, spam as spam. Call it before the decision
    changes their status (``where`` may name it). Only the newest
    LEARN_PER_ACTION teach: a wave of 20,000 copies teaches no more than its
    first few hundred, and the decision must stay quick."""
    rows = db.session.execute(
        select(Comment.id, Comment.body)
        .where(*where)
        .order_by(Comment.id.desc())
        .limit(LEARN_PER_ACTION)
    ).all()
    return learn([Lesson(body, is_spam, comment_id) for comment_id, body in rows])
