"""Admin sign-in: what the session cookie holds and when it stops working,
the sign-in limits, and why signing in cannot work over plain HTTP.

A session is a signed Flask cookie with the admin's id, their session key
(``accounts.session_key``), when they signed in and when they were last seen.
It stops working when the admin signs out (everywhere it was copied), when
their password is reset or they are deleted, after ``IDLE_SECONDS`` without a
request, and ``SESSION_SECONDS`` after signing in whatever happens.
"""

from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import urlsplit

from flask import Response, current_app, flash, g, request, session

from ..extensions import db, limiter
from ..models import Admin
from ..ops import logs
from ..privacy import keyed_hash
from . import accounts

log = logging.getLogger("widget.admin")

SESSION_SECONDS = 12 * 3600  # sign in again after this long, active or not
IDLE_SECONDS = 30 * 60  # ... or after this long without a request
SEEN_EVERY = 60  # rewrite the cookie's last-seen time at most once a minute

# Per client address, every attempt; per account name, failures only, so an
# attacker rotating addresses still meets a limit. The account limit counts
# unknown names exactly like real ones: its answer says nothing about which
# names exist.
ADDRESS_LIMIT = "5/minute"
ACCOUNT_LIMIT = "10 per 15 minutes"
ADDRESS_MESSAGE = "Too many sign-in attempts from your address. Wait a minute, then try again."
ACCOUNT_MESSAGE = (
    "Too many failed sign-ins with this name. Wait 15 minutes, then try again "
    "(signing in with this name is paused for everyone)."
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PLAIN_HTTP_MESSAGE = (
    "This page came over plain HTTP, so your browser will not keep the sign-in cookie "
    "(it is marked Secure: HTTPS only) and signing in cannot work, however often you reload. "
    "Serve the admin area over HTTPS; behind a proxy that terminates TLS, set "
    "COMMENTS_TRUSTED_PROXIES to the number of proxies so the service sees the https scheme."
)


# --- the session ---------------------------------------------------------------


def start(admin: Admin) -> None:
    now = int(time.time())
    session.clear()  # a fresh session: nothing carried over from before
    session.update(
        admin_id=admin.id, admin_key=accounts.session_key(admin), admin_since=now, admin_seen=now
    )


def current() -> Admin | None:
    """The signed-in admin, or None (and the session cleared if it has ended)."""
    fields = [session.get(k) for k in ("admin_id", "admin_key", "admin_since", "admin_seen")]
    admin_id, key, since, seen = fields
    if not (isinstance(key, str) and all(isinstance(v, int) for v in (admin_id, since, seen))):
        return None
    now = int(time.time())
    admin = None
    if now - since < SESSION_SECONDS and now - seen < IDLE_SECONDS:
        admin = db.session.get(Admin, admin_id)
    if admin is None or not hmac.compare_digest(accounts.session_key(admin), key):
        session.clear()  # expired, idle, signed out, deleted, or the password was reset
        flash("Your session has ended. Sign in again.", "error")
        return None
    if now - seen >= SEEN_EVERY:
        session["admin_seen"] = now
    return admin


def end(admin: Admin) -> None:
    """Sign out: this cookie, every copy of it, and the admin's other sessions."""
    accounts.end_sessions(admin)
    session.clear()


# --- limits --------------------------------------------------------------------


def account_key() -> str:
    """The account-limit key: the typed name as sign-in would look it up."""
    try:
        name = accounts.clean_name(str(request.form.get("name", ""))).casefold()
    except accounts.AccountError:
        name = ""  # every unusable name shares one bucket, which no admin uses
    return keyed_hash(current_app.config["SECRET_KEY"], "sign-in-account", name, 32)


def failed(_response: Response) -> bool:
    """Count against the account only when the credentials were wrong."""
    return bool(g.get("sign_in_failed"))


def record_failure() -> None:
    g.sign_in_failed = True
    # The keyed client hash of the request log, never the address (README).
    client = logs.client_hash(current_app.config["SECRET_KEY"], request.remote_addr or "unknown")
    log.warning("failed admin sign-in from client %s", client)


limit_by_address = limiter.limit(ADDRESS_LIMIT, methods=["POST"], error_message=ADDRESS_MESSAGE)
limit_by_account = limiter.limit(
    ACCOUNT_LIMIT,
    methods=["POST"],
    key_func=account_key,
    deduct_when=failed,
    error_message=ACCOUNT_MESSAGE,
)


# --- plain HTTP ------------------------------------------------------------------


def cookie_cannot_stick() -> bool:
    """True when the browser will drop the Secure session cookie: plain HTTP
    to anything but this machine (browsers allow Secure cookies on localhost)."""
    if request.is_secure or not current_app.config["SESSION_COOKIE_SECURE"]:
        return False
    try:
        host = (urlsplit("//" + request.host).hostname or "").rstrip(".")
    except ValueError:
        return True
    return host not in LOCAL_HOSTS and not host.endswith(".localhost")
