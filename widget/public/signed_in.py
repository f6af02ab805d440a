"""Readers signed in through the publisher, as the API's writes meet them
(widget/sso.py verifies the token):

- a token that is not valid here: 401 ``sso_invalid``, with RFC 6750's
  ``WWW-Authenticate: Bearer error="invalid_token"``;
- a name the comment form would refuse as an author (invisible or
  direction-changing characters, no letter, over 80): 401 ``sso_invalid`` too,
  since the publisher's name cannot be replaced by the reader's;
- COMMENTS_SSO_REQUIRED=true and a post without a token: 401 ``login_required``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, current_app
from flask_babel import gettext as _

from .. import sso
from ..errors import error_response
from .forms import CommentForm


def reader(posting: bool = False) -> sso.Reader | None:
    """This request's signed-in reader, None for an anonymous one; 401 as above."""
    try:
        found = sso.current()
    except sso.SignInRefused as refusal:
        _unauthorized("sso_invalid", str(refusal), 'Bearer error="invalid_token"')
    if found is not None:
        return _named(found)
    if posting and current_app.config["SSO_REQUIRED"]:
        _unauthorized("login_required", _("Sign in on this site to comment."), "Bearer")
    return None


def _named(found: sso.Reader) -> sso.Reader:
    """The reader with their name checked and trimmed by the form's own rules."""
    form = CommentForm.from_json({"author": found.name})
    if not form.author.validate(form, [CommentForm.validate_author]):
        problem = form.author.errors[0]
        message = _("The sign-in token's name cannot be used: %(problem)s", problem=problem)
        _unauthorized("sso_invalid", message, 'Bearer error="invalid_token"')
    return sso.Reader(found.sub, form.author.data, found.email, found.staff)


def as_posted(data: dict[str, Any], found: sso.Reader | None) -> dict[str, Any]:
    """A post as its reader sends it: a signed-in reader's name is the
    publisher's (the form's ``author`` is ignored), and their address serves
    for reply mails when they ask for them without giving one."""
    if found is None:
        return data
    data = {**data, "author": found.name}
    if data.get("notify_replies") is True and not data.get("email") and found.email:
        data["email"] = found.email
    return data


def _unauthorized(code: str, message: str, challenge: str) -> NoReturn:
    response = error_response(401, code, message)
    response.headers["WWW-Authenticate"] = challenge
    abort(response)
