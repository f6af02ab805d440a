"""The admin blueprint and what every admin page shares: sign-in required,
strict headers, error pages, paging, what a reply answers, template helpers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..models import Comment, Status
from ..moderation.defences import REASONS
from . import signin
from .forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50
EXCERPT = 80  # characters of the answered comment shown with a reply
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PUBLIC_ENDPOINTS = frozenset({"admin.login"})


@bp.before_request
def require_admin() -> Response | None:
    g.admin = signin.current()
    if g.admin is None and request.endpoint not in PUBLIC_ENDPOINTS:
        wanted = request.full_path if request.method == "GET" else None
        return redirect(url_for("admin.login", next=wanted))
    return None


@bp.after_request
def strict_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"  # emails and addresses inside
    return response


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path inside /admin: never another site (an open redirect)."""
    default = default or url_for("admin.dashboard")
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/admin"):
        return default
    return target


# --- errors --------------------------------------------------------------------


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> tuple[str, int]:
    if signin.cookie_cannot_stick():  # no cookie came back: no reload can fix that
        title = "Signing in needs HTTPS"
        message = "Nothing was changed. " + signin.PLAIN_HTTP_MESSAGE
    else:
        title = "Form expired"
        message = (
            "The form had expired or did not come from this site, so nothing was changed. "
            "Go back, reload the page and try again."
        )
    return render_template("admin/error.html", title=title, message=message), 400


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    message = error.description or error.name
    return render_template("admin/error.html", title=error.name, message=message), error.code


def bad_request(form: FlaskForm) -> None:
    messages = [f"{form[name].label.text}: {errs[0]}" for name, errs in form.errors.items()]
    abort(400, description=" ".join(messages) or "The request could not be understood.")


def counts_by_status(*where: Any) -> dict[str, int]:
    rows = db.session.execute(
        select(Comment.status, func.count(Comment.id)).where(*where).group_by(Comment.status)
    ).all()
    found = dict(rows)
    return {status.value: found.get(status.value, 0) for status in Status}


def paginate(total: int, asked: int | None) -> tuple[int, int, int]:
    """(page, pages, offset) of a list of ``total`` rows, PER_PAGE a page:
    the page asked for, kept between the first and the last."""
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(asked or 1, 1), pages)
    return page, pages, (page - 1) * PER_PAGE


@dataclass(frozen=True)
class Parent:
    """What a reply answers, for the admin lists: its author and first words."""

    id: int
    author: str
    excerpt: str


def excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


def parents_of(rows: Sequence[Comment]) -> dict[int, Parent]:
    """The comments these rows answer, by id (one query for a whole page)."""
    ids = sorted({row.parent_id for row in rows if row.parent_id is not None})
    if not ids:
        return {}
    found = db.session.execute(
        select(Comment.id, Comment.author, Comment.body).where(Comment.id.in_(ids))
    ).all()
    return {i: Parent(i, author, excerpt(body)) for i, author, body in found}


# --- template helpers ----------------------------------------------------------


@bp.app_template_filter("admin_time")
def admin_time(value: datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@bp.app_template_filter("spam_percent")
def spam_percent(score: float) -> str:
    """A stored spam score as admins read it: 0.9964 -> "99.6%". Rounded
    down, so a score just under the likely-spam line never reads as on it."""
    tenths = math.floor(round(score * 1000, 6))
    return f"{tenths / 10:.1f}%"


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"logout_form": ConfirmForm(formdata=None), "admin": g.get("admin"), "reasons": REASONS}
