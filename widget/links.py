"""Absolute links to the service itself (in mails, feeds): one place decides
where they point."""

from __future__ import annotations

from flask import current_app, has_request_context, request


def service_url() -> str | None:
    """``COMMENTS_PUBLIC_URL`` (and the path the app is mounted at), else the
    address the current request came to; None outside a request without the
    setting. The setting keeps a forged ``Host`` header out of mails and feeds."""
    configured = current_app.config["PUBLIC_URL"]
    if not has_request_context():
        return configured
    if configured:
        return configured + request.script_root
    return request.url_root.rstrip("/")
