"""The first comment on an article nobody has commented on yet starts its
count, however the site's rules stand (a changed rule leaves a rules version
beside the article in the one lookup a post makes)."""

from __future__ import annotations

from flask import Flask

from widget.moderation import rules

from ..conftest import comments_url, post_comment


def test_a_new_article_is_counted_after_the_rules_changed(app: Flask) -> None:
    with app.app_context():
        rules.block_phrase("spamword", "hold", "test")
    client = app.test_client()

    assert post_comment(client, "fresh-article").status_code == 201

    counts = client.get("/api/v1/counts?article_id=fresh-article").get_json()
    assert counts == {"counts": {"fresh-article": 1}}
    assert client.get(comments_url("fresh-article")).get_json()["total"] == 1
