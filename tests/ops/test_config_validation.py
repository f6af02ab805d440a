"""A careless operator's settings stop the service at start, with a message
that names the variable, instead of a 500 on every request later."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from widget import create_app
from widget.config import ConfigError
from widget.notify import worker

# (variable, a bad value). Every COMMENTS_* setting the README documents.
BAD_VALUES = [
    ("COMMENTS_MODERATION", "sometimes"),
    ("COMMENTS_MODERATION", ""),
    ("COMMENTS_MIN_LENGTH", "fifty"),
    ("COMMENTS_MIN_LENGTH", "0"),
    ("COMMENTS_MIN_LENGTH", "1e3"),
    ("COMMENTS_MAX_LENGTH", "-1"),
    ("COMMENTS_MAX_LENGTH", "5,000"),
    ("COMMENTS_RATELIMIT_ENABLED", "maybe"),
    ("COMMENTS_RATELIMIT_ENABLED", ""),
    ("COMMENTS_TRUSTED_PROXIES", "-1"),
    ("COMMENTS_TRUSTED_PROXIES", "one"),
    ("COMMENTS_MIN_FILL_SECONDS", "3s"),
    ("COMMENTS_MIN_FILL_SECONDS", "-3"),
    ("COMMENTS_DUPLICATE_WINDOW", "a day"),
    ("COMMENTS_DUPLICATE_WINDOW", "-1"),
    ("COMMENTS_POST_LIMITS", "lots"),
    ("COMMENTS_POST_LIMITS", "5/minute;30 per fortnight"),
    ("COMMENTS_READ_LIMITS", "300/minute;"),
    ("COMMENTS_READ_LIMITS", "many/minute"),
    ("COMMENTS_RATELIMIT_STORAGE_URI", "nosuch://localhost"),
    ("COMMENTS_DATABASE_URL", "comments.db"),
    ("COMMENTS_DATABASE_URL", "nosuchdb://x/y"),
    # No scheme, a path, or a pattern: none of these ever equals a browser's Origin.
    ("COMMENTS_ALLOWED_ORIGINS", "news.example.com"),
    ("COMMENTS_ALLOWED_ORIGINS", "https://news.example.com/world"),
    ("COMMENTS_ALLOWED_ORIGINS", "https://*.example.com"),
    ("COMMENTS_ALLOWED_ORIGINS", "https://news.example.com,ftp://files.example.com"),
    # Days to keep deleted comments: 1 to 36500, or unset for ever.
    ("COMMENTS_RETENTION_DAYS", "0"),
    ("COMMENTS_RETENTION_DAYS", "-30"),
    ("COMMENTS_RETENTION_DAYS", "36501"),
    ("COMMENTS_RETENTION_DAYS", "30d"),
    ("COMMENTS_RETENTION_DAYS", "1.5"),
    ("COMMENTS_RETENTION_DAYS", "forever"),
]


def _start() -> None:
    create_app({"SECRET_KEY": "k" * 40, "TESTING": True})


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the variable under test is set; the database is a temp file."""
    for name in list(os.environ):
        if name.startswith("COMMENTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COMMENTS_DATABASE_URL", f"sqlite:///{tmp_path}/comments.db")


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_stops_the_service_with_a_message_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as raised:
        _start()

    assert str(raised.value).startswith(f"{name} must")


def test_a_maximum_below_the_minimum_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTS_MIN_LENGTH", "100")
    monkeypatch.setenv("COMMENTS_MAX_LENGTH", "99")

    with pytest.raises(ConfigError, match="COMMENTS_MAX_LENGTH must not be below"):
        create_app({"SECRET_KEY": "k" * 40})


@pytest.mark.parametrize(
    ("name", "value", "key", "expected"),
    [
        ("COMMENTS_MODERATION", " PRE ", "MODERATION", "pre"),
        ("COMMENTS_RATELIMIT_ENABLED", "off", "RATELIMIT_ENABLED", False),
        ("COMMENTS_RATELIMIT_ENABLED", "Yes", "RATELIMIT_ENABLED", True),
        ("COMMENTS_MIN_LENGTH", "1", "MIN_LENGTH", 1),
        ("COMMENTS_MIN_FILL_SECONDS", "0", "MIN_FILL_SECONDS", 0),
        ("COMMENTS_DUPLICATE_WINDOW", "0", "DUPLICATE_WINDOW", 0),
        ("COMMENTS_POST_LIMITS", "5/minute; 30 per hour", "POST_LIMITS", "5/minute; 30 per hour"),
        ("COMMENTS_READ_LIMITS", "300/minute", "READ_LIMITS", "300/minute"),
        ("COMMENTS_RETENTION_DAYS", " 30 ", "RETENTION_DAYS", 30),
        ("COMMENTS_RETENTION_DAYS", "36500", "RETENTION_DAYS", 36500),
        ("COMMENTS_RETENTION_DAYS", "", "RETENTION_DAYS", None),
        (
            "COMMENTS_ALLOWED_ORIGINS",
            " https://news.example.com/ , http://localhost:8080,*",
            "ALLOWED_ORIGINS",
            ["https://news.example.com", "http://localhost:8080", "*"],
        ),
    ],
)
def test_good_values_are_taken_as_documented(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, key: str, expected: object
) -> None:
    monkeypatch.setenv(name, value)

    assert create_app({"SECRET_KEY": "k" * 40}).config[key] == expected


def test_deleted_comments_are_kept_forever_unless_the_retention_is_set() -> None:
    app = create_app({"SECRET_KEY": "k" * 40})
    assert app.config["RETENTION_DAYS"] is None
    assert worker.chores(app) == []  # no daily purge either
