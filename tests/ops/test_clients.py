"""Who a client is: an IPv4 address, or an IPv6 /64, for limits, sender
hashes, bans and the first-comment rule alike (issue 9, item 2).

Every post here rotates its address inside one /64 (or writes one IPv4
address in its mapped IPv6 form), the way a client that owns a /64 can.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from widget.extensions import db
from widget.models import Comment
from widget.privacy import ban_target, client_key

from ..admin_support import cheap_hashing, create_admin, signed_in, submit  # noqa: F401
from ..conftest import LONG_BODY, comments_url, make_app, post_comment

pytestmark = pytest.mark.usefixtures("backend")

NET = "2001:db8:1:2"  # one client's /64
START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_from(client: FlaskClient, address: str, article: str = "a1", **fields):
    fields.setdefault("body", f"{LONG_BODY} from {address}")
    return post_comment(from_address(client, address), article, **fields)


def published_count(client: FlaskClient, article: str = "a1") -> int:
    return client.get(comments_url(article)).get_json()["total"]


# --- the client key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("192.0.2.7", "192.0.2.7"),
        (" 192.0.2.7 ", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:0db8:0001:0002:0000:0000:0000:0009", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("", "unknown"),
        (None, "unknown"),
        ("not an address", "unknown"),
        ("192.0.2.300", "unknown"),
        ("2001:db8::/64", "unknown"),
    ],
)
def test_a_client_is_an_ipv4_address_or_an_ipv6_slash_64(address, client) -> None:
    assert client_key(address) == client


# --- limits ----------------------------------------------------------------------------------


def test_rotating_within_a_slash_64_meets_the_posting_limit(tmp_path, frozen) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, POST_LIMITS="5/minute")
    client = app.test_client()

    statuses = [post_from(client, f"{NET}::{i:x}").status_code for i in range(1, 8)]
    other_slash_64 = post_from(client, "2001:db8:1:3::1").status_code

    assert statuses == [201] * 5 + [429] * 2
    assert other_slash_64 == 201
    assert published_count(client) == 6


def test_an_ipv4_mapped_address_is_the_same_ipv4_client(tmp_path, frozen) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, POST_LIMITS="2/minute")
    client = app.test_client()

    first = post_from(client, "192.0.2.7").status_code
    mapped = post_from(client, "::ffff:192.0.2.7").status_code
    again = post_from(client, "::ffff:c000:207").status_code  # the same, in hex
    neighbour = post_from(client, "192.0.2.8").status_code

    assert (first, mapped, again, neighbour) == (201, 201, 429, 201)


def test_the_admin_sign_in_limit_counts_a_slash_64_as_one(tmp_path, frozen) -> None:
    app = make_app(tmp_path, RATELIMIT_ENABLED=True)
    create_admin(app)
    client = app.test_client()

    statuses = []
    for i in range(1, 8):
        from_address(client, f"{NET}::{i:x}")
        # Another name every time: only the per-address limit can refuse.
        wrong = {"name": f"guess{i}", "password": "not the password at all"}
        statuses.append(submit(client, "/admin/login", "/admin/login", wrong).status_code)
    from_address(client, "2001:db8:1:3::1")
    other = submit(client, "/admin/login", "/admin/login", {"name": "x", "password": "y" * 12})

    assert statuses == [200] * 5 + [429] * 2
    assert other.status_code == 200


# --- sender hashes: bans and the first-comment rule ------------------------------------------


def test_a_banned_address_bans_its_whole_slash_64(app: Flask, runner) -> None:
    client = app.test_client()
    result = runner.invoke(args=["ban", "--address", f"{NET}::1"])
    assert result.exit_code == 0, result.output

    neighbour = post_from(client, f"{NET}::2")
    far_in_the_range = post_from(client, f"{NET}:ffff:ffff:ffff:fffe")
    next_slash_64 = post_from(client, "2001:db8:1:3::1")

    assert neighbour.status_code == 403
    assert neighbour.get_json()["error"] == "sender_banned"
    assert far_in_the_range.status_code == 403
    assert next_slash_64.status_code == 201


def test_banning_a_mapped_address_bans_the_ipv4_client(app: Flask, runner) -> None:
    client = app.test_client()
    runner.invoke(args=["ban", "--address", "::ffff:192.0.2.7"])

    assert post_from(client, "192.0.2.7").status_code == 403
    assert post_from(client, "192.0.2.8").status_code == 201


def test_the_first_comment_rule_sees_one_sender_per_slash_64(app: Flask, runner) -> None:
    client = app.test_client()
    runner.invoke(args=["rules", "hold-first", "on"])
    first = post_from(client, f"{NET}::1")
    assert first.status_code == 202
    runner.invoke(args=["comments", "approve", "--id", str(first.get_json()["id"])])

    neighbour = post_from(client, f"{NET}::2")
    stranger = post_from(client, "2001:db8:1:3::1")

    assert neighbour.status_code == 201  # the same sender, known by now
    assert stranger.status_code == 202
    with app.app_context():
        senders = db.session.scalars(db.select(Comment.sender_hash).order_by(Comment.id)).all()
    assert senders[0] == senders[1] != senders[2]


# --- network bans ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("banned", "refused", "accepted"),
    [
        ("198.51.100.0/24", ["198.51.100.1", "198.51.100.254"], ["198.51.101.1", "198.51.99.255"]),
        ("198.51.100.77/24", ["198.51.100.3"], ["198.51.101.3"]),  # host bits are ignored
        ("2001:db8:1::/48", ["2001:db8:1:2::1", "2001:db8:1:ffff::9"], ["2001:db8:2::1"]),
        ("::ffff:198.51.100.0/120", ["198.51.100.9", "::ffff:198.51.100.10"], ["198.51.101.9"]),
    ],
)
def test_a_wider_range_is_a_network_ban(app: Flask, runner, banned, refused, accepted) -> None:
    client = app.test_client()

    result = runner.invoke(args=["ban", "--address", banned, "--forever"])

    assert result.exit_code == 0, result.output
    assert "Banned network" in result.output
    for address in refused:
        assert post_from(client, address).status_code == 403, address
    for address in accepted:
        assert post_from(client, address).status_code == 201, address

    lifted = runner.invoke(args=["unban", banned])
    assert "Lifted the ban" in lifted.output
    assert post_from(client, refused[0], body=f"{LONG_BODY} after").status_code == 201


def test_a_network_ban_expires(app: Flask, runner) -> None:
    client = app.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        runner.invoke(args=["ban", "--address", "198.51.100.0/24", "--days", "1"])
        assert post_from(client, "198.51.100.1").status_code == 403
        traveller.shift(86400 + 1)
        assert post_from(client, "198.51.100.1").status_code == 201


def test_a_network_ban_is_shown_by_its_range_and_cannot_mark_spam(app: Flask, runner) -> None:
    runner.invoke(args=["ban", "--address", "2001:db8:1::/48", "--note", "a wave"])
    refused = runner.invoke(args=["ban", "--address", "198.51.100.0/24", "--spam"])

    shown = runner.invoke(args=["rules", "show"]).output

    assert "banned: 2001:db8:1::/48 until" in shown
    assert "198.51.100.0/24" not in shown
    assert refused.exit_code == 1
    assert "not by network" in refused.output


@pytest.mark.parametrize(
    "junk",
    ["not-an-ip", "192.0.2.300", "192.0.2.0/33", "2001:db8::/129", "2001:db8::g", "", "1.2.3.4 5"],
)
def test_ban_refuses_what_is_not_an_address_or_range(app: Flask, runner, junk: str) -> None:
    result = runner.invoke(args=["ban", "--address", junk])

    assert result.exit_code == 1, result.output
    assert "neither an IP address nor a CIDR range" in result.output
    assert "Traceback" not in result.output
    assert "banned:" not in runner.invoke(args=["rules", "show"]).output


def test_ban_target_keeps_single_clients_as_sender_hashes(app: Flask) -> None:
    with app.test_request_context():
        one = ban_target(f"{NET}::1")
        narrower = ban_target(f"{NET}::/80")
        whole = ban_target(f"{NET}::/64")
        host = ban_target("192.0.2.7/32")
        mapped = ban_target("::ffff:192.0.2.7")
        wider = ban_target(f"{NET}::/63")

    assert one.network is None and one == narrower == whole
    assert host.network is None and host == mapped
    assert wider.network == "2001:db8:1:2::/63"


def test_the_admin_rules_page_names_a_banned_network(app: Flask, runner) -> None:
    runner.invoke(args=["ban", "--address", "198.51.100.0/24", "--note", "a wave"])
    admin = signed_in(app)

    page = admin.get("/admin/rules").get_data(as_text=True)

    assert "198.51.100.0/24" in page
    assert "a wave" in page
