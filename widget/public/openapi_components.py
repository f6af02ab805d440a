"""The reusable parts of the OpenAPI document (``openapi.py`` builds the
rest): the schemas, parameters, headers and responses under ``components``,
and the helpers that refer to them."""

from __future__ import annotations

from typing import Any

from ..articles import ARTICLE_ID

JSON = "application/json"
ARTICLE_ID_PATTERN = f"^{ARTICLE_ID.pattern}$"
MAX_COUNT_IDS = 100
MAX_PARENT_ID = 2**31 - 1
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"

# Error codes by status, as the API and errors.py emit them.
ERROR_CODES: dict[int, list[str]] = {
    400: ["invalid_json", "invalid_article_id", "invalid_parameter", "bad_request"],
    401: ["sso_invalid", "login_required"],
    403: [
        "origin_not_allowed",
        "comments_closed",
        "sender_banned",
        "not_author",
        "edit_window_closed",
        "edit_limit_reached",
    ],
    404: ["not_found"],
    405: ["method_not_allowed"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    422: ["validation_failed"],
    429: ["rate_limited"],
    500: ["internal_error"],
    503: ["database_unavailable"],
}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def error(status: int, description: str, **required: dict[str, Any]) -> dict[str, Any]:
    """An error response whose `error` is one of the codes this status uses."""
    schema: dict[str, Any] = {
        "allOf": [
            ref("schemas", "Error"),
            {
                "properties": {"error": {"enum": ERROR_CODES[status]}, **required},
                "required": ["error", "message", *required],
            },
        ]
    }
    return {
        "description": description,
        "headers": {"X-Content-Type-Options": ref("headers", "NoSniff")},
        "content": {JSON: {"schema": schema}},
    }


def ok(description: str, schema: dict[str, Any], **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Content-Type-Options": ref("headers", "NoSniff"), **headers},
        "content": {JSON: {"schema": schema}},
    }


def text(minimum: int, maximum: int, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": minimum,
        "maxLength": maximum,
        "description": description,
    }


def comment_properties(min_length: int, max_length: int) -> dict[str, Any]:
    """A listed comment's fields, with this instance's length limits."""
    return {
        "id": {"type": "integer", "minimum": 1},
        "parent_id": {"type": ["integer", "null"], "minimum": 1},
        "author": {"type": "string", "minLength": 1, "maxLength": 80},
        "body": {"type": "string", "minLength": min_length, "maxLength": max_length},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "pattern": TIME_PATTERN,
            "description": "UTC, to the second.",
        },
        "edited_at": {
            "type": ["string", "null"],
            "pattern": TIME_PATTERN,
            "description": "When its author last edited it; null if never.",
        },
        "likes": {"type": "integer", "minimum": 0},
        "verified": {
            "type": "boolean",
            "description": "Posted by a reader signed in through the publisher.",
        },
        "staff": {"type": "boolean", "description": "Posted by the publisher's staff."},
    }


def _thread_properties() -> dict[str, Any]:
    return {
        "reply_count": {
            "type": "integer",
            "minimum": 0,
            "description": "Published replies in the thread, all of them.",
        },
        "replies": {
            "type": "array",
            "maxItems": 3,
            "description": "The thread's first replies, oldest first.",
            "items": ref("schemas", "Reply"),
        },
    }


REPLY_TO = {
    "type": ["object", "null"],
    "required": ["id", "author"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "author": {
            "type": ["string", "null"],
            "description": "null when the comment answered is no longer shown.",
        },
    },
    "additionalProperties": False,
}
EDIT_GRANT = {
    "edit_token": {
        "type": ["string", "null"],
        "description": (
            "A secret shown only in this answer: `Authorization: Bearer` for PATCH and "
            "DELETE. null when COMMENTS_EDIT_WINDOW is 0."
        ),
    },
    "editable_until": {"type": ["string", "null"], "pattern": TIME_PATTERN},
}


def components(min_length: int, max_length: int) -> dict[str, Any]:
    properties = comment_properties(min_length, max_length)
    fields = list(properties)
    return {
        "schemas": {
            "ArticleId": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "pattern": ARTICLE_ID_PATTERN,
                "description": (
                    "1 to 128 letters, digits and `-_.:~`, starting with a letter or digit."
                ),
                "examples": ["nk-missile-2025"],
            },
            "Comment": {
                "type": "object",
                "description": "A published comment. Nothing private: no email, no sender.",
                "required": fields,
                "properties": properties,
                "additionalProperties": False,
            },
            "TopLevelComment": {
                "type": "object",
                "description": "A top-level comment with its thread's size and first replies.",
                "required": [*fields, "reply_count", "replies"],
                "properties": {**properties, **_thread_properties()},
                "additionalProperties": False,
            },
            "Placeholder": {
                "type": "object",
                "description": (
                    "A top-level comment no longer shown whose replies still are: "
                    "it keeps their place."
                ),
                "required": [*fields, "deleted", "reply_count", "replies"],
                "properties": {
                    **properties,
                    "author": {"type": "null"},
                    "body": {"type": "null"},
                    "deleted": {"const": True},
                    **_thread_properties(),
                },
                "additionalProperties": False,
            },
            "Reply": {
                "type": "object",
                "description": "A reply, naming the comment it answers.",
                "required": [*fields, "reply_to"],
                "properties": {**properties, "reply_to": REPLY_TO},
                "additionalProperties": False,
            },
            "PostedComment": {
                "type": "object",
                "description": (
                    "The comment as listed (a top-level comment with `reply_count` and "
                    "`replies`, a reply with `reply_to`), and its edit token."
                ),
                "required": [*fields, *EDIT_GRANT],
                "properties": {
                    **properties,
                    **_thread_properties(),
                    "reply_to": REPLY_TO,
                    **EDIT_GRANT,
                },
                "additionalProperties": False,
            },
            "PendingComment": {
                "type": "object",
                "description": "A comment held for moderation, as the sender wrote it.",
                "required": [*fields, *EDIT_GRANT, "status"],
                "properties": {
                    **properties,
                    **_thread_properties(),
                    "reply_to": REPLY_TO,
                    **EDIT_GRANT,
                    "status": {"const": "pending"},
                },
                "additionalProperties": False,
            },
            "Replies": {
                "type": "object",
                "required": ["comment_id", "replies", "next_cursor"],
                "properties": {
                    "comment_id": {"type": "integer", "minimum": 1},
                    "replies": {
                        "type": "array",
                        "maxItems": 100,
                        "items": ref("schemas", "Reply"),
                    },
                    "next_cursor": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
            },
            "Listing": {
                "type": "object",
                "required": ["article_id", "total", "comments", "next_cursor", "form"],
                "properties": {
                    "article_id": ref("schemas", "ArticleId"),
                    "total": {
                        "type": "integer",
                        "minimum": 0,
                        "description": (
                            "Published comments on the article, replies included, all pages."
                        ),
                    },
                    "comments": {
                        "type": "array",
                        "maxItems": 100,
                        "description": "Top-level comments only; replies are inside them.",
                        "items": {
                            "oneOf": [
                                ref("schemas", "TopLevelComment"),
                                ref("schemas", "Placeholder"),
                            ]
                        },
                    },
                    "next_cursor": {
                        "type": ["string", "null"],
                        "description": "Pass as `cursor` for the next page; null on the last.",
                    },
                    "form": {
                        "type": "object",
                        "required": [
                            "min_length",
                            "max_length",
                            "token",
                            "like_label",
                            "edit_window",
                        ],
                        "properties": {
                            "min_length": {"type": "integer", "minimum": 1},
                            "max_length": {"type": "integer", "minimum": 1},
                            "like_label": {"type": "string", "minLength": 1},
                            "edit_window": {
                                "type": "integer",
                                "minimum": 0,
                                "description": "Seconds an author may edit (0: never).",
                            },
                            "token": {
                                "type": "string",
                                "minLength": 1,
                                "description": (
                                    "Signed and time-stamped, different in every answer; "
                                    "send back as `token`. It admits one post."
                                ),
                            },
                        },
                    },
                },
            },
            "NewComment": {
                "type": "object",
                "description": (
                    "Fields not listed here are ignored. `null` is the same as leaving "
                    "an optional field out."
                ),
                "required": ["author", "body"],
                "properties": {
                    "author": text(1, 80, "The name shown with the comment."),
                    "body": text(
                        min_length,
                        max_length,
                        "The comment, plain text. Control characters other than tab "
                        "and line breaks are refused.",
                    ),
                    "email": {
                        "type": ["string", "null"],
                        "format": "email",
                        "maxLength": 254,
                        "description": "Optional; never shown to anyone but admins.",
                    },
                    "parent_id": {
                        "type": ["integer", "null"],
                        "minimum": 1,
                        "maximum": MAX_PARENT_ID,
                        "description": "Replying to this published comment on the article.",
                    },
                    "token": {
                        "type": ["string", "null"],
                        "description": "`form.token` from the listing.",
                    },
                    "notify_replies": {
                        "type": ["boolean", "null"],
                        "description": "`true`: email replies to `email` once confirmed.",
                    },
                },
            },
            "Counts": {
                "type": "object",
                "required": ["counts"],
                "properties": {
                    "counts": {
                        "type": "object",
                        "propertyNames": ref("schemas", "ArticleId"),
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    }
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string", "pattern": "^[a-z][a-z_]*$"},
                    "message": {"type": "string", "minLength": 1},
                    "fields": {
                        "type": "object",
                        "description": "Per field, what is wrong (422 only).",
                        "additionalProperties": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string"},
                        },
                    },
                    "parameter": {
                        "type": "string",
                        "description": "The query parameter at fault (400 only).",
                    },
                    "retry_after": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Seconds to wait (429 only).",
                    },
                },
            },
        },
        "parameters": {
            "ArticleId": {
                "name": "article_id",
                "in": "path",
                "required": True,
                "schema": ref("schemas", "ArticleId"),
            }
        },
        "headers": {
            "NoSniff": {"required": True, "schema": {"const": "nosniff"}},
            "ETag": {
                "required": True,
                "description": "Weak; send back in `If-None-Match`.",
                "schema": {"type": "string", "pattern": '^W/".+"$'},
            },
            "CacheControl": {
                "required": True,
                "description": "Browsers revalidate; a CDN may keep a page a few seconds.",
                "schema": {"type": "string"},
            },
            "RetryAfter": {
                "required": True,
                "description": "Seconds to wait.",
                "schema": {"type": "integer", "minimum": 1},
            },
        },
        "responses": {
            "NotFound": error(404, "Nothing at this address."),
            "MethodNotAllowed": {
                **error(405, "The address does not accept this method."),
                "headers": {
                    "X-Content-Type-Options": ref("headers", "NoSniff"),
                    "Allow": {"required": True, "schema": {"type": "string"}},
                },
            },
            "RateLimited": {
                **error(
                    429,
                    "Over a posting or reading limit.",
                    retry_after={"type": "integer", "minimum": 1},
                ),
                "headers": {
                    "X-Content-Type-Options": ref("headers", "NoSniff"),
                    "Retry-After": ref("headers", "RetryAfter"),
                },
            },
            "InternalError": error(500, "An unexpected failure; details are only logged."),
        },
    }
