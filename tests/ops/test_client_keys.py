"""What the operator sees of clients: the keys in the limits file, and what
``ban --address`` says and does (the client rules themselves are in
tests/ops/test_clients.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ..conftest import LONG_BODY, comments_url, make_app, post_comment

READER = "198.51.100.23"
EXAMPLES = "(such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/48)."


def limit_keys(tmp_path: Path, secret: str) -> set[str]:
    """The keys one listing read from READER leaves in the limits file of an
    app with this SECRET_KEY."""
    folder = tmp_path / secret
    folder.mkdir()
    limits = folder / "ratelimits.db"
    app = make_app(
        folder,
        SECRET_KEY=secret,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{limits}",
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = READER
    assert client.get(comments_url("a1")).status_code == 200
    with sqlite3.connect(limits) as connection:
        return {key for (key,) in connection.execute("SELECT key FROM hits")}


def test_the_limits_file_keys_clients_by_a_hash_that_needs_the_secret_key(
    tmp_path: Path,
) -> None:
    """Without SECRET_KEY nobody holding the file can hash the 2**32 IPv4
    addresses and find whose counts these are."""
    one = limit_keys(tmp_path, "first-secret-key")
    other = limit_keys(tmp_path, "second-secret-key")

    assert one and other
    assert not any(READER in key for key in one | other)
    assert one.isdisjoint(other)


def ban(runner, *args: str):
    return runner.invoke(args=["ban", *args])


def test_a_refused_address_is_explained_with_examples(app: Flask, runner) -> None:
    result = ban(runner, "--address", "192.0.2.0/33")

    assert result.exit_code == 1
    assert f"'192.0.2.0/33' is neither an IP address nor a CIDR range {EXAMPLES}" in result.output


def test_a_long_refused_address_is_quoted_cut_to_60_characters(app: Flask, runner) -> None:
    junk = "0123456789" * 20

    result = ban(runner, "--address", junk)

    assert result.exit_code == 1
    assert f"Error: {junk[:60]!r} is neither an IP address" in result.output


def test_two_network_bans_are_two_bans(app: Flask, runner, client: FlaskClient) -> None:
    assert ban(runner, "--address", "198.51.100.0/24", "--forever").exit_code == 0
    assert ban(runner, "--address", "203.0.113.0/24", "--forever").exit_code == 0

    statuses = []
    for address in ("198.51.100.9", "203.0.113.9", "192.0.2.9"):
        client.environ_base["REMOTE_ADDR"] = address
        statuses.append(post_comment(client, "a1", body=f"{LONG_BODY} {address}").status_code)

    assert statuses == [403, 403, 201]
    shown = runner.invoke(args=["rules", "show"]).output
    assert "198.51.100.0/24" in shown and "203.0.113.0/24" in shown


def test_lifting_one_network_ban_leaves_the_other(app: Flask, runner, client: FlaskClient) -> None:
    ban(runner, "--address", "198.51.100.0/24", "--forever")
    ban(runner, "--address", "203.0.113.0/24", "--forever")

    lifted = runner.invoke(args=["unban", "198.51.100.0/24"])

    assert lifted.output.strip() == "Lifted the ban on 198.51.100.0/24."
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert post_comment(client, "a1").status_code == 201
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert post_comment(client, "a1", body=f"{LONG_BODY} again").status_code == 403
