"""Keyed hashes of client addresses: enough to tell senders apart, never the
address itself. Each purpose has its own key, so a hash in the request log
cannot be matched to a sender hash stored with comments."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def keyed_hash(secret_key: str, purpose: str, value: str, length: int) -> str:
    key = hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]


def sender_hash(address: str) -> str:
    """The sender hash stored on comments and used by bans: stable per address."""
    return keyed_hash(current_app.config["SECRET_KEY"], "sender-hash", address, 32)
