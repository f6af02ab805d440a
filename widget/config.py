"""Settings: safe defaults, then ``COMMENTS_*`` environment variables.

Every setting the README documents is read here and nowhere else, so the
rest of the code reads ``app.config`` only.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask


class ConfigError(ValueError):
    """A COMMENTS_* variable has a value the service cannot use."""


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _int(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return number


def _origins(value: str) -> list[str]:
    # Literal origins only: a regex would match by prefix (see STYLE.md).
    return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]


def instance_secret_key(instance_path: str) -> str:
    """Return the key kept in the instance folder, creating it exactly once.

    Several gunicorn workers may start together: O_EXCL makes one of them the
    writer and the others readers of the same key.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may still be writing it
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise ConfigError(f"{path} is empty; delete it to have a new key generated") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def load(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config``."""
    get = os.environ.get

    database_url = get("COMMENTS_DATABASE_URL") or (
        "sqlite:///" + os.path.join(app.instance_path, "comments.db")
    )
    origins = get("COMMENTS_ALLOWED_ORIGINS")
    moderation = get("COMMENTS_MODERATION", "post").strip().lower()
    if moderation not in {"post", "pre"}:
        raise ConfigError("COMMENTS_MODERATION must be 'post' or 'pre'")
    min_length = _int(get("COMMENTS_MIN_LENGTH", "50"), "COMMENTS_MIN_LENGTH", 1)
    max_length = _int(get("COMMENTS_MAX_LENGTH", "5000"), "COMMENTS_MAX_LENGTH", 1)
    if max_length < min_length:
        raise ConfigError("COMMENTS_MAX_LENGTH must not be below COMMENTS_MIN_LENGTH")
    ratelimit_enabled = _flag(get("COMMENTS_RATELIMIT_ENABLED", "true"), "RATELIMIT_ENABLED")

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        ALLOWED_ORIGINS=_origins(origins) if origins is not None else None,
        RATELIMIT_STORAGE_URI=get("COMMENTS_RATELIMIT_STORAGE_URI", "memory://"),
        # The Limiter remembers this across apps in one process: always set it.
        RATELIMIT_ENABLED=ratelimit_enabled,
        RATELIMIT_KEY_PREFIX="comments",
        RATELIMIT_STRATEGY="moving-window",
        POST_LIMITS=get("COMMENTS_POST_LIMITS", "5/minute;30/hour;200/day"),
        READ_LIMITS=get("COMMENTS_READ_LIMITS", "300/minute"),
        MIN_LENGTH=min_length,
        MAX_LENGTH=max_length,
        MODERATION=moderation,
        TRUSTED_PROXIES=_int(get("COMMENTS_TRUSTED_PROXIES", "0"), "COMMENTS_TRUSTED_PROXIES"),
        MIN_FILL_SECONDS=_int(get("COMMENTS_MIN_FILL_SECONDS", "3"), "COMMENTS_MIN_FILL_SECONDS"),
        # The same text again within this many seconds is refused; 0 turns it off.
        DUPLICATE_WINDOW=_int(
            get("COMMENTS_DUPLICATE_WINDOW", "86400"), "COMMENTS_DUPLICATE_WINDOW"
        ),
        TOKEN_MAX_AGE=6 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not app.debug,
        SESSION_COOKIE_NAME="comments_admin",
        WTF_CSRF_TIME_LIMIT=None,
        # The box's script and styles: cached a day, then revalidated by ETag,
        # so a new release reaches every page within a day.
        SEND_FILE_MAX_AGE_DEFAULT=0 if app.debug else 86400,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = get("COMMENTS_SECRET_KEY") or instance_secret_key(
            app.instance_path
        )
    if app.config["ALLOWED_ORIGINS"] is None:
        app.config["ALLOWED_ORIGINS"] = ["*"] if app.debug else []
