"""Every response under /api/ is JSON with the contract's error shape."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.public import api

from ..conftest import comments_url, make_app, post_comment


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("GET", "/api/v2/articles/a/comments", 404, "not_found"),
        ("GET", "/api/v1/articles/a/comments/extra", 404, "not_found"),
        ("DELETE", "/api/v1/articles/a/comments", 405, "method_not_allowed"),
        ("PUT", "/api/v1/articles/a/comments", 405, "method_not_allowed"),
        ("POST", "/api/v1/counts", 405, "method_not_allowed"),
    ],
)
def test_not_found_and_wrong_methods_are_json(
    client: FlaskClient, method: str, path: str, status: int, code: str
) -> None:
    response = client.open(path, method=method)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["error"] == code
    assert isinstance(response.get_json()["message"], str)


def test_an_unexpected_exception_is_a_500_json_without_internals(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object) -> str:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api, "sender_hash", explode)

    response = post_comment(client, "a1")

    assert response.status_code == 500
    assert response.get_json()["error"] == "internal_error"
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text  # logged for the operator


def test_api_responses_never_set_cookies_and_say_nosniff(client: FlaskClient) -> None:
    responses = [
        client.get(comments_url("a1")),
        post_comment(client, "a1"),
        client.post(comments_url("a1"), data="x", content_type="text/plain"),
        client.get("/api/v1/counts?article_id=a1"),
        client.get("/api/v1/missing"),
    ]
    for response in responses:
        assert "Set-Cookie" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_health_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_is_503_when_the_database_does_not_answer(tmp_path) -> None:
    from widget import create_app

    missing = tmp_path / "no-such-folder" / "comments.db"  # SQLite cannot open it
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["error"] == "database_unavailable"


def test_config_refuses_a_moderation_mode_it_does_not_know(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from widget.config import ConfigError

    monkeypatch.setenv("COMMENTS_MODERATION", "sometimes")
    with pytest.raises(ConfigError, match="COMMENTS_MODERATION"):
        make_app(tmp_path)


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from widget.config import instance_secret_key

    first = instance_secret_key(str(tmp_path))
    second = instance_secret_key(str(tmp_path))

    assert first == second
    assert len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_environment_secret_key_wins(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COMMENTS_SECRET_KEY", "from-the-environment-32-characters")
    app = make_app(tmp_path, SECRET_KEY=None)
    assert app.config["SECRET_KEY"] == "from-the-environment-32-characters"


def test_allowed_origins_default_to_none_outside_debug(app: Flask) -> None:
    assert app.config["ALLOWED_ORIGINS"] == []
