"""The demo pages as a publisher would serve them: the snippet, the headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from widget.extensions import db

from ..conftest import make_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    """The demo pages never touch the database: one backend is enough."""
    app = make_app(tmp_path)
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "path", ["/demo", "/demo/", "/demo/list", "/demo/articles/demo-rail-timetable"]
)
def test_demo_pages_send_a_publisher_grade_policy(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_article_page_embeds_the_box_exactly_as_a_publisher_would(client: FlaskClient) -> None:
    page = client.get("/demo").get_data(as_text=True)

    assert (
        '<script src="/static/js/widget.js" data-article-id="demo-article" async></script>' in page
    )
    assert "<style" not in page and " style=" not in page  # nothing the CSP would block


@pytest.mark.parametrize(("asked", "given"), [("dark", "dark"), ("auto", "auto"), ("<b>", None)])
def test_the_article_page_offers_the_themes(
    client: FlaskClient, asked: str, given: str | None
) -> None:
    page = client.get("/demo", query_string={"theme": asked}).get_data(as_text=True)

    if given:
        assert f'data-theme="{given}"' in page
    else:
        assert "data-theme" not in page
        assert "<b>" not in page


def test_the_listing_page_counts_every_article_with_count_js(client: FlaskClient) -> None:
    page = client.get("/demo/list").get_data(as_text=True)

    assert '<script src="/static/js/count.js" async></script>' in page
    for article_id in ("demo-article", "demo-rail-timetable", "demo-library-hours"):
        assert f'data-comment-count="{article_id}"' in page


def test_an_unknown_demo_article_is_404(client: FlaskClient) -> None:
    assert client.get("/demo/articles/nope").status_code == 404
