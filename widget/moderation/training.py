"""Labelled files for the spam filter: reading them (hostile input like any
other), learning from them, and measuring the filter on them.

    flask --app wsgi spam train FILE.csv --text COLUMN --label COLUMN
    flask --app wsgi spam evaluate FILE.csv --text COLUMN --label COLUMN
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..extensions import db
from . import ModerationError, actions, learning

SPAM_LABELS = frozenset({"1", "spam", "true", "yes"})
GOOD_LABELS = frozenset({"0", "ham", "good", "false", "no"})
MAX_FIELD = 1 << 20  # a field larger than this is not a comment


class TrainingFileError(ModerationError):
    """The file cannot be read as a labelled CSV; the message says where."""


@dataclass(frozen=True)
class Labelled:
    texts: list[tuple[str, bool]]
    blank: int  # rows whose text is empty, skipped

    @property
    def spam(self) -> int:
        return sum(is_spam for _, is_spam in self.texts)

    @property
    def good(self) -> int:
        return len(self.texts) - self.spam


def read(path: str, text_column: str, label_column: str) -> Labelled:
    """Every row's text and label; TrainingFileError naming the file and the
    line for anything that is not a labelled CSV."""
    texts: list[tuple[str, bool]] = []
    blank = 0
    for line, text, label in _rows(Path(path), text_column, label_column):
        lowered = label.strip().casefold()
        if lowered not in SPAM_LABELS | GOOD_LABELS:
            raise TrainingFileError(
                f"{path}, line {line}: the label {label[:40]!r} is neither spam (1, spam) "
                "nor good (0, ham)."
            )
        if not text.strip():
            blank += 1
            continue
        texts.append((text, lowered in SPAM_LABELS))
    if not texts:
        raise TrainingFileError(f"{path}: no labelled text in it.")
    return Labelled(texts, blank)


def _rows(path: Path, text_column: str, label_column: str) -> Iterator[tuple[int, str, str]]:
    csv.field_size_limit(min(MAX_FIELD, sys.maxsize))
    start = 1  # the line the record being read starts on: where a broken quote opened
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, strict=True)
            header = next(reader, None)
            if header is None:
                raise TrainingFileError(f"{path}: the file is empty.")
            missing = [name for name in (text_column, label_column) if name not in header]
            if missing:
                shown = ", ".join(header[:12])[:200]
                raise TrainingFileError(
                    f"{path}: no column {missing[0]!r} in its first line (it has: {shown})."
                )
            text_at, label_at = header.index(text_column), header.index(label_column)
            start = reader.line_num + 1
            for row in reader:
                if row:
                    if len(row) != len(header):
                        raise TrainingFileError(
                            f"{path}, line {start}: {len(row)} fields where the "
                            f"first line names {len(header)}."
                        )
                    if "\x00" in row[text_at]:
                        raise TrainingFileError(f"{path}, line {start}: a NUL character.")
                    yield start, row[text_at], row[label_at]
                start = reader.line_num + 1
    except OSError as error:
        raise TrainingFileError(f"{path}: {error.strerror or error}.") from None
    except UnicodeDecodeError as error:
        raise TrainingFileError(
            f"{path}: not UTF-8 text (byte {error.start} cannot be decoded)."
        ) from None
    except csv.Error as error:
        raise TrainingFileError(
            f"{path}, line {start}: not a well-formed CSV file ({error})."
        ) from None


def train(labelled: Labelled, source: str, actor: str) -> int:
    """Learn every text of the file in one transaction, choose the threshold
    again, and audit it; returns how many texts were new to the filter."""
    lessons = [learning.Lesson(text, is_spam) for text, is_spam in labelled.texts]
    learnt = learning.learn(lessons, recalibrate=True)
    actions.record(actor, "spam_train", source, learnt)
    db.session.commit()
    return learnt


@dataclass(frozen=True)
class Evaluation:
    spam: int
    spam_held: int
    good: int
    good_held: int


def evaluate(labelled: Labelled) -> Evaluation:
    """What the filter, as it has learnt so far, would hold of these texts."""
    model = learning.current()
    if not model.trusted:
        raise ModerationError(
            "The filter has not learnt enough to judge: it needs "
            f"{learning.TRUSTED_EXAMPLES} spam and {learning.TRUSTED_EXAMPLES} good "
            "examples (spam train FILE, or admins' decisions)."
        )
    held = [(model.judge(text).likely, is_spam) for text, is_spam in labelled.texts]
    return Evaluation(
        spam=labelled.spam,
        spam_held=sum(likely for likely, is_spam in held if is_spam),
        good=labelled.good,
        good_held=sum(likely for likely, is_spam in held if not is_spam),
    )
