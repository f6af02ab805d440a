"""Where webhooks may go and how long a receiver may take, and the settings
for mail and webhooks that stop the service at start rather than fail later."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from widget import create_app
from widget.config import ConfigError
from widget.notify import webhooks
from widget.notify.mail import DeliveryError

from .conftest import WEBHOOK_SECRET, Receiver


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
        "::",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address: str) -> None:
    assert not webhooks.allowed_address(address, allow_private=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert webhooks.allowed_address(address, allow_private=False)


def test_a_receiver_that_never_answers_is_cut_off_after_ten_seconds(receiver: Receiver) -> None:
    receiver.hang = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeliveryError):
        webhooks.deliver(receiver.url, b"k" * 32, "msg_1", int(time.time()), b"{}", True)
    assert 9 <= time.monotonic() - started < 15


def test_a_redirect_is_a_failure_not_followed(receiver: Receiver) -> None:
    receiver.answers = [307]
    with pytest.raises(DeliveryError, match="answered 307"):
        webhooks.deliver(receiver.url, b"k" * 32, "msg_1", int(time.time()), b"{}", True)


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {
                "COMMENTS_WEBHOOK_URLS": "http://hooks.example/x",
                "COMMENTS_WEBHOOK_SECRET": WEBHOOK_SECRET,
            },
            "https://",
        ),
        (
            {
                "COMMENTS_WEBHOOK_URLS": "https://user:pw@hooks.example/x",
                "COMMENTS_WEBHOOK_SECRET": WEBHOOK_SECRET,
            },
            "without credentials",
        ),
        ({"COMMENTS_WEBHOOK_URLS": "https://hooks.example/x"}, "needs COMMENTS_WEBHOOK_SECRET"),
        (
            {
                "COMMENTS_WEBHOOK_URLS": "https://hooks.example/x",
                "COMMENTS_WEBHOOK_SECRET": "secret",
            },
            "whsec_",
        ),
        (
            {
                "COMMENTS_WEBHOOK_URLS": "https://hooks.example/x",
                "COMMENTS_WEBHOOK_SECRET": "whsec_c2hvcnQ=",
            },
            "at least 16",
        ),
        ({"COMMENTS_WEBHOOK_ALLOW_PRIVATE": "maybe"}, "true or false"),
        ({"COMMENTS_SMTP_URL": "http://mail.example"}, "smtp://"),
        ({"COMMENTS_SMTP_URL": "smtp://mail.example:587"}, "COMMENTS_MAIL_FROM"),
        (
            {"COMMENTS_SMTP_URL": "smtp://mail.example:587", "COMMENTS_MAIL_FROM": "desk at news"},
            "COMMENTS_MAIL_FROM must hold email addresses",
        ),
        ({"COMMENTS_ADMIN_EMAILS": "desk@news.example, not an address"}, "email addresses"),
        ({"COMMENTS_PUBLIC_URL": "comments.example.com"}, "origin"),
    ],
)
def test_unusable_settings_stop_the_service_with_words(
    settings: dict[str, str], words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMMENTS_DATABASE_URL", f"sqlite:///{tmp_path}/c.db")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=words.replace("/", r"\/")):
        create_app({"SECRET_KEY": "x" * 40})
