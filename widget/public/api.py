"""/api/v1: JSON in, JSON out, no cookies."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_cors import cross_origin
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, PathConverter

from .. import articles
from ..errors import abort_json, json_response
from ..extensions import db, limiter, sender_identity
from ..models import MAX_ID, Article, Comment, Status
from ..moderation import defences
from ..ops import metrics
from ..privacy import sender_hash
from . import listing, openapi, posting, signed_in
from .cursor import REPLIES, Cursor
from .forms import CommentForm

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class AnyArticleIdConverter(PathConverter):
    """Takes whatever stands between /articles/ and /comments, even a leading
    slash or a line break, so that a bad ID is answered 400 invalid_article_id
    by the view rather than 404 by the router."""

    regex = r"[\s\S]+?"
    part_isolating = False  # may span "/"; Werkzeug guesses from the regex otherwise


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` with ASCII digits only: its ``\\d`` admits every
    script's digits, so "/comments/" and a full-width one would alias comment 1."""

    regex = r"[0-9]+"


# Registered before the routes below are bound, which need them. The ``int``
# converter is replaced app-wide: no route should take another script's digits.
bp.record_once(
    lambda state: state.app.url_map.converters.update(
        any_id=AnyArticleIdConverter, int=AsciiIntegerConverter
    )
)

# What a CDN may do with a listing: keep it a few seconds. Browsers revalidate
# every time (a cheap 304), so a reader who reloads sees every new comment: no
# stale-while-revalidate, which browsers honour too and then show the old list.
LIST_CACHE_CONTROL = "public, max-age=0, s-maxage=5"
MAX_COUNT_IDS = 100

# The public GETs are cookieless reads: "*" for every origin (and for none), so
# the one answer a CDN keeps is right for every page. automatic_options=False
# leaves preflights to the app-wide rule, which admits the listed origins only:
# a POST on the listing's own URL keeps the exact-origin rule.
public_read = cross_origin(origins="*", send_wildcard=True, automatic_options=False)


def _read_limits() -> str:
    return current_app.config["READ_LIMITS"]


def _post_limits() -> str:
    return current_app.config["POST_LIMITS"]


# Posts, edits and deletes draw on one per-client budget (an edit is a post).
posting_limit = limiter.shared_limit(_post_limits, scope="posting")


# --- listing -----------------------------------------------------------------


def _query_param(name: str, default: str) -> str:
    values = request.args.getlist(name)
    if len(values) > 1:
        _invalid(name, _("Give '%(name)s' at most once.", name=name))
    return values[0] if values else default


def _invalid(name: str, message: str) -> None:
    abort_json(400, "invalid_parameter", message, parameter=name)


@bp.get("/articles/<any_id:article_id>/comments")
@limiter.limit(_read_limits)
@public_read
def list_comments(article_id: str) -> Response:
    articles.require_valid_id(article_id)
    sort = _query_param("sort", "newest")
    if sort not in listing.SORTS:
        _invalid("sort", _("'sort' is 'newest', 'oldest' or 'top'."))
    limit, cursor = _page_params(sort)
    key = listing.page_key(article_id, sort, limit, cursor)
    # The ETag, 304 and body (cached page + form) are built in listing.py.
    return listing.respond(key, LIST_CACHE_CONTROL)


@bp.get("/articles/<any_id:article_id>/comments/<int:comment_id>/replies")
@limiter.limit(_read_limits)
@public_read
def list_replies(article_id: str, comment_id: int) -> Response:
    articles.require_valid_id(article_id)
    listing.require_comment_id(comment_id)
    limit, cursor = _page_params(REPLIES)
    key = listing.page_key(article_id, REPLIES, limit, cursor, thread_id=comment_id)
    return listing.respond(key, LIST_CACHE_CONTROL)


def _page_params(sort: str) -> tuple[int, Cursor | None]:
    """``limit`` and ``cursor`` of a listing or replies page, checked."""
    raw_limit = _query_param("limit", "20")
    # Length first: int() refuses strings of over 4,300 digits with a ValueError.
    digits = raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 10
    if not (digits and 1 <= int(raw_limit) <= 100):
        _invalid("limit", _("'limit' is a whole number from 1 to 100."))
    raw_cursor = _query_param("cursor", "")
    cursor = None
    if raw_cursor:
        try:
            cursor = Cursor.decode(raw_cursor, sort)
        except ValueError:
            _invalid("cursor", _("'cursor' must be a next_cursor from this listing and sort."))
    return int(raw_limit), cursor


@bp.get("/counts")
@limiter.limit(_read_limits)
@public_read
def counts() -> Response:
    ids = request.args.getlist("article_id")
    if not ids:
        _invalid("article_id", _("Give at least one 'article_id'."))
    if len(ids) > MAX_COUNT_IDS:
        _invalid("article_id", _("Give at most %(n)s 'article_id' values.", n=MAX_COUNT_IDS))
    for article_id in ids:
        articles.require_valid_id(article_id)
    found = dict(
        db.session.execute(
            select(Article.id, Article.published_count).where(Article.id.in_(set(ids)))
        ).all()
    )
    response = json_response(
        {"counts": {article_id: found.get(article_id, 0) for article_id in ids}}
    )
    response.headers["Cache-Control"] = LIST_CACHE_CONTROL  # counts change as listings do
    return response


# --- posting -----------------------------------------------------------------

_TEXT_FIELDS = ("author", "body", "email", "token")
_KNOWN_FIELDS = frozenset((*_TEXT_FIELDS, "parent_id", "notify_replies"))


def require_allowed_origin(doing: str) -> None:
    """403 unless the page this request comes from may ``doing`` here. Every
    write checks it; a request without ``Origin`` is no browser's."""
    origin = request.headers.get("Origin")
    if origin is not None and not _origin_allowed(origin):
        abort_json(
            403,
            "origin_not_allowed",
            _("Pages on %(origin)s may not %(doing)s here.", origin=origin[:200], doing=doing)
            + " "
            + _("The publisher can add it to COMMENTS_ALLOWED_ORIGINS."),
        )


def refuse_fields(errors: dict[str, list[str]]) -> None:
    """422 naming every field that needs attention, if any does."""
    if errors:
        abort_json(
            422,
            "validation_failed",
            _("Some fields need attention."),
            fields={name: [str(m) for m in messages] for name, messages in errors.items()},
        )


def _origin_allowed(origin: str) -> bool:
    allowed = current_app.config["ALLOWED_ORIGINS"]
    own = request.host_url.rstrip("/")
    return origin == own or "*" in allowed or origin in allowed


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice")
        seen[key] = value
    return seen


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _read_body() -> bytes:
    """The raw request body, or a JSON 4xx when it is too large or unreadable."""
    try:
        raw = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
        # A streamed (chunked) body is cut at the limit, not refused: refuse
        # it when there is more, rather than parse a truncated body.
        limit = request.max_content_length
        streamed = request.content_length is None
        over = streamed and limit and len(raw) >= limit and request.environ["wsgi.input"].read(1)
    except HTTPException:
        raise
    except Exception:  # the server's own error for a malformed transfer (bad chunks)
        abort_json(400, "invalid_json", _("The request body could not be read: it is malformed."))
    if over:
        abort(413)  # the app's 413 answer, in the request's language
    return raw


def read_json_object() -> dict[str, Any]:
    if request.mimetype != "application/json":
        abort(415)  # the app's 415 answer: "Send the comment as JSON (...)"
    raw = _read_body()
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_duplicate_keys,
            parse_constant=_no_constants,
        )
    except UnicodeDecodeError:  # a ValueError: first
        abort_json(400, "invalid_json", _("The request body could not be read: it is not UTF-8."))
    except (ValueError, RecursionError):
        unreadable = _("The request body could not be read: it is not valid JSON.")
        abort_json(400, "invalid_json", unreadable)
    if not isinstance(data, dict):
        abort_json(400, "invalid_json", _("The request body must be a JSON object."))
    return data


def type_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors = CommentForm.oversized(data)  # before any text work: see moderation/text.py
    for name in _TEXT_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            errors[name] = [_("Must be text.")]
    parent = data.get("parent_id")
    if parent is not None and (
        isinstance(parent, bool) or not isinstance(parent, int) or not 1 <= parent <= MAX_ID
    ):
        errors["parent_id"] = [_("Must be the id of a comment, a whole number.")]
    notify = data.get("notify_replies")
    if notify is not None and not isinstance(notify, bool):
        errors["notify_replies"] = [_("Must be true or false.")]
    elif notify and not data.get("email") and "email" not in errors:
        errors["email"] = [_("Give your email address to be told of replies.")]
    return errors


@bp.post("/articles/<any_id:article_id>/comments")
@posting_limit
def post_comment(article_id: str) -> Response:
    articles.require_valid_id(article_id)
    require_allowed_origin(_("post comments"))
    reader = signed_in.reader(posting=True)  # 401 for a bad token, or none when required
    data = signed_in.as_posted(read_json_object(), reader)
    errors = type_errors(data)
    form = CommentForm.from_json({k: v for k, v in data.items() if k not in errors})
    if not form.validate():
        errors = {**form.errors, **errors}
    parent_id = form.parent_id.data if "parent_id" not in errors else None
    parent = _published_comment(parent_id, article_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        errors["parent_id"] = [_("The comment you are replying to is not on this article.")]
    refuse_fields(errors)

    sender = sender_hash(sender_identity())  # a signed-in reader's follows them
    found = defences.circumstances(article_id, sender)
    if found.closed:
        abort_json(403, "comments_closed", _("Comments are closed on this article."))

    draft = defences.Draft(
        article_id=article_id,
        author=form.author.data,
        body=form.body.data,
        email=form.email.data or None,
        parent_id=parent_id,
        sender_hash=sender,
        token=data.get("token"),
        extra={k: v for k, v in data.items() if k not in _KNOWN_FIELDS},
        notify_replies=data.get("notify_replies") is True,
        banned=found.banned,
        spam_model=found.spam_model,
        verified=reader is not None,
        staff=reader is not None and reader.staff,
    )
    verdict = defences.assess(draft, found.rules)
    # A token that vouches (in time or not) is used up by this post; a missing,
    # forged, expired or reused one has nothing to use up. Staff take none.
    vouched = not draft.staff and not (verdict.reason or "").startswith("token_")
    stored = posting.store(draft, verdict, found.article_exists, vouched, parent)
    metrics.count_post(published=stored["status"] == Status.PUBLISHED)
    if stored["status"] == Status.PUBLISHED:
        return json_response(stored["comment"], 201)
    return json_response({**stored["comment"], "status": "pending"}, 202)


def _published_comment(comment_id: int, article_id: str) -> Comment | None:
    return db.session.scalar(
        select(Comment).where(
            Comment.id == comment_id,
            Comment.article_id == article_id,
            Comment.status == Status.PUBLISHED,
        )
    )


# --- the OpenAPI document ----------------------------------------------------


@bp.get("/openapi.json")
@public_read
def openapi_document() -> Response:
    """The machine-readable contract of this API (openapi.py)."""
    config = current_app.config
    document = openapi.document_json(config["MIN_LENGTH"], config["MAX_LENGTH"])
    response = Response(document, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
