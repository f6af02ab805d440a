"""One structured line per request (widget/ops/logs.py), with nothing private in it."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from ..conftest import comments_url, post_comment

READER_ADDRESS = "203.0.113.77"


def test_each_request_is_one_json_line_with_status_time_and_article(
    app: Flask, lines: list[str]
) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = READER_ADDRESS
    post_comment(client, "nk-missile-2025", email="priya@example.com")
    lines.clear()

    client.get(comments_url("nk-missile-2025") + "?limit=5")

    (line,) = lines
    record = json.loads(line)
    assert record["event"] == "request"
    assert record["method"] == "GET"
    assert record["path"] == "/api/v1/articles/nk-missile-2025/comments"
    assert record["status"] == 200
    assert record["article_id"] == "nk-missile-2025"
    assert isinstance(record["ms"], float) and record["ms"] >= 0
    assert record["ts"].endswith("Z")
    assert len(record["client"]) == 12  # a keyed hash, not the address


def test_no_address_email_or_query_string_is_ever_written(app: Flask, lines: list[str]) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = READER_ADDRESS
    post_comment(client, "a1", email="priya@example.com")
    client.get("/api/v1/articles/a1/comments?cursor=secret-looking-cursor")
    client.get("/api/v1/counts?article_id=a1&article_id=a2")
    client.get("/nothing/priya@example.com/here")

    text = "\n".join(lines)
    assert len(lines) == 5  # the post, the listing it fetched a token from, and 3 more
    assert READER_ADDRESS not in text
    assert "priya@example.com" not in text
    assert "secret-looking-cursor" not in text
    records = [json.loads(line) for line in lines]
    assert [r["status"] for r in records] == [200, 201, 400, 200, 404]
    assert records[3]["articles"] == 2
    assert records[4]["path"] == "/nothing/[email]/here"


def test_the_same_client_gets_the_same_hash_and_another_client_another(
    app: Flask, lines: list[str]
) -> None:
    for address in ("203.0.113.1", "203.0.113.1", "203.0.113.2"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        client.get("/healthz")

    first, same, other = (json.loads(line)["client"] for line in lines)
    assert first == same != other


def test_by_default_the_line_goes_to_stdout(app: Flask, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = READER_ADDRESS

    client.get(comments_url("a1"))

    out = capsys.readouterr().out
    (line,) = out.splitlines()
    record = json.loads(line)
    assert (record["status"], record["article_id"], record["method"]) == (200, "a1", "GET")
    assert READER_ADDRESS not in out
