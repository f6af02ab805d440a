"""Storing a post that passed the defences: the comment's row, its article's
and thread's counts, the form token's use, the edit token (api.post_comment)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy.exc import IntegrityError

from .. import articles, threads
from ..extensions import db
from ..models import Comment, Status
from ..moderation import defences
from ..notify import events
from . import edit_tokens


def store(
    draft: defences.Draft,
    verdict: defences.Verdict,
    article_exists: bool,
    vouched: bool,
    parent: Comment | None,
) -> dict[str, Any]:
    """Store the post, taking the next use of its token.

    Each use of a token is a numbered slot, unique with the token's digest: of
    replays sent all at once, one wins each slot and the others look again,
    finding the token used up (held, token_reused) or the next slot free.
    """
    senders = draft.earlier_senders if vouched else []
    for _ in range(defences.TOKEN_POSTS + 1):
        slot = None
        if vouched:
            if defences.token_reused(draft, senders):
                if verdict.status == Status.PUBLISHED:
                    verdict = defences.Verdict(Status.PENDING, "token_reused")
            else:
                slot = len(senders) + 1
        try:
            comment = _insert(draft, verdict, article_exists, slot, parent)
        except IntegrityError:
            db.session.rollback()
            if slot is None:
                raise
            article_exists = False  # the rolled-back insert may have made it
            senders = defences.token_senders(draft)  # another post took the slot: look again
            continue
        return {"status": verdict.status, "comment": comment}
    raise RuntimeError("no free token slot after every retry")  # pragma: no cover, no mutate


def _insert(
    draft: defences.Draft,
    verdict: defences.Verdict,
    article_exists: bool,
    token_use: int | None,
    parent: Comment | None,
) -> dict[str, object]:
    """Insert the comment, with its article's row and count, and its thread's
    counts; its public shape, with the edit token that only this answer shows.

    ``token_use`` is the slot of the token this post takes (None: it takes none).
    """
    root_id = threads.root_of(parent) if parent is not None else None
    edit_token = edit_tokens.new_token() if current_app.config["EDIT_WINDOW"] else None
    comment = Comment(
        article_id=draft.article_id,
        parent_id=draft.parent_id,
        author=draft.author,
        email=draft.email,
        body=draft.body,
        status=verdict.status,
        reason=verdict.reason,
        spam_score=draft.spam.rank,
        verified=draft.verified,
        staff=draft.staff,
        sender_hash=draft.sender_hash,
        token_digest=draft.token_digest if token_use else None,
        token_use=token_use,
        root_id=root_id,
        edit_token_hash=edit_tokens.token_hash(edit_token) if edit_token else None,
        # No NUL: PostgreSQL cannot store it (gunicorn refuses it; other servers may not).
        user_agent=request.headers.get("User-Agent", "").replace("\x00", "")[:512],
    )
    db.session.add(comment)
    if not article_exists:
        articles.ensure(draft.article_id)
    if verdict.status == Status.PUBLISHED:
        articles.adjust({draft.article_id: +1})
        if root_id is not None:
            threads.refresh([root_id])
    # Flushed first, so the answer is built from what was inserted rather than
    # re-read after the commit expired it.
    db.session.flush()
    public = comment.to_public()
    if parent is None:
        public.update(reply_count=0, replies=[])
    else:
        public["reply_to"] = {"id": parent.id, "author": parent.author}
    public.update(edit_tokens.grant(comment.created_at, edit_token))
    events.comment_posted(comment, notify_email=draft.email if draft.notify_replies else None)
    db.session.commit()
    return public
