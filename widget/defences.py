"""What happens to a valid comment: published, held, or refused, and why.

Each defence returns a reason code that is stored on the comment, so the
admin list can explain every decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .models import Status
from .tokens import form_token_problem


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


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str | None = None


def assess(draft: Draft) -> Verdict:
    """Decide the fate of a draft; raise ApiError to refuse it outright."""
    problem = form_token_problem(draft.token, draft.article_id)
    if problem:
        return Verdict(Status.PENDING, problem)
    if current_app.config["MODERATION"] == "pre":
        return Verdict(Status.PENDING, "pre_moderation")
    return Verdict(Status.PUBLISHED)
