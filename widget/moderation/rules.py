"""The rules admins set: blocked words and phrases, and the switches
(pre-moderation, holding first comments); and ``current_rules``, the compiled
copy each process keeps for the defences."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import BlockedPhrase, RuleAction, Setting
from . import ModerationError, text
from .actions import record

MAX_PHRASE = 200

# Switches an admin can turn; a missing row means the default.
PRE_MODERATION = "pre_moderation"  # "on" / "off"; default: COMMENTS_MODERATION
HOLD_FIRST_COMMENT = "hold_first_comment"  # "on" / "off"; default: off
# Changes with every change to the switches or the blocked phrases (a fresh
# random value), so each process can keep the rules in memory and reload them
# only when this differs from what it loaded (defences.py).
RULES_VERSION = "rules_version"


def normalise(value: str) -> str:
    """How blocked phrases are stored: NFKC, case-folded, single spaces.

    Runs of combining marks are cut first (UAX #15's stream-safe 30): CPython
    normalises long runs in quadratic time. Matching folds further
    (``text.skeleton``).
    """
    return " ".join(unicodedata.normalize("NFKC", text.stream_safe(value)).casefold().split())


def block_phrase(phrase: str, action: str, actor: str) -> BlockedPhrase:
    phrase = normalise(phrase)
    if not phrase or len(phrase) > MAX_PHRASE or not text.is_storable(phrase):
        raise ModerationError(f"A blocked phrase is 1 to {MAX_PHRASE} plain characters.")
    try:
        action = RuleAction(action)
    except ValueError:
        raise ModerationError("A blocked phrase either holds or rejects a comment.") from None
    rule = db.session.scalar(select(BlockedPhrase).where(BlockedPhrase.phrase == phrase))
    if rule is None:
        rule = BlockedPhrase(phrase=phrase, created_by=actor[:80])
        db.session.add(rule)
    rule.action = action
    _rules_changed()
    record(actor, "block_phrase", f"{action}: {phrase}")
    db.session.commit()
    return rule


def unblock_phrase(phrase: str, actor: str) -> bool:
    phrase = normalise(phrase)
    removed = db.session.execute(
        delete(BlockedPhrase).where(BlockedPhrase.phrase == phrase)
    ).rowcount
    if not removed:
        db.session.rollback()
        return False
    _rules_changed()
    record(actor, "unblock_phrase", phrase)
    db.session.commit()
    return True


def blocked_phrases() -> Sequence[BlockedPhrase]:
    return db.session.scalars(select(BlockedPhrase).order_by(BlockedPhrase.phrase)).all()


# --- switches ------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    pre_moderation: bool | None  # None: COMMENTS_MODERATION decides
    hold_first_comment: bool

    @property
    def holds_everything(self) -> bool:
        if self.pre_moderation is not None:
            return self.pre_moderation
        return current_app.config["MODERATION"] == "pre"


def settings() -> Settings:
    stored = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    pre = stored.get(PRE_MODERATION)
    return Settings(
        pre_moderation=None if pre is None else pre == "on",
        hold_first_comment=stored.get(HOLD_FIRST_COMMENT) == "on",
    )


def _store(key: str, value: str | None) -> None:
    row = db.session.get(Setting, key)
    if value is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _rules_changed() -> None:
    """Bump the rules version in the current transaction: every process
    reloads the switches and phrases on its next post."""
    _store(RULES_VERSION, secrets.token_hex(16))


def set_pre_moderation(value: bool | None, actor: str) -> None:
    """Hold every new comment (True), publish them (False), or follow
    COMMENTS_MODERATION (None)."""
    _store(PRE_MODERATION, None if value is None else ("on" if value else "off"))
    _rules_changed()
    word = {None: "default (COMMENTS_MODERATION)", True: "on", False: "off"}[value]
    record(actor, "pre_moderation", word)
    db.session.commit()


def set_hold_first_comment(value: bool, actor: str) -> None:
    _store(HOLD_FIRST_COMMENT, "on" if value else "off")
    _rules_changed()
    record(actor, "hold_first_comment", "on" if value else "off")
    db.session.commit()


# --- the rules as the defences read them --------------------------------------


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words of its skeleton, looked for in skeletons
    (``text.skeleton``): invisible characters, accents and look-alikes fold away."""
    words = r"\s+".join(re.escape(word) for word in text.skeleton(phrase).split())
    # A phrase of nothing but marks or invisible characters has no skeleton: it never matches.
    return re.compile(rf"(?<!\w){words}(?!\w)" if words else r"(?!)")


@dataclass(frozen=True)
class Rules:
    """What the admins configured: switches and blocked phrases.

    Kept in memory per app and process, tagged with the rules version it was
    read at (``RULES_VERSION``); every post reads the version in its
    one lookup (``circumstances``) and reloads the rules only when it changed,
    so an admin's change applies to the very next post on every instance.
    """

    version: str | None
    settings: Settings
    # Compiled patterns of the blocked phrases, by action.
    patterns: dict[RuleAction, tuple[re.Pattern[str], ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, version: str | None) -> Rules:
        patterns: dict[RuleAction, list[re.Pattern[str]]] = {a: [] for a in RuleAction}
        for phrase, action in db.session.execute(
            select(BlockedPhrase.phrase, BlockedPhrase.action)
        ):
            patterns[RuleAction(action)].append(_phrase_pattern(phrase))
        return cls(
            version=version,
            settings=settings(),
            patterns={action: tuple(found) for action, found in patterns.items()},
        )


_RULES = "comments.rules"


def current_rules(version: str | None) -> Rules:
    """The rules at ``version``, from memory when they were loaded at it."""
    rules: Rules | None = current_app.extensions.get(_RULES)  # pragma: no mutate (a miss reloads)
    if rules is None or rules.version != version:
        rules = current_app.extensions[_RULES] = Rules.load(version)
    return rules
