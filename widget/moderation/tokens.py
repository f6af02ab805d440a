"""Signed values handed to the box: the form token and the list cursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..models import MAX_ID

_SALT = "comments.form-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_form_token(article_id: str) -> str:
    """A token that binds the article and the moment it was handed out.

    The random part makes every token issued a different one: a token admits
    one post, so two readers must never be handed the same token.
    """
    return _serializer().dumps([article_id, secrets.token_urlsafe(6)])


def token_digest(token: object) -> str | None:
    """What a post stores of its token, to find a later post with the same one.

    Only the signed part (value and time) counts: the signature's base64 has
    spare bits, so one token can be spelt several ways that all verify.
    """
    if not isinstance(token, str) or not token:
        return None
    signed = token.rpartition(".")[0] or token
    return hashlib.sha256(signed.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def form_token_problem(token: object, article_id: str) -> str | None:
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
    if isinstance(bound_to, list) and len(bound_to) == 2:
        bound_to = bound_to[0]
    if bound_to != article_id:  # tokens issued before the random part are plain IDs
        return "token_wrong_article"
    age = time.time() - issued.timestamp()
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
        # ASCII by now (decoded as such), so isdigit() admits 0-9 only.
        if prefix != sort[0] or not number.isdigit():
            raise ValueError("bad cursor")
        after_id = int(number)
        # Ids are 32-bit: a larger one is no comment's, and PostgreSQL refuses
        # to compare an integer column with it (a 500, not a 400).
        if after_id < 1 or after_id > MAX_ID:
            raise ValueError("bad cursor")
        return cls(sort, after_id)
