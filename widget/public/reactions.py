"""Likes and reports: readers' reactions to a comment (contract 1.1).

Both are writes from the box, under the rules of posting: the exact-origin
rule, a JSON object body (``api.read_json_object``: 400, 413, 415), and
422 ``validation_failed`` with ``fields``. They are limited per client by
``REACTION_LIMITS`` (one budget for likes, unlikes and reports; never
``POST_LIMITS``), and answer 404 ``not_found`` unless the comment is
published on that article.

A like changes ``Comment.likes`` (UPDATE … likes ± 1) and the article's
version in one transaction, so listings and their ETags change with it. A
client address may like one comment ``LIKES_PER_ADDRESS`` times: beyond
that, a like from yet another voter id is answered as if it had been
withdrawn, 200 with the count unchanged and ``"liked": false``, so a script
inventing voter ids gets nowhere and learns nothing. The reports' rules
(one per voter, holding a comment) are in widget/moderation/reports.py.
"""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import articles
from ..errors import json_response
from ..extensions import db, limiter, sender_identity
from ..models import VOTER_PATTERN, Comment, Like, ReportReason
from ..moderation import reports, text
from ..privacy import sender_hash
from . import api, listing, signed_in
from .api import bp

VOTER = re.compile(VOTER_PATTERN)
LIKES_PER_ADDRESS = 3
REASONS = tuple(reason.value for reason in ReportReason)
_QUIET = {"synchronize_session": False}


def _reaction_limits() -> str:
    return current_app.config["REACTION_LIMITS"]


# One budget per client for every like, unlike and report.
reaction_limit = limiter.shared_limit(_reaction_limits, scope="reactions")

LIKES = "/articles/<any_id:article_id>/comments/<int:comment_id>/likes"
REPORTS = "/articles/<any_id:article_id>/comments/<int:comment_id>/reports"


def _read(article_id: str) -> dict[str, Any]:
    """The checks every reaction passes first, in posting's order: the
    article ID, the page's origin, a sign-in token if any, then the body."""
    articles.require_valid_id(article_id)
    api.require_allowed_origin(_("send likes or reports"))
    signed_in.reader()  # 401 for a bad token; a good one: the reader's, not the address's
    return api.read_json_object()


def _voter_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    voter = data.get("voter")
    if isinstance(voter, str) and VOTER.fullmatch(voter):
        return {}
    return {"voter": [_("A voter is the box's random id: 16 to 64 letters, digits, - or _.")]}


# --- likes ---------------------------------------------------------------------


def _like_request(article_id: str, comment_id: int) -> tuple[str, Any]:
    """The voter of a like or unlike, and the comment's row, locked until
    the answer (404 unless it is published on this article)."""
    data = _read(article_id)
    api.refuse_fields(_voter_errors(data))
    listing.require_comment_id(comment_id)
    locked = reports.lock_published(article_id, comment_id)
    if locked is None:
        db.session.rollback()
        listing.comment_not_found()
    return data["voter"], locked


@bp.post(LIKES)
@reaction_limit
def like(article_id: str, comment_id: int) -> Response:
    voter, locked = _like_request(article_id, comment_id)
    client = sender_hash(sender_identity())
    db.session.add(Like(comment_id=comment_id, voter=voter, client_hash=client))
    try:
        db.session.flush()
    except IntegrityError:  # this voter likes it already (or an equal request just won)
        db.session.rollback()
        return _answer(comment_id, _likes_of(comment_id), liked=True)
    if _likes_from(comment_id, client) > LIKES_PER_ADDRESS:
        db.session.rollback()  # not counted: the answer says so, and no more
        return _answer(comment_id, locked.likes, liked=False)
    return _answer(comment_id, _count(article_id, comment_id, +1), liked=True)


@bp.delete(LIKES)
@reaction_limit
def unlike(article_id: str, comment_id: int) -> Response:
    voter, locked = _like_request(article_id, comment_id)
    removed = db.session.execute(
        delete(Like).where(Like.comment_id == comment_id, Like.voter == voter),
        execution_options=_QUIET,
    ).rowcount
    if not removed:  # nothing to withdraw
        db.session.rollback()
        return _answer(comment_id, locked.likes, liked=False)
    return _answer(comment_id, _count(article_id, comment_id, -1), liked=False)


def _likes_from(comment_id: int, client: str) -> int:
    return (
        db.session.scalar(
            select(func.count(Like.id)).where(
                Like.comment_id == comment_id, Like.client_hash == client
            )
        )
        or 0
    )


def _likes_of(comment_id: int) -> int:
    return db.session.scalar(select(Comment.likes).where(Comment.id == comment_id)) or 0


def _count(article_id: str, comment_id: int, delta: int) -> int:
    """Shift the comment's count in SQL, bump the article's version (listings
    and ETags change), commit; the new count."""
    likes = db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(likes=Comment.likes + delta)
        .returning(Comment.likes),
        execution_options=_QUIET,
    ).scalar_one()
    articles.adjust({article_id: 0})
    db.session.commit()
    return likes


def _answer(comment_id: int, likes: int, liked: bool) -> Response:
    return json_response({"id": comment_id, "likes": likes, "liked": liked})


# --- reports -------------------------------------------------------------------


@bp.post(REPORTS)
@reaction_limit
def report(article_id: str, comment_id: int) -> Response:
    data = _read(article_id)
    checked = _checked_report(data)
    listing.require_comment_id(comment_id)
    if not reports.file(article_id, comment_id, checked):
        listing.comment_not_found()
    return json_response({"status": "received"}, 202)


def _checked_report(data: dict[str, Any]) -> reports.NewReport:
    """The report as stored, or 422 with every field that needs attention."""
    errors = _voter_errors(data)
    reason = data.get("reason")
    if not (isinstance(reason, str) and reason in REASONS):
        errors["reason"] = [_("Choose a reason: spam, abuse, off_topic or illegal.")]
    details = _details(data.get("details"), errors)
    email = None
    if not isinstance(data.get("email"), str | None):  # a number or a list: never ignored
        errors["email"] = [_("Must be text.")]
    elif reason == ReportReason.ILLEGAL:
        if not details and "details" not in errors:
            errors["details"] = [_("Say what is illegal about this comment.")]
        email = _email(data.get("email"), errors)
    api.refuse_fields(errors)
    return reports.NewReport(
        voter=data["voter"],
        client_hash=sender_hash(sender_identity()),
        reason=ReportReason(reason),
        details=details,
        email=email,
    )


def _details(value: Any, errors: dict[str, list[str]]) -> str:
    """``details`` trimmed and checked like a comment's text ("" when absent)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors["details"] = [_("Must be text.")]
        return ""
    maximum = reports.MAX_DETAILS
    value = text.trim(value)  # every check below is linear: the body is 64 KiB at most
    problem = None
    hidden = text.hidden_character(value, allowed=text.COMMENT_ONLY)
    if not text.is_storable(value):
        problem = _("Contains control characters that cannot be stored.")
    elif hidden:
        problem = _(
            "Contains an invisible or direction-changing character (%(character)s).",
            character=hidden,
        )
    elif text.length(value) > maximum:
        problem = _(
            "Details can be at most %(maximum)s characters (it has %(size)s).",
            maximum=maximum,
            size=text.length(value),
        )
    if problem:
        errors["details"] = [problem]
        return ""
    return value


def _email(value: Any, errors: dict[str, list[str]]) -> str | None:
    """The reporter's address, required for an ``illegal`` report."""
    if not isinstance(value, str) or not value.strip():
        errors["email"] = [
            _("Give your email address: the receipt of an illegal report goes there.")
        ]
        return None
    value = value.strip()
    try:  # 254 characters at most, among the rest
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = [_("That does not look like an email address.")]
        return None
    return value
