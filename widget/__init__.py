"""A comments service for publishers: one script tag, a JSON API, moderation."""

from __future__ import annotations

import functools
import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, database, errors, headers, i18n
from .extensions import cors, csrf, db, limiter, migrate
from .ops import logs
from .public import listing


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder="../static",
        template_folder="../templates",
    )
    # No "//" -> "/" redirect: Werkzeug's is an HTML page, and every answer
    # under /api/ is JSON. A doubled slash is simply not found (404 JSON).
    app.url_map.merge_slashes = False
    config.load(app, test_config)
    # The listing's 304s and cached pages, answered before Flask's request
    # machinery (public/revalidate.py); inside ProxyFix, logs and metrics.
    from .public import revalidate

    revalidate.init_app(app)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    database.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, os.pardir, "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    # Writes (and every preflight) admit the listed origins exactly; the public
    # GETs widen this to "*" per view (api.public_read), so a CDN keeps one
    # answer for every origin.
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["ALLOWED_ORIGINS"]}},
        supports_credentials=False,
        expose_headers=["Retry-After"],
        max_age=86400,
    )
    errors.init_app(app)
    i18n.init_app(app)
    headers.init_app(app)
    listing.init_app(app)
    logs.init_app(app)  # one JSON line per request on stdout

    from . import admin
    from .admin import commands as admin_commands
    from .moderation import commands as moderation_commands
    from .moderation import reports
    from .notify import outbox, subscriptions, worker
    from .ops import health, metrics

    # edits and reactions add their routes to api.bp: imported before it is registered.
    from .public import api, demo, edits, feeds, fragment, reactions  # noqa: F401
    from .transfer import commands as transfer_commands

    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(fragment.bp)
    app.register_blueprint(admin.bp)
    # /metrics, and every request counted; the gauges are read at each scrape.
    metrics.init_app(
        app,
        {
            "comments_held": ("Comments held for an admin (status pending).", metrics.held_count),
            "comments_reported": ("Comments with open reports.", reports.queued_count),
            "comments_outbox_backlog": ("Mails and webhooks waiting to be sent.", outbox.backlog),
        },
    )
    # The links in mails carry their own signed token; mail clients POST to
    # them without cookies (RFC 8058 one-click unsubscribe).
    csrf.exempt(subscriptions.bp)
    app.register_blueprint(subscriptions.bp)
    worker.init_app(app)
    moderation_commands.init_app(app)
    admin_commands.init_app(app)
    transfer_commands.init_app(app)
    # Limits off (COMMENTS_RATELIMIT_ENABLED=false, benchmarks): drop Flask-Limiter's
    # per-view wrappers, which otherwise evaluate every limit on every request anyway.
    if not app.config["RATELIMIT_ENABLED"]:
        for endpoint, view in app.view_functions.items():
            if getattr(view, "__wrapper-limiter-instance", None) == limiter:
                app.view_functions[endpoint] = view.__wrapped__
        _drop_limiter_hooks(app)
    return app


def _drop_limiter_hooks(app: Flask) -> None:
    """Flask-Limiter's own hooks, which find nothing to do with limits off
    but still run (and set up their request context) on every request."""

    def ours(hook: Any) -> bool:
        owner = getattr(hook, "__self__", None)
        if owner is None and isinstance(hook, functools.partial) and hook.args:
            owner = hook.args[0]
        return owner is limiter

    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        if None in hooks:
            hooks[None] = [hook for hook in hooks[None] if not ours(hook)]
