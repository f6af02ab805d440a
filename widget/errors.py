"""JSON errors for the API: one shape, every status, no internals."""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any, NoReturn

from flask import Flask, Response, request
from flask_babel import lazy_gettext, ngettext
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from .extensions import limiter

log = logging.getLogger(__name__)

# Codes and reader-facing messages for the statuses werkzeug raises itself
# (lazy: translated into the request's language when an answer is written).
_HTTP_CODES: dict[int, tuple[str, Any]] = {
    400: ("bad_request", lazy_gettext("The request could not be understood.")),
    404: ("not_found", lazy_gettext("There is nothing at this address.")),
    405: ("method_not_allowed", lazy_gettext("This address does not accept that method.")),
    413: ("payload_too_large", lazy_gettext("The request is larger than 64 KiB.")),
    415: (
        "unsupported_media_type",
        lazy_gettext("Send the comment as JSON (Content-Type: application/json)."),
    ),
    429: ("rate_limited", lazy_gettext("Too many requests; please wait before trying again.")),
    500: (
        "internal_error",
        lazy_gettext("Something went wrong on our side. Please try again later."),
    ),
}


class Refusal(ValueError):
    """An action an admin or operator asked for cannot be done as asked; the
    message, for a person, says why (the CLI prints it, the admin area shows it)."""


class ApiError(Exception):
    """Raised anywhere in a request to answer with the contract's error shape."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def abort_json(status: int, code: str, message: str, **extra: Any) -> NoReturn:
    raise ApiError(status, code, message, **extra)


def json_response(payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """The contract's error shape. ``message`` is in the request's language
    (``str()`` resolves a lazy text), so a shared cache that may keep a GET's
    error must keep one per language; ``error`` codes never change."""
    response = json_response({"error": code, "message": str(message), **extra}, status)
    if request.method in ("GET", "HEAD"):
        response.vary.add("Accept-Language")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def retry_after_seconds() -> int:
    """Seconds until the limit that refused this request lets one through
    (the 429s of the API and of admin sign-in)."""
    current = limiter.current_limit
    if current is None:
        return 60
    reset_time = current.window[0]  # when the oldest counted hit leaves the window
    return max(1, math.ceil(reset_time - time.time()))


def _wait_message(seconds: int) -> str:
    """The 429 text, whole sentences so each language words its own plural."""
    if seconds < 120:
        return ngettext(
            "You are posting too quickly. Please try again in %(num)d second.",
            "You are posting too quickly. Please try again in %(num)d seconds.",
            seconds,
        )
    return ngettext(
        "You are posting too quickly. Please try again in %(num)d minute.",
        "You are posting too quickly. Please try again in %(num)d minutes.",
        math.ceil(seconds / 60),
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, **error.extra)

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limited(error: RateLimitExceeded) -> Response | RateLimitExceeded:
        if not _wants_json():
            return error
        retry_after = retry_after_seconds()
        response = error_response(
            429, "rate_limited", _wait_message(retry_after), retry_after=retry_after
        )
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response | HTTPException:
        if not _wants_json() or error.code is None:
            return error
        code, message = _HTTP_CODES.get(
            error.code, (error.name.lower().replace(" ", "_"), error.description or error.name)
        )
        response = error_response(error.code, code, message)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, *_HTTP_CODES[500])
        return Response("Internal Server Error", status=500, mimetype="text/plain")
