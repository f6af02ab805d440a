"""The form token handed to the box with every listing: signed, bound to the
article and the moment, and checked when a post comes back with it."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "comments.form-token"


def _serializer(secret_key: str | None = None) -> URLSafeTimedSerializer:
    return serializer_for(secret_key or current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    """One serializer per key: building one (and its key derivation) cost
    every listing as much as signing the token. It holds no per-call state."""
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_form_token(article_id: str, secret_key: str | None = None) -> str:
    """A token that binds the article and the moment it was handed out.

    The random part makes every token issued a different one: a token admits
    one post, so two readers must never be handed the same token. The key is
    the app's (``secret_key`` lets the listing's WSGI layer pass it outside a
    request).
    """
    return _serializer(secret_key).dumps([article_id, secrets.token_urlsafe(6)])


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
