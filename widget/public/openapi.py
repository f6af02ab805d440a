"""The OpenAPI 3.1 description of the public API, served at /api/v1/openapi.json.

CONTRACT.md is the source of truth; this restates it for machines. The
comment length limits come from the running app's settings, so the document
describes the instance that serves it. tests/public/test_openapi.py holds the
running service to it with schemathesis.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from . import openapi_conversations, openapi_sign_in
from .openapi_components import JSON, MAX_COUNT_IDS, components, error, ok, ref


def build(min_length: int = 50, max_length: int = 5000) -> dict[str, Any]:
    """The document for an instance with these comment length limits."""
    return openapi_sign_in.add(_document(min_length, max_length))


def _document(min_length: int, max_length: int) -> dict[str, Any]:
    common_errors = {
        "404": ref("responses", "NotFound"),
        "429": ref("responses", "RateLimited"),
        "500": ref("responses", "InternalError"),
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
                "parameters": [ref("parameters", "ArticleId")],
                "get": {
                    "operationId": "listComments",
                    "tags": ["comments"],
                    "summary": "One page of an article's top-level comments, with threads.",
                    "description": (
                        "Only published comments are listed; held, spam and deleted ones "
                        "never are, except as a placeholder keeping the place of a removed "
                        "top-level comment that still has published replies. `top` sorts "
                        "by likes, then newest. An article nobody has commented on is an "
                        "empty list "
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
                                "enum": ["newest", "oldest", "top"],
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
                        "200": ok(
                            "The page, with the form settings and a fresh form token.",
                            ref("schemas", "Listing"),
                            ETag=ref("headers", "ETag"),
                            **{"Cache-Control": ref("headers", "CacheControl")},
                        ),
                        "304": {
                            "description": "Unchanged since the `If-None-Match` ETag.",
                            "headers": {"ETag": ref("headers", "ETag")},
                        },
                        "400": error(
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
                        "content": {JSON: {"schema": ref("schemas", "NewComment")}},
                    },
                    "responses": {
                        "201": ok("Published.", ref("schemas", "PostedComment")),
                        "202": ok(
                            "Held for moderation; not listed until an admin approves it.",
                            ref("schemas", "PendingComment"),
                        ),
                        "400": error(
                            400,
                            "The body is not valid UTF-8 JSON, or not an object "
                            "(`invalid_json`), or the `article_id` is malformed "
                            "(`invalid_article_id`).",
                        ),
                        "403": error(
                            403,
                            "`Origin` present and not allowed (`origin_not_allowed`), "
                            "comments closed on the article (`comments_closed`), or the "
                            "sender is banned (`sender_banned`).",
                        ),
                        "413": error(413, "The request body is over 64 KiB."),
                        "415": error(415, "The body is not `application/json`."),
                        "422": error(
                            422,
                            "A field fails validation; `fields` maps each to its messages.",
                            fields={"type": "object", "minProperties": 1},
                        ),
                        **common_errors,
                    },
                },
            },
            **openapi_conversations.paths(),
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
                                "items": ref("schemas", "ArticleId"),
                            },
                        }
                    ],
                    "responses": {
                        "200": ok(
                            "A count for every id asked for; 0 for unknown articles.",
                            ref("schemas", "Counts"),
                            **{"Cache-Control": ref("headers", "CacheControl")},
                        ),
                        "400": error(
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
                        "200": ok("The OpenAPI 3.1 document.", {"type": "object"}),
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
                        "200": ok(
                            "The database answers.",
                            {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"const": "ok"}},
                            },
                        ),
                        "503": error(503, "The database does not answer."),
                        "500": ref("responses", "InternalError"),
                    },
                }
            },
        },
        "components": _with_schemas(
            components(min_length, max_length),
            openapi_conversations.schemas(min_length, max_length),
        ),
    }


def _with_schemas(parts: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    return {**parts, "schemas": {**parts["schemas"], **more}}


@functools.cache
def document_json(min_length: int, max_length: int) -> str:
    """The document as JSON text, built once per pair of length limits."""
    return json.dumps(build(min_length, max_length), separators=(",", ":"))
