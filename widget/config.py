"""Settings: safe defaults, then ``COMMENTS_*`` environment variables.

Every setting the README documents is read here and nowhere else, so the
rest of the code reads ``app.config`` only.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import Flask
from limits import parse_many
from limits.storage import SCHEMES
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError


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


def _like_label(value: str) -> str:
    label = value.strip()
    if not 1 <= len(label) <= 24 or not label.isprintable():
        raise ConfigError("COMMENTS_LIKE_LABEL must be 1 to 24 printable characters")
    return label


# scheme://host[:port] and nothing else: what a browser sends as Origin.
_ORIGIN = re.compile(r"https?://[^/\s*?#@]+")


def _origins(value: str) -> list[str]:
    # Literal origins only: a regex would match by prefix (see STYLE.md). One
    # without a scheme, or with a path or a wildcard, would never match: refuse it.
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                "COMMENTS_ALLOWED_ORIGINS must list origins like https://news.example.com "
                f"(scheme and host, no path or wildcard), not {origin!r}"
            )
    return origins


def _limits(value: str, name: str) -> str:
    # Flask-Limiter parses these only at the first request: a typo would
    # otherwise be a 500 on every request rather than a refusal at start.
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be limits like '5/minute;30/hour', not {value!r}") from None
    return value


def _database_url(value: str) -> str:
    try:
        make_url(value).get_dialect()
    except (ArgumentError, NoSuchModuleError):
        raise ConfigError(
            "COMMENTS_DATABASE_URL must be an SQLAlchemy URL such as "
            f"postgresql+psycopg://user@host/db, not {value!r}"
        ) from None
    return value


def _storage_uri(value: str) -> str:
    scheme = value.partition("://")[0]
    if value and (scheme not in SCHEMES or scheme.startswith("async+")):
        raise ConfigError(
            "COMMENTS_RATELIMIT_STORAGE_URI must be a storage such as "
            f"redis://host:6379/0 or memory://, not {value!r}"
        )
    return value


def _address(value: str, name: str) -> str:
    """An email address, checked as the comment form checks readers' (email-validator)."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ConfigError(
            f"{name} must hold email addresses like desk@news.example, not {value!r}"
        ) from None


def _addresses(value: str, name: str) -> list[str]:
    return [_address(part.strip(), name) for part in value.split(",") if part.strip()]


def _smtp_url(value: str) -> str:
    url = urlsplit(value)
    if url.scheme not in {"smtp", "smtps"} or not url.hostname:
        raise ConfigError(
            "COMMENTS_SMTP_URL must look like smtp://user:pass@host:587 (STARTTLS) "
            "or smtps://user:pass@host:465, not a URL with another scheme or no host"
        )
    return value


def _webhook_urls(value: str) -> list[str]:
    urls = [part.strip() for part in value.split(",") if part.strip()]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
            raise ConfigError(
                f"COMMENTS_WEBHOOK_URLS must list https:// URLs without credentials, not {url!r}"
            )
    return urls


def _webhook_secret(value: str) -> bytes:
    """``whsec_`` and the base64 of the key, as Standard Webhooks write it."""
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        key = b""
    if not value.startswith("whsec_") or len(key) < 16:
        raise ConfigError(
            "COMMENTS_WEBHOOK_SECRET must be whsec_ and the base64 of at least 16 random "
            "bytes; make one with: python3 -c 'import base64, secrets; "
            'print("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())\''
        )
    return key


MAX_RETENTION_DAYS = 36500  # a hundred years: anything longer is "forever", unset


def _retention_days(value: str) -> int | None:
    """COMMENTS_RETENTION_DAYS: how long deleted comments are kept; unset
    (or empty) keeps them forever."""
    if not value.strip():
        return None
    try:
        days = int(value.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ConfigError(
            f"COMMENTS_RETENTION_DAYS must be a whole number of days from 1 to "
            f"{MAX_RETENTION_DAYS}, not {value!r} (unset it to keep deleted comments forever)"
        )
    return days


def _public_url(value: str) -> str | None:
    url = value.strip().rstrip("/")
    if url and not _ORIGIN.fullmatch(url):
        raise ConfigError(
            f"COMMENTS_PUBLIC_URL must be the service's origin, like https://comments.example.com, "
            f"not {value!r}"
        )
    return url or None


def _notify(get: Any) -> dict[str, Any]:
    """Mail, webhooks, metrics (contract 1.1): all off when unset."""
    smtp_url = _smtp_url(get("COMMENTS_SMTP_URL")) if get("COMMENTS_SMTP_URL") else None
    mail_from = get("COMMENTS_MAIL_FROM", "").strip() or None
    if smtp_url and not mail_from:
        raise ConfigError("COMMENTS_SMTP_URL needs COMMENTS_MAIL_FROM, the From address of mails")
    urls = _webhook_urls(get("COMMENTS_WEBHOOK_URLS", ""))
    secret = get("COMMENTS_WEBHOOK_SECRET", "").strip()
    if urls and not secret:
        raise ConfigError("COMMENTS_WEBHOOK_URLS needs COMMENTS_WEBHOOK_SECRET to sign events")
    return {
        "SMTP_URL": smtp_url,
        "MAIL_FROM": _address(mail_from, "COMMENTS_MAIL_FROM") if mail_from else None,
        "ADMIN_EMAILS": _addresses(get("COMMENTS_ADMIN_EMAILS", ""), "COMMENTS_ADMIN_EMAILS"),
        "WEBHOOK_URLS": urls,
        "WEBHOOK_SECRET": _webhook_secret(secret) if secret else None,
        "WEBHOOK_ALLOW_PRIVATE": _flag(
            get("COMMENTS_WEBHOOK_ALLOW_PRIVATE", "false"), "COMMENTS_WEBHOOK_ALLOW_PRIVATE"
        ),
        "METRICS_TOKEN": get("COMMENTS_METRICS_TOKEN", "").strip() or None,
        # Links in mails and feeds; unset: the address of the request that caused them.
        "PUBLIC_URL": _public_url(get("COMMENTS_PUBLIC_URL", "")),
    }


def instance_secret_key(instance_path: str) -> str:
    """Return the key kept in the instance folder, creating it exactly once.

    Several gunicorn workers may start together: O_EXCL makes one of them the
    writer and the others readers of the same key.
    """
    path = Path(instance_path) / "secret_key"
    ensure_instance_folder(instance_path)
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


def _ratelimit_storage(app: Flask, uri: str) -> dict[str, Any]:
    """Where limits are counted. Unset: a file in the instance folder that
    every process on the machine shares (``ratelimit_store``), so N workers
    count as one; ``redis://`` for several instances. While the storage is
    down, limits fall back to that file or to memory (``extensions.Limiter``)
    and every request is still answered."""
    local = "sqlite:///" + os.path.join(app.instance_path, "ratelimits.db")
    return {
        "RATELIMIT_STORAGE_URI": uri or local,
        "RATELIMIT_LOCAL_STORAGE_URI": local,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


log = logging.getLogger(__name__)
MIN_SECRET_KEY_LENGTH = 32


def _secret_key(value: str | None) -> str | None:
    """COMMENTS_SECRET_KEY, when given: long enough not to be guessed offline
    from one form token (and with it the sender hashes reversed)."""
    if value and len(value) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"COMMENTS_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters, "
            f"not {len(value)}: a short key can be guessed from one form token. Make one "
            "with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return value or None


def _sso(get: Any) -> dict[str, Any]:
    """Sign-in through the publisher (contract 1.1): off unless a key is set."""
    secret = get("COMMENTS_SSO_SECRET", "").strip() or None
    if secret and len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"COMMENTS_SSO_SECRET must be at least {MIN_SECRET_KEY_LENGTH} characters, "
            f"not {len(secret)}: a short key can be guessed from one token, and then anyone "
            "can sign in as anyone. Make one with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    required = _flag(get("COMMENTS_SSO_REQUIRED", "false"), "COMMENTS_SSO_REQUIRED")
    if required and not secret:
        raise ConfigError(
            "COMMENTS_SSO_REQUIRED=true needs COMMENTS_SSO_SECRET: nobody could sign in to post"
        )
    return {"SSO_SECRET": secret, "SSO_REQUIRED": required}


def ensure_instance_folder(path: str) -> None:
    """Create the instance folder for its owner only: it holds the database
    (emails, password hashes), the secret key and the limits file. One of ours
    that others may read is tightened; one of another user's, said loudly."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if not status.st_mode & 0o077:
        return
    mode = oct(status.st_mode & 0o777)
    if status.st_uid == os.getuid():
        folder.chmod(0o700)
        log.warning("instance folder %s was open to others (%s); now 0o700", folder, mode)
    else:
        log.warning(
            "instance folder %s is open to others (%s) and not ours to change: "
            "its database holds emails and password hashes; chmod 700 it",
            folder,
            mode,
        )


def _uses_instance_folder(app: Flask) -> bool:
    """Whether a file the service writes (the default SQLite database, the
    limits file) lives in the instance folder."""
    inside = os.path.join(app.instance_path, "")
    names = ("SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI", "RATELIMIT_LOCAL_STORAGE_URI")
    return any(inside in str(app.config.get(name) or "") for name in names)


def load(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config``."""
    get = os.environ.get

    default_database = "sqlite:///" + os.path.join(app.instance_path, "comments.db")
    database_url = _database_url(get("COMMENTS_DATABASE_URL") or default_database)
    origins = get("COMMENTS_ALLOWED_ORIGINS")
    moderation = get("COMMENTS_MODERATION", "post").strip().lower()
    if moderation not in {"post", "pre"}:
        raise ConfigError("COMMENTS_MODERATION must be 'post' or 'pre'")
    min_length = _int(get("COMMENTS_MIN_LENGTH", "50"), "COMMENTS_MIN_LENGTH", 1)
    max_length = _int(get("COMMENTS_MAX_LENGTH", "5000"), "COMMENTS_MAX_LENGTH", 1)
    if max_length < min_length:
        raise ConfigError("COMMENTS_MAX_LENGTH must not be below COMMENTS_MIN_LENGTH")
    secret_key = _secret_key(get("COMMENTS_SECRET_KEY"))
    ratelimit_enabled = _flag(
        get("COMMENTS_RATELIMIT_ENABLED", "true"), "COMMENTS_RATELIMIT_ENABLED"
    )

    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        ALLOWED_ORIGINS=_origins(origins) if origins is not None else None,
        **_ratelimit_storage(app, _storage_uri(get("COMMENTS_RATELIMIT_STORAGE_URI", "").strip())),
        # The Limiter remembers this across apps in one process: always set it.
        RATELIMIT_ENABLED=ratelimit_enabled,
        RATELIMIT_KEY_PREFIX="comments",
        RATELIMIT_STRATEGY="moving-window",
        POST_LIMITS=_limits(
            get("COMMENTS_POST_LIMITS", "5/minute;30/hour;200/day"), "COMMENTS_POST_LIMITS"
        ),
        READ_LIMITS=_limits(get("COMMENTS_READ_LIMITS", "300/minute"), "COMMENTS_READ_LIMITS"),
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
        # Conversations (contract 1.1): author edits, reader reports, likes.
        EDIT_WINDOW=_int(get("COMMENTS_EDIT_WINDOW", "900"), "COMMENTS_EDIT_WINDOW"),
        # Deleted comments are purged this many days after deletion; None: kept.
        RETENTION_DAYS=_retention_days(get("COMMENTS_RETENTION_DAYS", "")),
        REPORTS_TO_HOLD=_int(get("COMMENTS_REPORTS_TO_HOLD", "3"), "COMMENTS_REPORTS_TO_HOLD", 1),
        LIKE_LABEL=_like_label(get("COMMENTS_LIKE_LABEL", "Like")),
        # on: the learning filter holds likely spam; off: it only scores.
        SPAM_FILTER=_flag(get("COMMENTS_SPAM_FILTER", "on"), "COMMENTS_SPAM_FILTER"),
        # Likes and reports: their own limits per client, apart from posting.
        REACTION_LIMITS=_limits(
            get("COMMENTS_REACTION_LIMITS", "30/minute;300/hour"), "COMMENTS_REACTION_LIMITS"
        ),
        **_notify(get),
        **_sso(get),
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
        app.config["SECRET_KEY"] = secret_key or instance_secret_key(app.instance_path)
    if _uses_instance_folder(app):  # also when the key is given (a fresh clone's db upgrade)
        ensure_instance_folder(app.instance_path)
    if app.config["ALLOWED_ORIGINS"] is None:
        app.config["ALLOWED_ORIGINS"] = ["*"] if app.debug else []
