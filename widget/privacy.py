"""Who a client is, and keyed hashes of clients: enough to tell senders apart,
never the address itself. Each purpose has its own key, so a hash in the
request log cannot be matched to a sender hash stored with comments.

A client is its IPv4 address, or its IPv6 /64: one subscriber line or host
is handed a whole /64 and can rotate through it at will, so limits, sender
hashes, bans and the first-comment rule all key on the /64.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from typing import NamedTuple

from flask import current_app

# Every address that cannot be parsed is this one client (limited together).
UNKNOWN_CLIENT = "unknown"
IPV6_CLIENT_PREFIX = 64
_MAPPED_IPV4 = ipaddress.IPv6Network("::ffff:0:0/96")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def keyed_hash(secret_key: str, purpose: str, value: str, length: int) -> str:
    key = hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]


def parse_address(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in ``address`` (an IPv4-mapped IPv6 one as the IPv4 it
    carries, so ``::ffff:127.0.0.1`` is loopback), or None when it is none."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback(host: str | None) -> bool:
    """This machine: ``localhost``, 127.0.0.0/8 or ``::1`` (mapped ones too)."""
    ip = parse_address(host)
    return host == "localhost" or (ip is not None and ip.is_loopback)


@functools.lru_cache(maxsize=4096)  # the same few clients make most requests
def client_key(address: str | None) -> str:
    """``203.0.113.7`` for IPv4 (and IPv4-mapped IPv6), ``2001:db8:1:2::/64``
    for IPv6, ``unknown`` for anything that is not an address."""
    ip = parse_address(address)
    if ip is None:
        return UNKNOWN_CLIENT
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    # int() drops any %zone; the host bits go too.
    prefix = int(ip) >> (128 - IPV6_CLIENT_PREFIX) << (128 - IPV6_CLIENT_PREFIX)
    return str(ipaddress.IPv6Network((prefix, IPV6_CLIENT_PREFIX)))


def client_network(client: str) -> Network | None:
    """The addresses a client key stands for (None for the unknown client)."""
    try:
        return ipaddress.ip_network(client)
    except ValueError:
        return None


def sender_hash(client: str) -> str:
    """The sender hash stored on comments and used by bans: stable per client
    (a ``client_key``), so every address of one IPv6 /64 has the same one."""
    return keyed_hash(current_app.config["SECRET_KEY"], "sender-hash", client, 32)


def limit_key(client: str, secret_key: str | None = None) -> str:
    """What rate limits count under: the client, keyed, so neither Redis nor
    the local limits file holds an address. ``secret_key``: the app's, for a
    caller outside a request (the listing's WSGI layer)."""
    return keyed_hash(secret_key or current_app.config["SECRET_KEY"], "rate-limit", client, 24)


class BanTarget(NamedTuple):
    """What ``ban --address`` bans: one client (by sender hash) or a network."""

    sender_hash: str
    network: str | None  # None: one client


def ban_target(text: str) -> BanTarget:
    """Parse an address or a CIDR range; ValueError for anything else.

    A range within one client (IPv4 /32, IPv6 /64 or narrower) is that
    client; a wider one is a network, stored as such and checked at post time.
    """
    text = text.strip()
    try:
        network: Network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text[:60]!r} is neither an IP address nor a CIDR range "
            "(such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/48)."
        ) from None
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(_MAPPED_IPV4):
        # ::ffff:203.0.113.0/120 is 203.0.113.0/24: mapped clients are IPv4 clients.
        low = int(network.network_address) & 0xFFFF_FFFF
        network = ipaddress.IPv4Network((low, network.prefixlen - 96))
    one_client = 32 if network.version == 4 else IPV6_CLIENT_PREFIX
    if network.prefixlen >= one_client:
        client = client_key(str(network.network_address))
        return BanTarget(sender_hash(client), None)
    return BanTarget(sender_hash(str(network)), str(network))
