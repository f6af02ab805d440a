"""gunicorn's request-line limit: finite, so a huge request line is refused at once.

Unlimited (``limit_request_line = 0``) let gunicorn parse an 8 MB request line
in quadratic time, holding a worker for about 8 s.
"""

from __future__ import annotations

import runpy
import time
import urllib.request

import pytest

from ..servers import REPO, Gunicorn, raw_http, server_env, split_response

CONF = str(REPO / "gunicorn.conf.py")


def test_an_8_mb_request_line_is_refused_at_once(tmp_path) -> None:
    # No schema needed: the request never reaches the app.
    with Gunicorn(server_env(tmp_path), workers=1) as server:
        query = b"article_id=a&" * (8 * 1024 * 1024 // 13)
        request = b"GET /api/v1/counts?" + query + b" HTTP/1.1\r\nHost: x\r\n\r\n"

        started = time.monotonic()
        status, _, _ = split_response(raw_http(server.port, request))
        elapsed = time.monotonic() - started

        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as after:
            assert after.status == 200  # the worker was not tied up

    assert status in (400, 414)
    assert elapsed < 1.0, f"{elapsed:.2f} s to refuse an 8 MB request line"


def test_the_request_line_limit_is_gunicorns_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_LIMIT_REQUEST_LINE", raising=False)
    assert runpy.run_path(CONF)["limit_request_line"] == 8190

    monkeypatch.setenv("GUNICORN_LIMIT_REQUEST_LINE", "4094")
    assert runpy.run_path(CONF)["limit_request_line"] == 4094


@pytest.mark.parametrize("value", ["0", "-1", "8191", "1048576"])
def test_unlimited_or_out_of_range_request_lines_are_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("GUNICORN_LIMIT_REQUEST_LINE", value)
    with pytest.raises(ValueError, match="GUNICORN_LIMIT_REQUEST_LINE must be from 1 to 8190"):
        runpy.run_path(CONF)
