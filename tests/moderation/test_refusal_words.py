"""The exact words the comment box shows under the text when a comment is
refused for what it says (tests/moderation/test_defences.py has when each refusal applies)."""

from __future__ import annotations

from flask import Flask

from widget.moderation import rules

from ..conftest import LONG_BODY, make_app, post_comment


def refusal(response) -> list[str]:
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    return data["fields"]["body"]


def test_the_same_text_again_is_refused_in_these_words(tmp_path) -> None:
    app = make_app(tmp_path, DUPLICATE_WINDOW=86400)
    client = app.test_client()
    assert post_comment(client, "a1").status_code == 201

    assert refusal(post_comment(client, "a1")) == [
        "This exact text was already posted on this article in the last day. "
        "Please write something new."
    ]


def test_a_rejected_phrase_is_refused_in_these_words(app: Flask) -> None:
    with app.app_context():
        rules.block_phrase("spamword", "reject", "test")

    response = post_comment(app.test_client(), "a1", body=f"Buy spamword now. {LONG_BODY}")

    assert refusal(response) == [
        "Your comment contains a word or phrase this site does not accept."
    ]
