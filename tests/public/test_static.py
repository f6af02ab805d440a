"""The box's script is cached by browsers and CDNs, and revalidated by ETag."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_widget_js_is_cached_a_day_and_revalidated_by_etag(client: FlaskClient) -> None:
    response = client.get("/static/js/widget.js")

    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    response.close()

    again = client.get("/static/js/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()
