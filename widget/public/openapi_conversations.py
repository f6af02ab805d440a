"""The OpenAPI paths and schemas of conversations (contract 1.1): a thread's
replies, author edits, likes and reports. ``openapi.py`` merges them in."""

from __future__ import annotations

from typing import Any

from ..models import VOTER_PATTERN, ReportReason
from ..moderation.reports import MAX_DETAILS
from .openapi_components import JSON, comment_properties, error, ok, ref

VOTER = {
    "type": "string",
    "pattern": f"^{VOTER_PATTERN}$",
    "description": "The reader's random id, made once by the box and kept in localStorage.",
}
COMMENT_ID = {
    "name": "comment_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
BEARER = {
    "name": "Authorization",
    "in": "header",
    # Needed, but its absence is answered as the contract says: 403 not_author.
    "required": False,
    "description": (
        "`Bearer <edit_token>` from the answer to the post; without it, 403 `not_author`."
    ),
    "schema": {"type": "string"},
}


def schemas(min_length: int, max_length: int) -> dict[str, Any]:
    properties = comment_properties(min_length, max_length)
    edited = {
        **properties,
        "editable_until": {"type": "string", "description": "UTC; until when edits work."},
    }
    return {
        "EditedComment": {
            "type": "object",
            "required": [*edited],
            "properties": edited,
            "additionalProperties": False,
        },
        "HeldEdit": {
            "type": "object",
            "required": [*edited, "status"],
            "properties": {**edited, "status": {"const": "pending"}},
            "additionalProperties": False,
        },
        "Voter": {
            "type": "object",
            "required": ["voter"],
            "properties": {"voter": VOTER},
        },
        "LikeState": {
            "type": "object",
            "required": ["id", "likes", "liked"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "likes": {"type": "integer", "minimum": 0},
                "liked": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "NewReport": {
            "type": "object",
            "required": ["voter", "reason"],
            "if": {"properties": {"reason": {"const": "illegal"}}},
            "then": {
                "required": ["details", "email"],
                "properties": {
                    "details": {"type": "string", "minLength": 1},
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                },
            },
            "properties": {
                "voter": VOTER,
                "reason": {"enum": [reason.value for reason in ReportReason]},
                "details": {
                    "type": ["string", "null"],
                    "maxLength": MAX_DETAILS,
                    "description": "Required for `illegal`.",
                },
                "email": {
                    "type": ["string", "null"],
                    "description": (
                        "Required for `illegal`: where the receipt goes. Ignored (not "
                        "stored) with the other reasons."
                    ),
                },
            },
        },
        "Edit": {
            "type": "object",
            "required": ["body"],
            "properties": {
                "body": {"type": "string", "description": "The new text, as for a post."},
                "author": {"type": ["string", "null"], "maxLength": 80},
            },
        },
    }


def _write_errors(what: str | None) -> dict[str, Any]:
    refused = (
        f"`Origin` not allowed (`origin_not_allowed`), or {what}."
        if what
        else (
            "`Origin` not allowed (`origin_not_allowed`). Closed articles still take likes and "
            "reports: readers must be able to report abuse there."
        )
    )
    return {
        "400": error(400, "Not JSON, or a malformed `article_id`."),
        "403": error(403, refused),
        "404": error(404, "No such published comment on this article."),
        "413": error(413, "The request body is over 64 KiB."),
        "415": error(415, "The body is not `application/json`."),
        "422": error(
            422,
            "A field fails validation; `fields` maps each to its messages.",
            fields={"type": "object", "minProperties": 1},
        ),
        "429": ref("responses", "RateLimited"),
        "500": ref("responses", "InternalError"),
    }


def paths() -> dict[str, Any]:
    comment = "/api/v1/articles/{article_id}/comments/{comment_id}"
    article = ref("parameters", "ArticleId")
    likes_body = {"required": True, "content": {JSON: {"schema": ref("schemas", "Voter")}}}
    return {
        f"{comment}/replies": {
            "parameters": [article, COMMENT_ID],
            "get": {
                "operationId": "listReplies",
                "tags": ["comments"],
                "summary": "One page of a thread's replies, oldest first.",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                    },
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": ok(
                        "The replies.",
                        ref("schemas", "Replies"),
                        ETag=ref("headers", "ETag"),
                        **{"Cache-Control": ref("headers", "CacheControl")},
                    ),
                    "304": {"description": "Unchanged since the `If-None-Match` ETag."},
                    "400": error(400, "A malformed `article_id`, `limit` or `cursor`."),
                    "404": error(404, "Not a top-level comment the article's listing shows."),
                    "429": ref("responses", "RateLimited"),
                    "500": ref("responses", "InternalError"),
                },
            },
        },
        comment: {
            "parameters": [article, COMMENT_ID],
            "patch": {
                "operationId": "editComment",
                "tags": ["comments"],
                "summary": "The author edits their comment while the edit window is open.",
                "parameters": [BEARER],
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": ref("schemas", "Edit")}},
                },
                "responses": {
                    "200": ok("Edited; `edited_at` is set.", ref("schemas", "EditedComment")),
                    "202": ok(
                        "Edited, and held for moderation (or it was held already).",
                        ref("schemas", "HeldEdit"),
                    ),
                    **_write_errors(
                        "the edit token is missing or wrong (`not_author`), the window "
                        "has closed or the comment has a reply (`edit_window_closed`), five "
                        "edits were made already (`edit_limit_reached`), comments are closed "
                        "(`comments_closed`) or the sender is banned (`sender_banned`)"
                    ),
                },
            },
            "delete": {
                "operationId": "deleteComment",
                "tags": ["comments"],
                "summary": "The author deletes their comment while the edit window is open.",
                "parameters": [BEARER],
                "responses": {
                    "204": {
                        "description": "Deleted: it leaves the listing (or stays as a "
                        "placeholder for its replies)."
                    },
                    **{
                        status: answer
                        for status, answer in _write_errors(
                            "`not_author` or `edit_window_closed`, as for PATCH"
                        ).items()
                        if status not in ("413", "415", "422")
                    },
                },
            },
        },
        f"{comment}/likes": {
            "parameters": [article, COMMENT_ID],
            "post": {
                "operationId": "likeComment",
                "tags": ["comments"],
                "summary": "Like a comment; the same voter twice changes nothing.",
                "requestBody": likes_body,
                "responses": {
                    "200": ok("The comment's likes now.", ref("schemas", "LikeState")),
                    **_write_errors(None),
                },
            },
            "delete": {
                "operationId": "unlikeComment",
                "tags": ["comments"],
                "summary": "Take a like back.",
                "requestBody": likes_body,
                "responses": {
                    "200": ok("The comment's likes now.", ref("schemas", "LikeState")),
                    **_write_errors(None),
                },
            },
        },
        f"{comment}/reports": {
            "parameters": [article, COMMENT_ID],
            "post": {
                "operationId": "reportComment",
                "tags": ["comments"],
                "summary": "Report a comment to the moderators.",
                "description": (
                    "One report per voter counts. At COMMENTS_REPORTS_TO_HOLD distinct "
                    "readers from distinct addresses the comment is held for an admin."
                ),
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": ref("schemas", "NewReport")}},
                },
                "responses": {
                    "202": ok(
                        "Received.",
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "received"}},
                        },
                    ),
                    **_write_errors(None),
                },
            },
        },
    }
