"""Signed values handed to the box: the form token and the list cursor."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "comments.form-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_form_token(article_id: str) -> str:
    """A token that binds the article and the moment it was handed out."""
    return _serializer().dumps(article_id)


def form_token_problem(token: object, article_id: str, now: float | None = None) -> str | None:
    """Why a posted token does not vouch for the post, or None when it does.

    The reason codes are stored on held comments so admins see why.
    """
    if not isinstance(token, str) or not token:
        return "token_missing"
    if not token.isascii():  # issued tokens are ASCII; a lone surrogate would not even encode
        return "token_invalid"
    config = current_app.config
    try:
        bound_to, issued = _serializer().loads(
            token, max_age=config["TOKEN_MAX_AGE"], return_timestamp=True
        )
    except SignatureExpired:
        return "token_expired"
    except BadSignature:
        return "token_invalid"
    if bound_to != article_id:
        return "token_wrong_article"
    age = (time.time() if now is None else now) - issued.timestamp()
    if age < config["MIN_FILL_SECONDS"]:
        return "too_fast"
    return None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the comment with this id."""

    sort: str
    after_id: int

    def encode(self) -> str:
        raw = f"{self.sort[0]}:{self.after_id}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, value: str, sort: str) -> Cursor:
        """Parse a cursor for this sort order; ValueError if it is not one."""
        if not value or len(value) > 32:
            raise ValueError("bad cursor")
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("bad cursor") from None
        prefix, _, number = raw.partition(":")
        if prefix != sort[0] or not number.isdigit() or not number.isascii():
            raise ValueError("bad cursor")
        after_id = int(number)
        if after_id < 1 or after_id > 2**62:
            raise ValueError("bad cursor")
        return cls(sort, after_id)
