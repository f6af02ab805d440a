"""Author edits (contract 1.1): with the edit token its post handed out, the
author may change or delete a comment while the window is open.

    PATCH  /api/v1/articles/<article_id>/comments/<comment_id>   {"body": …, "author"?: …}
    DELETE /api/v1/articles/<article_id>/comments/<comment_id>
    both with  Authorization: Bearer <edit_token>

The token (edit_tokens.py) is a bearer secret; only its SHA-256 is stored.
Every request is checked in this order: the article ID, the page's origin,
the comment (published or held, on that article), the token, the window
(COMMENTS_EDIT_WINDOW seconds, and closed once anybody replies). An edit is
then checked and screened like a new post, with the edit token vouching for
it where a post needs a form token. An edit never releases a held comment,
and one that is held now leaves the listing.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy import exists, select, update

from .. import articles
from ..errors import abort_json, json_response
from ..extensions import client_address, db
from ..models import Comment, Status, body_hash, iso_utc, utcnow
from ..moderation import actions, bans, defences, learning
from ..moderation.selection import Selection
from ..notify import events
from ..privacy import sender_hash
from . import api, listing
from .api import bp
from .edit_tokens import token_hash, window_end
from .forms import CommentForm

# Edits one comment may have: enough to fix typos, too few to turn a comment
# into a chat that nobody can follow.
MAX_EDITS = 5
# Which comments their author may still change: not spam, not deleted.
EDITABLE = (Status.PUBLISHED, Status.PENDING)
_EDIT_FIELDS = frozenset(("author", "body"))
# RFC 6750: the scheme in any case, then the token (whatever it holds, only
# its hash is compared).
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)

COMMENT_PATH = "/articles/<any_id:article_id>/comments/<int:comment_id>"


@bp.patch(COMMENT_PATH)
@api.posting_limit
def edit_comment(article_id: str, comment_id: int) -> Response:
    comment = _own_comment(article_id, comment_id)
    data = api.read_json_object()
    # Of two edits sent at once, or an edit and a moderator's decision, the
    # first wins and the other looks again (each retry means a change won).
    for _attempt in range(MAX_EDITS + 2):
        status = _edit(comment, data)
        if status is not None:
            break
        db.session.rollback()
        comment = _own_comment(article_id, comment_id)
    else:  # pragma: no cover, no mutate
        raise RuntimeError("the comment changed under every retry")
    db.session.commit()
    public = comment.to_public()  # read again: the commit expired it
    public["editable_until"] = iso_utc(window_end(comment.created_at))
    if status == Status.PENDING:
        return json_response({**public, "status": "pending"}, 202)
    return json_response(public)


@bp.delete(COMMENT_PATH)
@api.posting_limit
def delete_comment(article_id: str, comment_id: int) -> Response:
    comment = _own_comment(article_id, comment_id)
    # Counts, the thread's replies count and placeholder, and the article's
    # version follow, as for a moderator's delete.
    actions.set_status(Selection(ids=(comment.id,)), Status.DELETED)
    db.session.commit()
    response = Response(status=204)
    response.headers.remove("Content-Type")  # no content, so no type either
    return response


# --- who may change what, and when ----------------------------------------------


def _own_comment(article_id: str, comment_id: int) -> Comment:
    """The comment, when this request may change it; else the JSON error."""
    articles.require_valid_id(article_id)
    api.require_allowed_origin(_("change comments"))
    listing.require_comment_id(comment_id)
    comment = db.session.scalar(
        select(Comment).where(
            Comment.id == comment_id,
            Comment.article_id == article_id,
            Comment.status.in_(EDITABLE),
        )
    )
    if comment is None:
        listing.comment_not_found()
    if not _holds_token(comment):
        abort_json(
            403,
            "not_author",
            _(
                "Only the author can change this comment, with the edit token "
                "its post was answered with (Authorization: Bearer <edit_token>)."
            ),
        )
    if not current_app.config["EDIT_WINDOW"]:
        abort_json(403, "edit_window_closed", _("Comments can no longer be edited on this site."))
    if utcnow() > window_end(comment.created_at):
        abort_json(403, "edit_window_closed", _("The time to edit or delete this comment is over."))
    if _has_replies(comment):
        abort_json(
            403,
            "edit_window_closed",
            _("Somebody has replied to this comment: it can no longer be edited or deleted."),
        )
    return comment


def _holds_token(comment: Comment) -> bool:
    """Whether the request carries this comment's edit token."""
    found = _BEARER.fullmatch(request.headers.get("Authorization", "").strip())
    if found is None or comment.edit_token_hash is None:
        return False
    return hmac.compare_digest(token_hash(found.group(1)), comment.edit_token_hash)


def _has_replies(comment: Comment) -> bool:
    """A reply, shown or waiting, closes the window: it answers this text."""
    reply = exists().where(Comment.parent_id == comment.id, Comment.status.in_(EDITABLE))
    return bool(db.session.scalar(select(reply)))


# --- the new text -------------------------------------------------------------------


def _edit(comment: Comment, data: dict[str, Any]) -> Status | None:
    """Check, screen and store the edit; its status, or None when the comment
    changed since it was read (nothing is stored)."""
    author, body = _validated(data, comment)
    if comment.edit_count >= MAX_EDITS:
        abort_json(
            403,
            "edit_limit_reached",
            _(
                "A comment can be edited at most %(count)s times, and this one has been.",
                count=MAX_EDITS,
            ),
        )
    verdict, spam = _screen(comment, author, body)
    return _save_edit(comment, author, body, verdict, spam)


def _validated(data: dict[str, Any], comment: Comment) -> tuple[str, str]:
    """The new author and body, checked as a post's are; else 422."""
    errors: dict[str, list[str]] = {
        name[:64]: [_("An edit changes only the comment's body and author.")]
        for name in sorted(set(data) - _EDIT_FIELDS)[:10]
    }
    errors.update(api.type_errors({k: v for k, v in data.items() if k in _EDIT_FIELDS}))
    fields = {"author": comment.author, "body": data.get("body")}
    if data.get("author") is not None and not comment.verified:  # the publisher's name stays
        fields["author"] = data["author"]
    form = CommentForm.from_json({k: v for k, v in fields.items() if k not in errors})
    if not form.validate():
        errors = {**form.errors, **errors}
    api.refuse_fields(errors)
    return form.author.data, form.body.data


def _screen(
    comment: Comment, author: str, body: str
) -> tuple[defences.Verdict, learning.Judgement]:
    """The defences' verdict on the edited comment, as on a post (refusals
    raise), but for the form token: the edit token vouches instead; and the
    spam filter's view of the new text."""
    sender = sender_hash(client_address())
    found = defences.circumstances(comment.article_id, sender)
    if found.closed:
        abort_json(403, "comments_closed", _("Comments are closed on this article."))
    # The author's ban counts as well as this client's: a banned author does
    # not get round it from another address.
    banned = found.banned or (
        comment.sender_hash != sender and bans.active_ban(comment.sender_hash) is not None
    )
    draft = defences.Draft(
        article_id=comment.article_id,
        author=author,
        body=body,
        email=comment.email,
        parent_id=comment.parent_id,
        # The author's, not this client's: first_comment asks about the author.
        sender_hash=comment.sender_hash,
        token=None,
        extra={},
        banned=banned,
        spam_model=found.spam_model,
        staff=comment.staff,
    )
    skipped = {defences.form_token}
    if body == comment.body:  # unchanged text would find itself: it passed when posted
        skipped.add(defences.duplicate)
    checks = [check for check in defences.checks_for(draft) if check not in skipped]
    return defences.assess(draft, found.rules, checks), draft.spam


def _save_edit(
    comment: Comment,
    author: str,
    body: str,
    verdict: defences.Verdict,
    spam: learning.Judgement,
) -> Status | None:
    """Store the edit in the current transaction; the comment's status now,
    or None when the comment changed since it was read (nothing is stored)."""
    was = Status(comment.status)
    held = verdict.status != Status.PUBLISHED
    values: dict[str, Any] = {
        "author": author,
        "body": body,
        "body_hash": body_hash(body),
        "edited_at": utcnow(),
        "edit_count": Comment.edit_count + 1,
        "spam_score": spam.rank,
    }
    if held and was == Status.PUBLISHED:
        values["reason"] = verdict.reason  # a held comment keeps why it waits
    changed = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment.id,
            Comment.status == was,
            Comment.edit_count == comment.edit_count,
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not changed:
        return None
    if held and was == Status.PUBLISHED:
        # Leaves the listing: the article's count, the thread's and the version follow.
        events.comments_held(actions.set_status(Selection(ids=(comment.id,)), Status.PENDING))
        return Status.PENDING
    if was == Status.PUBLISHED:  # a held comment's edit changes no listing
        articles.adjust({comment.article_id: 0})  # a new version: cached pages go stale
    return was
