"""Readers signed in through the publisher (contract 1.1, publisher SSO).

The publisher's server signs a JWT for a reader it knows (HS256, with
COMMENTS_SSO_SECRET): ``sub`` (its id for the reader), ``name``, ``exp`` (24
hours ahead at most), optionally ``email`` and ``"role": "staff"``. The box
sends it as ``Authorization: Bearer <token>`` with a post, a like or a report.

This module verifies it, once per request (kept on ``flask.g``), for the
limits key (extensions.py), the sender hash and the API; the API answers
refusals 401 (public/signed_in.py, which also holds the name to the comment
form's rules). Only the sign-in requests are read: on a comment's PATCH and
DELETE the bearer token is its edit token, none of this module's business.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, request
from flask_babel import gettext as _

# The requests a reader's sign-in counts for: posting, liking, reporting.
SIGN_IN_ENDPOINTS = frozenset({"api.post_comment", "api.like", "api.unlike", "api.report"})
MAX_TOKEN_LENGTH = 4096  # a name, an id, an email: far less; more is no publisher's
MAX_LIFETIME = 24 * 3600  # seconds: a token lives a day at most (contract)
LEEWAY = 60  # seconds of clock difference forgiven between the two servers
MAX_SUB = 256
STAFF_ROLE = "staff"
# RFC 6750: the scheme in any case, then the token (jwt.decode judges it).
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)
_CACHE = "comments_sso_reader"


class SignInRefused(Exception):
    """The request carries a sign-in token that is not valid here (the
    message, for a person, says why); the API answers 401 sso_invalid."""


@dataclass(frozen=True)
class Reader:
    """A reader the publisher vouches for."""

    sub: str
    name: str
    email: str | None = None
    staff: bool = False

    @property
    def identity(self) -> str:
        """Whom limits, sender hashes and bans follow: the reader, from any
        address (a client key is an address or "unknown": never this)."""
        return f"reader:{self.sub}"


def current() -> Reader | None:
    """The signed-in reader of this request; None without a token or outside
    the sign-in requests. Raises SignInRefused for a token that is not valid."""
    if _CACHE not in g:
        setattr(g, _CACHE, _read())
    found = getattr(g, _CACHE)
    if isinstance(found, SignInRefused):
        raise found
    return found


def _read() -> Reader | SignInRefused | None:
    if request.endpoint not in SIGN_IN_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    try:
        return verify(header, current_app.config["SSO_SECRET"])
    except SignInRefused as refusal:
        return refusal


def verify(header: str, secret: str | None) -> Reader:
    """The reader an ``Authorization`` header signs in, or SignInRefused."""
    if not secret:  # said rather than ignored: a site that sends tokens expects them read
        raise SignInRefused(
            _("Sign-in through the publisher is not set up here: COMMENTS_SSO_SECRET is unset.")
        )
    if len(header) > MAX_TOKEN_LENGTH + len("Bearer "):
        raise SignInRefused(_("The sign-in token is too large."))
    found = _BEARER.fullmatch(header)
    if found is None:
        raise SignInRefused(_("Send the sign-in token as Authorization: Bearer <token>."))
    return _reader(_claims(found.group(1), secret))


def _claims(token: str, secret: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],  # never "none", never the token's own choice
            options={"require": ["exp", "sub", "name"]},
            leeway=LEEWAY,
        )
    except jwt.ExpiredSignatureError:
        raise SignInRefused(_("The sign-in token has expired: sign in again.")) from None
    except jwt.InvalidSignatureError:
        raise SignInRefused(
            _("The sign-in token's signature does not match this site's key.")
        ) from None
    except jwt.InvalidAlgorithmError:
        raise SignInRefused(_("The sign-in token must be signed with HS256.")) from None
    except jwt.MissingRequiredClaimError as missing:
        raise SignInRefused(
            _("The sign-in token has no '%(claim)s' claim.", claim=missing.claim)
        ) from None
    except jwt.InvalidTokenError:
        raise SignInRefused(_("The sign-in token could not be read.")) from None
    if claims["exp"] > time.time() + MAX_LIFETIME + LEEWAY:
        raise SignInRefused(_("The sign-in token must expire within 24 hours."))
    return claims


def _reader(claims: dict[str, Any]) -> Reader:
    sub, name = claims["sub"], claims["name"]
    if not isinstance(sub, str) or not sub.strip() or len(sub) > MAX_SUB:
        raise SignInRefused(_("The sign-in token's 'sub' must be an id of 1 to 256 characters."))
    if not isinstance(name, str) or not name.strip():
        raise SignInRefused(_("The sign-in token's 'name' must be the reader's name."))
    if claims.get("role", STAFF_ROLE) != STAFF_ROLE:  # absent, or "staff"
        raise SignInRefused(_("The sign-in token's 'role' may only be 'staff'."))
    return Reader(sub=sub, name=name, email=_email(claims), staff="role" in claims)


def _email(claims: dict[str, Any]) -> str | None:
    if "email" not in claims:
        return None
    email = claims["email"]
    try:
        if not isinstance(email, str):
            raise EmailNotValidError
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise SignInRefused(_("The sign-in token's 'email' is not an email address.")) from None
