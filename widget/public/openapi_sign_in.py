"""Readers signed in through the publisher, in the OpenAPI document
(``openapi.build`` adds this to the rest): the bearer scheme, its 401
answers on posting, liking and reporting, and the listing's
``form.login_required``. A comment's PATCH and DELETE take a bearer token
too, but that one is the edit token (openapi_conversations.BEARER)."""

from __future__ import annotations

from typing import Any

from .openapi_components import error, ref

SCHEME = "readerToken"
# (path, method) of the requests a reader's sign-in token counts for.
COMMENT = "/api/v1/articles/{article_id}/comments"
SIGNED_IN_OPERATIONS = (
    (COMMENT, "post"),
    (f"{COMMENT}/{{comment_id}}/likes", "post"),
    (f"{COMMENT}/{{comment_id}}/likes", "delete"),
    (f"{COMMENT}/{{comment_id}}/reports", "post"),
)

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": (
        "Optional: a reader signed in through the publisher. The publisher's server signs "
        "a JWT with HS256 and COMMENTS_SSO_SECRET: `sub` (its id for the reader), `name`, "
        "`exp` (24 hours ahead at most), optionally `email` and `role: staff`. With it, "
        "the comment's author is `name` (the body's `author` is ignored) and it is "
        "`verified`; limits and bans follow `sub`; staff comments are published unscreened."
    ),
}


def _refused() -> dict[str, Any]:
    answer = error(
        401,
        "The sign-in token is forged, expired, for another key, or not set up here "
        "(`sso_invalid`); or COMMENTS_SSO_REQUIRED is on and a post has none "
        "(`login_required`; likes and reports stay open).",
    )
    answer["headers"]["WWW-Authenticate"] = {
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer"},
    }
    return answer


def add(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the sign-in parts added (in place, and returned)."""
    components = document["components"]
    components["securitySchemes"] = {SCHEME: SECURITY_SCHEME}
    components["responses"]["SignInRefused"] = _refused()
    for path, method in SIGNED_IN_OPERATIONS:
        operation = document["paths"][path][method]
        operation["security"] = [{}, {SCHEME: []}]  # anonymous, or signed in
        operation["responses"]["401"] = ref("responses", "SignInRefused")
    form = components["schemas"]["Listing"]["properties"]["form"]
    form["required"].append("login_required")
    form["properties"]["login_required"] = {
        "type": "boolean",
        "description": "COMMENTS_SSO_REQUIRED: only readers signed in may post.",
    }
    return document
