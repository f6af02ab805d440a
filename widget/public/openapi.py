"""The OpenAPI 3.1 description of the public API, served at /api/v1/openapi.json.

CONTRACT.md is the source of truth; this restates it for machines. The
comment length limits come from the running app's settings, so the document
describes the instance that serves it. tests/test_openapi.py holds the
running service to it with schemathesis.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ..articles import ARTICLE_ID

JSON = "application/json"
ARTICLE_ID_PATTERN = f"^{ARTICLE_ID.pattern}$"
MAX_COUNT_IDS = 100
MAX_PARENT_ID = 2**31 - 1

# Error codes by status, as the API and errors.py emit them.
ERROR_CODES: dict[int, list[str]] = {
    400: ["invalid_json", "invalid_article_id", "invalid_parameter", "bad_request"],
    403: ["origin_not_allowed", "comments_closed", "sender_banned"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    422: ["validation_failed"],
    429: ["rate_limited"],
    500: ["internal_error"],
    503: ["database_unavailable"],
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error(status: int, description: str, **required: dict[str, Any]) -> dict[str, Any]:
    """An error response whose `error` is one of the codes this status uses."""
    schema: dict[str, Any] = {
        "allOf": [
            _ref("schemas", "Error"),
            {
                "properties": {"error": {"enum": ERROR_CODES[status]}, **required},
                "required": ["error", "message", *required],
            },
        ]
    }
    return {
        "description": description,
        "headers": {"X-Content-Type-Options": _ref("headers", "NoSniff")},
        "content": {JSON: {"schema": schema}},
    }


def _ok(description: str, schema: dict[str, Any], **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Content-Type-Options": _ref("headers", "NoSniff"), **headers},
        "content": {JSON: {"schema": schema}},
    }


def _text(minimum: int, maximum: int, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": minimum,
        "maxLength": maximum,
        "description": description,
    }


def build(min_length: int = 50, max_length: int = 5000) -> dict[str, Any]:
    """The document for an instance with these comment length limits."""
    comment_properties: dict[str, Any] = {
        "id": {"type": "integer", "minimum": 1},
        "parent_id": {"type": ["integer", "null"], "minimum": 1},
        "author": {"type": "string", "minLength": 1, "maxLength": 80},
        "body": {"type": "string", "minLength": min_length, "maxLength": max_length},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
            "description": "UTC, to the second.",
        },
    }
    comment_fields = list(comment_properties)
    common_errors = {
        "404": _ref("responses", "NotFound"),
        "429": _ref("responses", "RateLimited"),
        "500": _ref("responses", "InternalError"),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comments API",
            "version": "1",
            "summary": "Read, count and post reader comments on articles.",
            "description": (
                "The public JSON API behind the embeddable comment box. Every response "
                'under /api/ is JSON, errors included: `{"error": "<code>", '
                '"message": "<for a person>"}`; validation errors add `fields`. '
                "A method an address does not accept is answered 405 "
                "`method_not_allowed` with an `Allow` header; an unknown address 404 "
                "`not_found`. The API sets no cookies and takes no credentials; "
                "cross-origin pages need their origin in COMMENTS_ALLOWED_ORIGINS."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [
            {"name": "comments", "description": "Listing and posting comments."},
            {"name": "operations", "description": "For operators and tools."},
        ],
        "paths": {
            "/api/v1/articles/{article_id}/comments": {
                "parameters": [_ref("parameters", "ArticleId")],
                "get": {
                    "operationId": "listComments",
                    "tags": ["comments"],
                    "summary": "One page of an article's published comments.",
                    "description": (
                        "Only published comments are listed; held, spam and deleted ones "
                        "never are. An article nobody has commented on is an empty list "
                        "with `total` 0, not a 404. Pages are keyset-paginated: follow "
                        "`next_cursor` with the same `sort`."
                    ),
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "description": "Comments per page.",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 20,
                            },
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["newest", "oldest"],
                                "default": "newest",
                            },
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": (
                                "Opaque: the `next_cursor` of the previous page, with the "
                                "same `sort`. Anything else is 400 `invalid_parameter`."
                            ),
                            "schema": {"type": "string", "maxLength": 32},
                        },
                        {
                            "name": "If-None-Match",
                            "in": "header",
                            "description": "An `ETag` from an earlier listing: 304 if unchanged.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _ok(
                            "The page, with the form settings and a fresh form token.",
                            _ref("schemas", "Listing"),
                            ETag=_ref("headers", "ETag"),
                            **{"Cache-Control": _ref("headers", "CacheControl")},
                        ),
                        "304": {
                            "description": "Unchanged since the `If-None-Match` ETag.",
                            "headers": {"ETag": _ref("headers", "ETag")},
                        },
                        "400": _error(
                            400,
                            "A malformed `article_id` (`invalid_article_id`), or a `limit`, "
                            "`sort` or `cursor` that is not as described, or given twice "
                            "(`invalid_parameter`, naming it in `parameter`).",
                        ),
                        **common_errors,
                    },
                },
                "post": {
                    "operationId": "postComment",
                    "tags": ["comments"],
                    "summary": "Post a comment (or a reply) on an article.",
                    "description": (
                        "Text is stored exactly as written, trimmed, and returned as plain "
                        "text. Lengths count Unicode code points after trimming. A post "
                        "without a valid `token`, with a token an earlier post already used "
                        "(a token admits one post), or sooner than COMMENTS_MIN_FILL_SECONDS "
                        "after the token was issued, is held for moderation (202), not "
                        "refused. Browsers send `Origin`: it must be the service's own origin "
                        "or one of COMMENTS_ALLOWED_ORIGINS, else 403 `origin_not_allowed`."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {JSON: {"schema": _ref("schemas", "NewComment")}},
                    },
                    "responses": {
                        "201": _ok("Published.", _ref("schemas", "Comment")),
                        "202": _ok(
                            "Held for moderation; not listed until an admin approves it.",
                            _ref("schemas", "PendingComment"),
                        ),
                        "400": _error(
                            400,
                            "The body is not valid UTF-8 JSON, or not an object "
                            "(`invalid_json`), or the `article_id` is malformed "
                            "(`invalid_article_id`).",
                        ),
                        "403": _error(
                            403,
                            "`Origin` present and not allowed (`origin_not_allowed`), "
                            "comments closed on the article (`comments_closed`), or the "
                            "sender is banned (`sender_banned`).",
                        ),
                        "413": _error(413, "The request body is over 64 KiB."),
                        "415": _error(415, "The body is not `application/json`."),
                        "422": _error(
                            422,
                            "A field fails validation; `fields` maps each to its messages.",
                            fields={"type": "object", "minProperties": 1},
                        ),
                        **common_errors,
                    },
                },
            },
            "/api/v1/counts": {
                "get": {
                    "operationId": "countComments",
                    "tags": ["comments"],
                    "summary": "Published comment counts for several articles at once.",
                    "parameters": [
                        {
                            "name": "article_id",
                            "in": "query",
                            "required": True,
                            "description": f"Repeat for each article, up to {MAX_COUNT_IDS}.",
                            "style": "form",
                            "explode": True,
                            "schema": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_COUNT_IDS,
                                "items": _ref("schemas", "ArticleId"),
                            },
                        }
                    ],
                    "responses": {
                        "200": _ok(
                            "A count for every id asked for; 0 for unknown articles.",
                            _ref("schemas", "Counts"),
                            **{"Cache-Control": _ref("headers", "CacheControl")},
                        ),
                        "400": _error(
                            400,
                            "No `article_id`, more than 100 (`invalid_parameter`), or a "
                            "malformed one (`invalid_article_id`).",
                        ),
                        **common_errors,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapiDocument",
                    "tags": ["operations"],
                    "summary": "This document.",
                    "responses": {
                        "200": _ok("The OpenAPI 3.1 document.", {"type": "object"}),
                        **common_errors,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "tags": ["operations"],
                    "summary": "Whether the service and its database answer.",
                    "responses": {
                        "200": _ok(
                            "The database answers.",
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"const": "ok"}},
                            },
                        ),
                        "503": _error(503, "The database does not answer."),
                        "500": _ref("responses", "InternalError"),
                    },
                }
            },
        },
        "components": {
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
                    "required": comment_fields,
                    "properties": comment_properties,
                    "additionalProperties": False,
                },
                "PendingComment": {
                    "type": "object",
                    "description": "A comment held for moderation, as the sender wrote it.",
                    "required": [*comment_fields, "status"],
                    "properties": {**comment_properties, "status": {"const": "pending"}},
                    "additionalProperties": False,
                },
                "Listing": {
                    "type": "object",
                    "required": ["article_id", "total", "comments", "next_cursor", "form"],
                    "properties": {
                        "article_id": _ref("schemas", "ArticleId"),
                        "total": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Published comments on the article, all pages.",
                        },
                        "comments": {
                            "type": "array",
                            "maxItems": 100,
                            "items": _ref("schemas", "Comment"),
                        },
                        "next_cursor": {
                            "type": ["string", "null"],
                            "description": "Pass as `cursor` for the next page; null on the last.",
                        },
                        "form": {
                            "type": "object",
                            "required": ["min_length", "max_length", "token"],
                            "properties": {
                                "min_length": {"type": "integer", "minimum": 1},
                                "max_length": {"type": "integer", "minimum": 1},
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
                        "author": _text(1, 80, "The name shown with the comment."),
                        "body": _text(
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
                    },
                },
                "Counts": {
                    "type": "object",
                    "required": ["counts"],
                    "properties": {
                        "counts": {
                            "type": "object",
                            "propertyNames": _ref("schemas", "ArticleId"),
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
                    "schema": _ref("schemas", "ArticleId"),
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
                "NotFound": _error(404, "Nothing at this address."),
                "MethodNotAllowed": {
                    **_error(405, "The address does not accept this method."),
                    "headers": {
                        "X-Content-Type-Options": _ref("headers", "NoSniff"),
                        "Allow": {"required": True, "schema": {"type": "string"}},
                    },
                },
                "RateLimited": {
                    **_error(
                        429,
                        "Over a posting or reading limit.",
                        retry_after={"type": "integer", "minimum": 1},
                    ),
                    "headers": {
                        "X-Content-Type-Options": _ref("headers", "NoSniff"),
                        "Retry-After": _ref("headers", "RetryAfter"),
                    },
                },
                "InternalError": _error(500, "An unexpected failure; details are only logged."),
            },
        },
    }


@functools.cache
def document_json(min_length: int, max_length: int) -> str:
    """The document as JSON text, built once per pair of length limits."""
    return json.dumps(build(min_length, max_length), separators=(",", ":"))
