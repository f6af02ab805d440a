"""Webhooks: events signed as Standard Webhooks do, POSTed to the operator's URLs.

The receiver's name is resolved once, every address it resolves to is
checked, and the connection goes to the address that was checked (with TLS
still verifying the name): a name that resolves to a private address, or
re-resolves to one between check and connect, never gets a request unless
``COMMENTS_WEBHOOK_ALLOW_PRIVATE`` says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from ..privacy import parse_address
from .mail import DeliveryError

TIMEOUT = 10  # seconds: connect, and each read
USER_AGENT = "comment-widget-webhooks/1"


def signature(secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def event_body(event_type: str, timestamp: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"type": event_type, "timestamp": timestamp, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def allowed_address(address: str, allow_private: bool) -> bool:
    ip = parse_address(address)
    if ip is None:
        return False
    if allow_private:
        return not (ip.is_unspecified or ip.is_multicast)
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, allow_private: bool) -> str:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise DeliveryError(f"cannot resolve {host}: {error}") from None
    addresses = [info[4][0] for info in found]
    refused = [a for a in addresses if not allowed_address(a, allow_private)]
    if refused or not addresses:
        raise DeliveryError(
            f"{host} resolves to {', '.join(refused) or 'nothing'}: a private, loopback or "
            "link-local address (COMMENTS_WEBHOOK_ALLOW_PRIVATE=true allows it)"
        )
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; TLS still verifies the URL's host name."""

    def __init__(self, host: str, port: int, address: str, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)  # type: ignore[attr-defined]


def deliver(
    url: str, secret: bytes, message_id: str, timestamp: int, body: bytes, allow_private: bool
) -> None:
    """POST one event; raises ``DeliveryError`` unless the receiver answers 2xx."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    address = _resolve(host, port, allow_private)
    connection = _PinnedHTTPSConnection(
        host, port, address, timeout=TIMEOUT, context=ssl.create_default_context()
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryError(f"{host}: {type(error).__name__}: {error}") from None
    finally:
        connection.close()
    if not 200 <= status < 300:
        # 410 Gone: the receiver says the endpoint is no more.
        raise DeliveryError(f"{host} answered {status}", permanent=status == 410)
