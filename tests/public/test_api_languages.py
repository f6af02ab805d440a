"""The API answers in the reader's language (contract 1.1, "The box"): the
``message`` and ``fields`` texts follow ``Accept-Language``; the ``error``
codes a program reads never change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import assert_refused, comments_url, make_app, post_comment
from widget import errors

pytestmark = pytest.mark.usefixtures("backend")

# A post that needs attention in two fields: no name, a five-character comment.
INCOMPLETE = {"author": "", "body": "Short"}

EXPECTED_422 = {
    "de": (
        "Einige Felder müssen korrigiert werden.",
        "Bitte geben Sie Ihren Namen ein.",
        "Ihr Kommentar braucht mindestens 50 Zeichen (er hat 5).",
    ),
    "ja": (
        "入力内容をご確認ください。",
        "お名前を入力してください。",
        "コメントは 50 文字以上必要です（現在 5 文字）。",  # noqa: RUF001
    ),
    "ar": (
        "بعض الحقول تحتاج إلى مراجعة.",
        "يُرجى إدخال اسمك.",
        "يجب أن يحتوي تعليقك على 50 حرف على الأقل (وفيه 5).",
    ),
    "ko": (
        "일부 항목을 확인해 주세요.",
        "이름을 입력하세요.",
        "댓글은 50자 이상이어야 합니다(현재 5자).",
    ),
    "en": (
        "Some fields need attention.",
        "Please enter your name.",
        "Your comment needs at least 50 characters (it has 5).",
    ),
}


def _refused_post(client: FlaskClient, accept_language: str | None) -> dict[str, Any]:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = post_comment(client, "a1", headers=headers, **INCOMPLETE)
    return assert_refused(response, 422, "validation_failed")


@pytest.mark.parametrize("language", ["de", "ja", "ar"])
def test_a_422_speaks_the_readers_language_in_message_and_fields(
    client: FlaskClient, language: str
) -> None:
    answer = _refused_post(client, language)
    message, name, body = EXPECTED_422[language]
    assert answer["error"] == "validation_failed"
    assert answer["message"] == message
    assert answer["fields"] == {"author": [name], "body": [body]}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("xx-YY, tlh", "en"),  # nothing we speak: English
        ("de-AT", "de"),  # a region we do not list: its language
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("fr;q=0.2, ja;q=0.8", "ja"),  # q-values, not order, decide
        ("en;q=0.1, ar", "ar"),
        ("ko, de;q=0.9", "ko"),
    ],
)
def test_the_language_is_negotiated_from_accept_language(
    client: FlaskClient, header: str | None, language: str
) -> None:
    assert _refused_post(client, header)["message"] == EXPECTED_422[language][0]


@pytest.mark.parametrize("header", ["pt-BR", "pt", "pt-PT;q=0.9, en;q=0.1"])
def test_portuguese_readers_get_the_brazilian_catalogue(client: FlaskClient, header: str) -> None:
    answer = _refused_post(client, header)
    assert answer["message"] == "Alguns campos precisam de atenção."
    assert answer["fields"]["author"] == ["Por favor, informe seu nome."]


def test_error_codes_and_statuses_never_change_with_the_language(client: FlaskClient) -> None:
    requests = [
        lambda h: client.get(comments_url("a1"), query_string={"sort": "best"}, headers=h),
        lambda h: client.get(comments_url("bad id!"), headers=h),
        lambda h: client.get("/api/v1/nowhere", headers=h),
        lambda h: client.post(comments_url("a1"), data="x", content_type="text/plain", headers=h),
        lambda h: client.post(
            comments_url("a1"), data=b"{", content_type="application/json", headers=h
        ),
        lambda h: post_comment(client, "a1", headers=h, **INCOMPLETE),
    ]
    for make in requests:
        seen = {}
        for language in ("en", "de", "ja", "ar", "pl", "hi"):
            response = make({"Accept-Language": language})
            seen[language] = (response.status_code, response.get_json()["error"])
            messages = response.get_json()["message"]
            assert isinstance(messages, str) and messages
        assert len(set(seen.values())) == 1, seen
    english = client.get("/api/v1/nowhere", headers={"Accept-Language": "en"}).get_json()
    hindi = client.get("/api/v1/nowhere", headers={"Accept-Language": "hi"}).get_json()
    assert english["message"] == "There is nothing at this address."
    assert hindi["message"] == "इस पते पर कुछ नहीं है।"


def test_werkzeugs_own_errors_and_body_errors_are_translated(client: FlaskClient) -> None:
    french = {"Accept-Language": "fr-FR"}
    unlabelled = client.post(
        comments_url("a1"), data="{}", content_type="text/plain", headers=french
    )
    assert assert_refused(unlabelled, 415, "unsupported_media_type")["message"] == (
        "Envoyez le commentaire en JSON (Content-Type: application/json)."
    )
    broken = client.post(
        comments_url("a1"), data=b"{", content_type="application/json", headers=french
    )
    assert assert_refused(broken, 400, "invalid_json")["message"] == (
        "Le corps de la requête n'a pas pu être lu : ce n'est pas du JSON valide."
    )


@pytest.fixture
def limited(tmp_path: Path) -> Flask:
    return make_app(tmp_path, RATELIMIT_ENABLED=True, READ_LIMITS="1/hour")


@pytest.mark.parametrize(
    ("seconds", "polish"),
    [
        (1, "Publikujesz zbyt szybko. Spróbuj ponownie za 1 sekundę."),
        (3, "Publikujesz zbyt szybko. Spróbuj ponownie za 3 sekundy."),
        (45, "Publikujesz zbyt szybko. Spróbuj ponownie za 45 sekund."),
        (180, "Publikujesz zbyt szybko. Spróbuj ponownie za 3 minuty."),
        (300, "Publikujesz zbyt szybko. Spróbuj ponownie za 5 minut."),
        (1320, "Publikujesz zbyt szybko. Spróbuj ponownie za 22 minuty."),
        (720, "Publikujesz zbyt szybko. Spróbuj ponownie za 12 minut."),
    ],
)
def test_the_429_uses_the_right_polish_plural(
    limited: Flask, monkeypatch: pytest.MonkeyPatch, seconds: int, polish: str
) -> None:
    monkeypatch.setattr(errors, "retry_after_seconds", lambda: seconds)
    client = limited.test_client()
    polish_reader = {"Accept-Language": "pl-PL,pl;q=0.9"}
    assert client.get(comments_url("a1"), headers=polish_reader).status_code == 200
    refused = client.get(comments_url("a1"), headers=polish_reader)
    answer = assert_refused(refused, 429, "rate_limited")
    assert answer["message"] == polish
    assert answer["retry_after"] == seconds
    assert refused.headers["Retry-After"] == str(seconds)
    english = assert_refused(client.get(comments_url("a1")), 429, "rate_limited")
    unit = "second" if seconds < 120 else "minute"
    assert english["message"].startswith("You are posting too quickly.")
    assert unit in english["message"]


def test_a_shared_cache_keeps_one_error_per_language_but_one_listing(
    client: FlaskClient,
) -> None:
    listing = client.get(comments_url("a1"), headers={"Accept-Language": "de"})
    assert listing.status_code == 200
    assert "accept-language" not in listing.headers.get("Vary", "").lower()
    refused = client.get(comments_url("a1"), query_string={"limit": "0"})
    assert "accept-language" in refused.headers.get("Vary", "").lower()
    # The listing's body is the same whatever the reader speaks (its ETag too).
    german = client.get(comments_url("a1"), headers={"Accept-Language": "de"})
    arabic = client.get(comments_url("a1"), headers={"Accept-Language": "ar"})
    assert german.headers["ETag"] == arabic.headers["ETag"]
