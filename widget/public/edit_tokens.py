"""The edit token handed out once with a new comment (contract 1.1, "Author
edits"): made here for api.py's posts, checked by edits.py's PATCH and DELETE.
Only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app

from ..models import iso_utc


def new_token() -> str:
    """A bearer secret for one comment, shown only in the answer to its post."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """What is stored of an edit token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def window_end(created_at: datetime) -> datetime:
    return created_at + timedelta(seconds=current_app.config["EDIT_WINDOW"])


def grant(created_at: datetime, token: str | None) -> dict[str, str | None]:
    """The members a 201/202 adds: the token and until when it works."""
    if token is None:
        return {"edit_token": None, "editable_until": None}
    return {"edit_token": token, "editable_until": iso_utc(window_end(created_at))}
