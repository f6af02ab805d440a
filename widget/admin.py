"""/admin: HTML, sessions, CSRF.

Every page needs a signed-in admin (``require_admin`` runs before each view,
so a new view cannot forget). Every POST carries Flask-WTF's CSRF token,
checked app-wide by CSRFProtect. Every action goes through
``widget/moderation.py``, which the CLI uses too.
"""

from __future__ import annotations

import hmac
import logging
import math
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from . import accounts, chart, moderation
from .defences import REASONS
from .extensions import db, limiter
from .forms import (
    BAN_DURATIONS,
    BAN_LABELS,
    ArticleForm,
    BanForm,
    BulkForm,
    ConfirmForm,
    FilterForm,
    LoginForm,
    PhraseForm,
    SettingsForm,
)
from .models import Admin, AuditEntry, BlockedPhrase, Comment, Status, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)

PER_PAGE = 50
SESSION_SECONDS = 12 * 3600  # sign in again after this long
LOGIN_LIMIT = "5/minute"
CHART_DAYS = 30
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PUBLIC_ENDPOINTS = frozenset({"admin.login"})
DONE = {"approve": "Approved", "spam": "Marked as spam", "delete": "Deleted"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- sessions ------------------------------------------------------------------


def _signed_in_admin() -> Admin | None:
    admin_id, key, since = (session.get(k) for k in ("admin_id", "admin_key", "admin_since"))
    if not (isinstance(admin_id, int) and isinstance(key, str) and isinstance(since, int)):
        return None
    admin = db.session.get(Admin, admin_id) if time.time() - since < SESSION_SECONDS else None
    if admin is None or not hmac.compare_digest(accounts.session_key(admin), key):
        session.clear()  # expired, deleted, or the password was reset
        return None
    return admin


@bp.before_request
def require_admin() -> Response | None:
    g.admin = _signed_in_admin()
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


def _safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path inside /admin: never another site (an open redirect)."""
    default = default or url_for("admin.dashboard")
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/admin"):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> Response | str:
    if g.admin is not None:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if request.method == "POST":
        admin = accounts.authenticate(form.name.data or "", form.password.data or "")
        if form.validate() and admin is not None:
            session.clear()  # a fresh session: nothing carried over from before
            session["admin_id"] = admin.id
            session["admin_key"] = accounts.session_key(admin)
            session["admin_since"] = int(time.time())
            return redirect(_safe_next(form.next.data))
        log.warning("failed admin sign-in from %s", request.remote_addr)
        # The same words for an unknown name and a wrong password.
        error = "That name and password do not match an admin."
    return render_template("admin/login.html", form=form, error=error), 200


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    form = LoginForm(formdata=None)
    message = "Too many sign-in attempts from your address. Wait a minute, then try again."
    return render_template("admin/login.html", form=form, error=message), 429, {"Retry-After": "60"}


@bp.post("/logout")
def logout() -> Response:
    if ConfirmForm(formdata=request.form).validate():
        session.clear()
        flash("You are signed out.", "success")
    return redirect(url_for("admin.login"))


# --- errors --------------------------------------------------------------------


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> tuple[str, int]:
    message = (
        "The form had expired or did not come from this site, so nothing was changed. "
        "Go back, reload the page and try again."
    )
    return render_template("admin/error.html", title="Form expired", message=message), 400


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error
    message = error.description or error.name
    return render_template("admin/error.html", title=error.name, message=message), error.code


def _bad_request(form: FlaskForm) -> None:
    messages = [f"{form[name].label.text}: {errs[0]}" for name, errs in form.errors.items()]
    abort(400, description=" ".join(messages) or "The request could not be understood.")


# --- dashboard -----------------------------------------------------------------


def _counts_by_status(*where: Any) -> dict[str, int]:
    rows = db.session.execute(
        select(Comment.status, func.count(Comment.id)).where(*where).group_by(Comment.status)
    ).all()
    found = dict(rows)
    return {status.value: found.get(status.value, 0) for status in Status}


def _day_column() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Comment.created_at))
    return func.date(Comment.created_at)  # SQLite keeps UTC text


def _daily_chart() -> chart.Chart:
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    day = _day_column()
    rows = db.session.execute(
        select(day, Comment.status, func.count(Comment.id))
        .where(Comment.created_at >= since)
        .group_by(day, Comment.status)
    ).all()
    totals: dict[date, int] = {}
    spam: dict[date, int] = {}
    for raw_day, status, number in rows:
        when = date.fromisoformat(str(raw_day)[:10])
        totals[when] = totals.get(when, 0) + number
        if status == Status.SPAM:
            spam[when] = spam.get(when, 0) + number
    return chart.layout(days, totals, spam)


@bp.get("/")
def dashboard() -> str:
    pending = db.session.scalars(
        select(Comment).where(Comment.status == Status.PENDING).order_by(Comment.id).limit(10)
    ).all()
    return render_template(
        "admin/dashboard.html",
        counts=_counts_by_status(),
        pending=pending,
        chart=_daily_chart(),
        settings=moderation.settings(),
    )


# --- comments ------------------------------------------------------------------


def _selection_from_args() -> tuple[FilterForm, moderation.Selection]:
    form = FilterForm(formdata=request.args)
    if not form.validate():
        _bad_request(form)
    try:
        selection = moderation.Selection.of(
            status=form.status.data,
            article_id=form.article.data,
            search=form.q.data,
            sender=form.sender.data,
        )
    except moderation.ModerationError as error:
        abort(400, description=str(error))
    return form, selection


@bp.get("/comments")
def comments() -> str:
    form, selection = _selection_from_args()
    total = moderation.count(selection)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(form.page.data or 1, pages)
    rows = db.session.scalars(
        select(Comment)
        .where(*selection.conditions())
        .order_by(Comment.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "admin/comments.html",
        form=form,
        filters=selection.filters(),
        is_filtered=not selection.is_everything,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        bulk=BulkForm(formdata=None),
        spam_count=_counts_by_status()[Status.SPAM.value],
    )


@bp.post("/comments/bulk")
def bulk() -> Response:
    _, matching = _selection_from_args()
    back = url_for("admin.comments", **matching.filters())
    form = BulkForm(formdata=request.form)
    if not form.validate():
        _bad_request(form)
    if form.scope.data == "selected":
        if not form.ids.data:
            flash("Choose at least one comment, or apply the action to every match.", "error")
            return redirect(back)
        selection = moderation.Selection.of(ids=form.ids.data)
    else:
        selection = matching
    changed = moderation.change_status(selection, form.action.data, g.admin.name)
    flash(f"{DONE[form.action.data]}: {_plural(changed, 'comment')}.", "success")
    return redirect(back)


@bp.get("/comments/empty-spam")
def confirm_empty_spam() -> str:
    """Removing spam cannot be undone: say how much, and ask once more."""
    return render_template(
        "admin/empty_spam.html",
        spam_count=_counts_by_status()[Status.SPAM.value],
        form=ConfirmForm(formdata=None),
    )


@bp.post("/comments/empty-spam")
def empty_spam() -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    removed = moderation.empty_spam(g.admin.name)
    flash(f"Removed {_plural(removed, 'spam comment')} for good.", "success")
    return redirect(url_for("admin.comments", status=Status.SPAM.value))


# --- senders and bans ----------------------------------------------------------


@bp.get("/senders/<sender>")
def sender(sender: str) -> str:
    try:
        sender = moderation.clean_sender(sender)
    except moderation.ModerationError:
        abort(404)
    form = BanForm(formdata=None, sender=sender)
    return render_template(
        "admin/sender.html",
        sender=sender,
        counts=_counts_by_status(Comment.sender_hash == sender),
        ban=moderation.active_ban(sender),
        form=form,
        lift=ConfirmForm(formdata=None),
    )


@bp.post("/bans")
def ban() -> Response:
    form = BanForm(formdata=request.form)
    if not form.validate():
        _bad_request(form)
    try:
        _, spammed = moderation.ban(
            form.sender.data,
            BAN_DURATIONS[form.duration.data],
            g.admin.name,
            note=form.note.data or "",
            mark_spam=form.mark_spam.data,
        )
    except moderation.ModerationError as error:
        abort(400, description=str(error))
    lasting = BAN_LABELS[form.duration.data].lower()
    message = f"Sender {form.sender.data} is banned ({lasting})."
    if form.mark_spam.data:
        message += f" {_plural(spammed, 'comment')} marked as spam."
    flash(message, "success")
    return redirect(url_for("admin.sender", sender=form.sender.data))


@bp.post("/bans/<sender>/lift")
def lift_ban(sender: str) -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    try:
        lifted = moderation.unban(sender, g.admin.name)
    except moderation.ModerationError as error:
        abort(400, description=str(error))
    flash(f"Lifted the ban on {sender}." if lifted else "That sender was not banned.", "success")
    return redirect(_safe_next(request.args.get("next"), url_for("admin.rules", _anchor="bans")))


# --- rules ---------------------------------------------------------------------


@bp.get("/rules")
def rules() -> str:
    current = moderation.settings()
    settings_form = SettingsForm(
        formdata=None,
        pre_moderation={None: "default", True: "on", False: "off"}[current.pre_moderation],
        hold_first_comment="on" if current.hold_first_comment else "off",
    )
    return render_template(
        "admin/rules.html",
        settings=current,
        settings_form=settings_form,
        phrase_form=PhraseForm(formdata=None),
        phrases=moderation.blocked_phrases(),
        ban_form=BanForm(formdata=None),
        bans=moderation.bans(),
        article_form=ArticleForm(formdata=None),
        closed=moderation.closed_articles(),
        confirm=ConfirmForm(formdata=None),
        now=utcnow(),
    )


def _back_to_rules(anchor: str) -> Response:
    return redirect(url_for("admin.rules", _anchor=anchor))


@bp.post("/rules/settings")
def save_settings() -> Response:
    form = SettingsForm(formdata=request.form)
    if not form.validate():
        _bad_request(form)
    pre = {"default": None, "on": True, "off": False}[form.pre_moderation.data]
    current = moderation.settings()
    if pre != current.pre_moderation:
        moderation.set_pre_moderation(pre, g.admin.name)
    hold_first = form.hold_first_comment.data == "on"
    if hold_first != current.hold_first_comment:
        moderation.set_hold_first_comment(hold_first, g.admin.name)
    flash("Moderation settings saved.", "success")
    return _back_to_rules("moderation")


@bp.post("/rules/phrases")
def add_phrase() -> Response:
    form = PhraseForm(formdata=request.form)
    if not form.validate():
        _bad_request(form)
    try:
        rule = moderation.block_phrase(form.phrase.data, form.action.data, g.admin.name)
    except moderation.ModerationError as error:
        abort(400, description=str(error))
    verb = "held" if rule.action == "hold" else "rejected"
    flash(f"Comments containing “{rule.phrase}” will be {verb}.", "success")
    return _back_to_rules("phrases")


@bp.post("/rules/phrases/<int(max=2147483647):phrase_id>/delete")
def remove_phrase(phrase_id: int) -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    rule = db.session.get(BlockedPhrase, phrase_id)
    if rule is not None:
        moderation.unblock_phrase(rule.phrase, g.admin.name)
        flash(f"“{rule.phrase}” is no longer blocked.", "success")
    return _back_to_rules("phrases")


@bp.post("/rules/articles/<any(close, reopen):change>")
def article(change: str) -> Response:
    form = ArticleForm(formdata=request.form)
    if not form.validate():
        _bad_request(form)
    closing = change == "close"
    article_id = form.article_id.data
    if moderation.set_closed(article_id, closing, g.admin.name):
        word = "closed" if closing else "open again"
        flash(f"Comments on {article_id} are {word}.", "success")
    else:
        flash(f"Comments on {article_id} already were {change}d.", "success")
    return _back_to_rules("articles")


# --- audit log -----------------------------------------------------------------


@bp.get("/audit")
def audit() -> str:
    total = db.session.scalar(select(func.count(AuditEntry.id))) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return render_template("admin/audit.html", entries=entries, page=page, pages=pages)


# --- template helpers ----------------------------------------------------------


@bp.app_template_filter("admin_time")
def admin_time(value: datetime | None) -> str:
    if value is None:
        return "never"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@bp.context_processor
def helpers() -> dict[str, Any]:
    return {"logout_form": ConfirmForm(formdata=None), "admin": g.get("admin"), "reasons": REASONS}
