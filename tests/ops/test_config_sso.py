"""COMMENTS_SSO_SECRET and COMMENTS_SSO_REQUIRED: off when unset, and a key
too short to resist guessing (or a requirement nobody could meet) stops the
service at start with a message naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from widget import create_app
from widget.config import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COMMENTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COMMENTS_DATABASE_URL", f"sqlite:///{tmp_path}/comments.db")


def start() -> dict[str, object]:
    app = create_app({"SECRET_KEY": "k" * 40, "TESTING": True})
    return {"secret": app.config["SSO_SECRET"], "required": app.config["SSO_REQUIRED"]}


def test_unset_means_no_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    assert start() == {"secret": None, "required": False}


def test_a_key_of_32_characters_turns_sign_in_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTS_SSO_SECRET", "s" * 32)
    monkeypatch.setenv("COMMENTS_SSO_REQUIRED", "true")

    assert start() == {"secret": "s" * 32, "required": True}


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"COMMENTS_SSO_SECRET": "s" * 31}, "at least 32 characters"),
        ({"COMMENTS_SSO_REQUIRED": "true"}, "needs COMMENTS_SSO_SECRET"),
        ({"COMMENTS_SSO_SECRET": "s" * 40, "COMMENTS_SSO_REQUIRED": "maybe"}, "true or false"),
    ],
)
def test_a_bad_setting_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], words: str
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=words) as refused:
        start()

    assert "COMMENTS_SSO_" in str(refused.value)
