"""/healthz: is the database answering, and is Redis?

200 ``{"status": "ok"}``; 200 ``{"status": "degraded", "down": ["redis"]}``
while the Redis that limits (and the version cache) use does not answer, since
the service keeps serving without it; 503 while the database does not answer.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import error_response, json_response
from ..extensions import REDIS_SCHEMES, db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _redis_down() -> bool:
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith(REDIS_SCHEMES):
        return False
    # One PING under the storage's short socket timeouts (extensions.Limiter).
    return not limiter.storage.check()


@bp.get("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: database unavailable: %s", type(error).__name__)
        return error_response(503, "database_unavailable", "The database does not answer.")
    if _redis_down():
        log.warning("health check: Redis unavailable")
        return json_response({"status": "degraded", "down": ["redis"]})
    return json_response({"status": "ok"})
