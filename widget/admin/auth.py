"""Signing in and out (what a session holds and the limits: signin.py)."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded

from ..errors import retry_after_seconds
from . import accounts, signin
from .blueprint import bp, safe_next
from .forms import ConfirmForm, LoginForm


def _login_page(form: LoginForm, error: str | None, status: int = 200) -> tuple[str, int]:
    # Over plain HTTP the browser drops the Secure cookie: say so up front.
    hint = signin.PLAIN_HTTP_MESSAGE if signin.cookie_cannot_stick() else None
    page = render_template("admin/login.html", form=form, error=error, plain_http=hint)
    return page, status


@bp.route("/login", methods=["GET", "POST"])
@signin.limit_by_address
@signin.limit_by_account
def login() -> Response | tuple[str, int]:
    if g.admin is not None:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return _login_page(form, None)
    admin = accounts.authenticate(form.name.data or "", form.password.data or "")
    if form.validate() and admin is not None:
        signin.start(admin)
        return redirect(safe_next(form.next.data))
    signin.record_failure()
    # The same words for an unknown name and a wrong password.
    return _login_page(form, "That name and password do not match an admin.")


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    page, status = _login_page(LoginForm(formdata=None), error.description, 429)
    return page, status, {"Retry-After": str(retry_after_seconds())}


@bp.post("/logout")
def logout() -> Response:
    if ConfirmForm(formdata=request.form).validate():
        signin.end(g.admin)
        flash("You are signed out.", "success")
    return redirect(url_for("admin.login"))
