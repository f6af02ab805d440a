"""Which plain-HTTP hosts get the sign-in page's warning: browsers keep a
Secure cookie on this machine however it is written, and nowhere else
(tests/admin/test_admin_signin.py has the warning itself)."""

from __future__ import annotations

import pytest
from flask import Flask

from .test_admin_signin import PLAIN_HTTP


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        pytest.param("localhost.:5000", False, id="localhost-with-the-root-dot"),
        pytest.param("admin.localhost:5000", False, id="a-name-under-localhost"),
        pytest.param("localhost.example", True, id="localhost-as-a-label-elsewhere"),
        pytest.param("[news.example", True, id="a-host-that-does-not-parse"),
    ],
)
def test_which_plain_http_hosts_are_warned(app: Flask, host: str, warned: bool) -> None:
    page = app.test_client().get("/admin/login", headers={"Host": host})

    assert page.status_code == 200
    assert (PLAIN_HTTP in page.get_data(as_text=True)) is warned
