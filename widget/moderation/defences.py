"""What happens to a valid comment: published, held, marked as spam, or
refused, and why.

``assess`` runs small checks in order; the first that has something to say
decides. Refusals raise the API's JSON error; every other decision carries a
reason code that is stored on the comment, so the admin list can explain it
(``REASONS`` holds the words the admin sees).

Refused (nothing is stored):
  banned sender                       403 sender_banned
  text padded to reach the minimum    422 validation_failed (body)
  a blocked phrase set to "reject"    422 validation_failed (body)
  the same text on the article again  422 validation_failed (body)
    within COMMENTS_DUPLICATE_WINDOW seconds (a day): from the same
    sender, or from anyone when COINCIDENCE_LENGTH characters or more
Marked as spam, answered 202 like any held comment (a bot learns nothing):
  honeypot      the hidden "website" field was filled in
Held for moderation (202):
  token_*       no valid form token (see tokens.py), or one that an earlier
                post already used (token_reused: a token admits one post per client,
                and TOKEN_POSTS in all)
  too_fast      posted sooner than COMMENTS_MIN_FILL_SECONDS after the token
  blocked_phrase, too_many_links
  likely_spam   the learning filter's score is over its threshold (learning.py;
                COMMENTS_SPAM_FILTER=off keeps the score, holds nothing)
  pre_moderation, first_comment
The publisher's staff (signed in with "role": "staff") are not screened:
STAFF_CHECKS keeps the ban, padding and duplicate refusals only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select

from .. import privacy
from ..errors import abort_json
from ..extensions import client_address, db
from ..models import (
    Article,
    Ban,
    Comment,
    RuleAction,
    Setting,
    SpamFilterState,
    Status,
    UTCDateTime,
    body_hash,
    utcnow,
)
from . import learning, text
from .rules import RULES_VERSION, Rules, current_rules
from .tokens import form_token_problem, token_digest

MAX_LINKS = 2  # more links than this and a comment is held
HONEYPOT_FIELD = "website"

# Reason codes and what they mean, for the admin list.
REASONS: dict[str, str] = {
    "token_missing": "No form token: not sent from the comment box",
    "token_invalid": "Forged or damaged form token",
    "token_expired": "Form token older than 6 hours",
    "token_wrong_article": "Form token issued for another article",
    "token_reused": "Form token already used by an earlier post: a replay",
    "too_fast": "Posted seconds after the form was shown",
    "honeypot": "Filled in the hidden field only bots see",
    "blocked_phrase": "Contains a blocked word or phrase",
    "too_many_links": f"More than {MAX_LINKS} links",
    "pre_moderation": "Pre-moderation is on: every comment waits",
    "first_comment": "First comment from this sender",
    "reported": "Reported by readers",
    "likely_spam": "The spam filter finds it likely spam",
}


@dataclass(frozen=True)
class Draft:
    """A comment that passed validation, with what we know of its sender."""

    article_id: str
    author: str
    body: str
    email: str | None
    parent_id: int | None
    sender_hash: str
    token: object
    extra: dict[str, object]
    notify_replies: bool = False  # the author asked to be emailed replies
    banned: bool = False  # an active ban (Circumstances.banned)
    spam_model: learning.Revision | object = learning.UNKNOWN  # Circumstances.spam_model
    verified: bool = False  # signed in through the publisher (widget/sso.py)
    staff: bool = False  # as its staff: STAFF_CHECKS only

    @property
    def token_digest(self) -> str | None:
        return token_digest(self.token)

    @cached_property
    def earlier_senders(self) -> list[str]:
        """Who posted with this form token before, read once per post (the
        check and the store share it; after a lost race the store reads again)."""
        return token_senders(self)

    @cached_property
    def spam(self) -> learning.Judgement:
        """The learning filter's view of the text, read once per post."""
        return learning.judge(self.body, self.spam_model)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str | None = None


@dataclass(frozen=True)
class Circumstances:
    """What a post needs to know before it is assessed, read in one statement."""

    article_exists: bool
    closed: bool
    banned: bool
    rules: Rules
    spam_model: learning.Revision  # the spam filter's, so judging needs no query of its own


# Both run once, at import (below), before a mutant could be switched on: mutmut
# cannot test them, the post tests do.
def _circumstances_query() -> Select[Any]:  # pragma: no mutate block
    closed = select(Article.closed).where(Article.id == bindparam("article_id")).scalar_subquery()
    version = select(Setting.value).where(Setting.key == RULES_VERSION).scalar_subquery()
    now = bindparam("now", type_=UTCDateTime)
    banned = select(Ban.id).where(Ban.sender_hash == bindparam("sender_hash"), Ban.active(now))
    # ix_bans_network: one probe, and the ranges are read only when some exist.
    networks = select(Ban.id).where(Ban.network.is_not(None), Ban.active(now))
    spam_filter = SpamFilterState.id == learning.STATE_ID
    model = select(SpamFilterState.model_id).where(spam_filter).scalar_subquery()
    revision = select(SpamFilterState.revision).where(spam_filter).scalar_subquery()
    return select(closed, version, banned.exists(), networks.exists(), model, revision)


def _duplicate_query(same_sender: bool) -> Select[Any]:  # pragma: no mutate block
    conditions = [
        # ix_comments_article_body_hash: one probe, however busy the article
        Comment.article_id == bindparam("article_id"),
        Comment.body_hash == bindparam("body_hash"),
        Comment.body == bindparam("body"),
        Comment.created_at >= bindparam("since", type_=UTCDateTime),
    ]
    if same_sender:
        conditions.append(Comment.sender_hash == bindparam("sender_hash"))
    return select(Comment.id).where(*conditions).limit(1)


# Built once: every post only binds values (building them cost a fifth of a post).
_CIRCUMSTANCES = _circumstances_query()
_DUPLICATE = _duplicate_query(same_sender=False)
_DOUBLE_POST = _duplicate_query(same_sender=True)


def circumstances(article_id: str, sender_hash: str) -> Circumstances:
    """The article's state, whether the sender (or the request's client's
    network) is banned, and the rules."""
    now = utcnow()
    row = (
        db.session.connection()
        .execute(
            _CIRCUMSTANCES,
            {"article_id": article_id, "sender_hash": sender_hash, "now": now},
        )
        .one()
    )
    banned = bool(row[2])
    if not banned and row[3]:
        banned = _in_banned_network(client_address(), now)
    return Circumstances(
        article_exists=row[0] is not None,
        closed=bool(row[0]),
        banned=banned,
        rules=current_rules(row[1]),
        spam_model=None if row[4] is None else (row[4], row[5]),
    )


def _in_banned_network(client: str, now: datetime) -> bool:
    found = privacy.client_network(client)
    if found is None:
        return False
    ranges = db.session.scalars(
        select(Ban.network).where(Ban.network.is_not(None), Ban.active(now))
    )
    return any(
        network is not None and network.version == found.version and found.subnet_of(network)  # type: ignore[arg-type]
        for network in map(privacy.client_network, ranges)
    )


Check = Callable[[Draft, Rules], Verdict | None]


def _refuse(message: str) -> None:
    abort_json(
        422, "validation_failed", _("Some fields need attention."), fields={"body": [message]}
    )


# --- refusals ------------------------------------------------------------------


def banned_sender(draft: Draft, rules: Rules) -> None:
    if draft.banned:
        abort_json(
            403,
            "sender_banned",
            _("Comments from your connection are blocked on this site for now."),
        )


def padded(draft: Draft, rules: Rules) -> None:
    problem = text.padding_problem(draft.body, current_app.config["MIN_LENGTH"])
    if problem:
        _refuse(problem)


def _blocked(draft: Draft, rules: Rules, action: RuleAction) -> bool:
    patterns = rules.patterns.get(action)
    if not patterns:
        return False
    seen = text.skeleton(f"{draft.author}\n{draft.body}")
    return any(pattern.search(seen) for pattern in patterns)


def rejected_phrase(draft: Draft, rules: Rules) -> None:
    if _blocked(draft, rules, RuleAction.REJECT):
        _refuse(_("Your comment contains a word or phrase this site does not accept."))


# Shorter texts than this may come from several readers by chance ("Like",
# "Waka waka", "Great piece!"): refused as a double post from their own sender
# only. Measured on the YouTube Spam Collection: the copies of good comments
# there are all shorter; the copy-paste waves of spam are longer, or held by
# the learning filter anyway.
COINCIDENCE_LENGTH = 60


def duplicate(draft: Draft, rules: Rules) -> None:
    """The same text on this article within the window: a reader's double
    post, or (a long text, from anyone) a copy-paste wave.

    The same text on other articles is left to rate limits, bans and phrases: a
    reader may fairly say one thing twice on two stories.
    """
    window = current_app.config["DUPLICATE_WINDOW"]
    if not window:
        return
    query = _DUPLICATE if len(draft.body) >= COINCIDENCE_LENGTH else _DOUBLE_POST
    same = db.session.scalar(
        query,
        {
            "article_id": draft.article_id,
            "body_hash": body_hash(draft.body),
            "body": draft.body,
            "since": utcnow() - timedelta(seconds=window),
            "sender_hash": draft.sender_hash,
        },
    )
    if same is not None:
        _refuse(
            _(
                "This exact text was already posted on this article in the last day. "
                "Please write something new."
            )
        )


# --- spam and holds ------------------------------------------------------------


def honeypot(draft: Draft, rules: Rules) -> Verdict | None:
    # Readers never see the field; whatever fills it is a bot. Marked as spam
    # but answered like a held comment, so the bot learns nothing. The box
    # always sends it (empty); a post without it is an API client's, which the
    # contract allows, so it is not caught here: the one-post token is what
    # holds a bot written against the API.
    if draft.extra.get(HONEYPOT_FIELD) not in (None, ""):
        return Verdict(Status.SPAM, "honeypot")
    return None


# A form token admits this many posts, each from another client: one reader's
# post, plus the few readers a CDN may have handed the same cached listing.
TOKEN_POSTS = 3

_TOKEN_SENDERS = (
    select(Comment.sender_hash)
    .where(Comment.token_digest == bindparam("digest"))
    .order_by(Comment.token_use)
    .limit(TOKEN_POSTS)
)


def token_senders(draft: Draft) -> list[str]:
    """The senders of the earlier posts made with the draft's form token."""
    # ix_comments_token_use: one probe
    return list(db.session.scalars(_TOKEN_SENDERS, {"digest": draft.token_digest}))


def token_reused(draft: Draft, senders: list[str]) -> bool:
    return draft.sender_hash in senders or len(senders) >= TOKEN_POSTS


def form_token(draft: Draft, rules: Rules) -> Verdict | None:
    problem = form_token_problem(draft.token, draft.article_id)
    if problem is None and token_reused(draft, draft.earlier_senders):
        problem = "token_reused"
    return Verdict(Status.PENDING, problem) if problem else None


def held_phrase(draft: Draft, rules: Rules) -> Verdict | None:
    if _blocked(draft, rules, RuleAction.HOLD):
        return Verdict(Status.PENDING, "blocked_phrase")
    return None


_LINK = re.compile(r"(?i)(?<![\w.])(?:https?://|www\.)")


def too_many_links(draft: Draft, rules: Rules) -> Verdict | None:
    if len(_LINK.findall(draft.body)) > MAX_LINKS:
        return Verdict(Status.PENDING, "too_many_links")
    return None


def likely_spam(draft: Draft, rules: Rules) -> Verdict | None:
    if draft.spam.likely and current_app.config["SPAM_FILTER"]:
        return Verdict(Status.PENDING, "likely_spam")
    return None


def pre_moderation(draft: Draft, rules: Rules) -> Verdict | None:
    if rules.settings.holds_everything:
        return Verdict(Status.PENDING, "pre_moderation")
    return None


def first_comment(draft: Draft, rules: Rules) -> Verdict | None:
    if not rules.settings.hold_first_comment:
        return None
    published_before = db.session.scalar(
        select(Comment.id)
        .where(Comment.sender_hash == draft.sender_hash, Comment.status == Status.PUBLISHED)
        .limit(1)  # pragma: no mutate (any limit, or none, finds the same first row)
    )
    return None if published_before else Verdict(Status.PENDING, "first_comment")


CHECKS: tuple[Check, ...] = (
    banned_sender,
    padded,
    rejected_phrase,
    duplicate,
    honeypot,
    form_token,
    held_phrase,
    too_many_links,
    likely_spam,
    pre_moderation,
    first_comment,
)


# The publisher's staff are not screened (no filter, phrase or hold): a ban,
# padding and a double post still count.
STAFF_CHECKS: tuple[Check, ...] = (banned_sender, padded, duplicate)


def checks_for(draft: Draft) -> tuple[Check, ...]:
    return STAFF_CHECKS if draft.staff else CHECKS


def assess(draft: Draft, rules: Rules, checks: Sequence[Check] | None = None) -> Verdict:
    """Decide the fate of a draft; raise ApiError to refuse it outright. The
    first check with a verdict decides."""
    for check in checks_for(draft) if checks is None else checks:
        verdict = check(draft, rules)
        if verdict is not None:
            return verdict
    return Verdict(Status.PUBLISHED)
