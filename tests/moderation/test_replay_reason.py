"""A replayed form token is what the admin list names, even when the replay
would have been held for another reason too (too many links, pre-moderation):
the replay is the news (tests/moderation/test_token_replay.py has the races)."""

from __future__ import annotations

import pytest
from flask import Flask

from widget.extensions import db
from widget.models import Comment
from widget.moderation import rules

from ..conftest import LONG_BODY, form_token, post_comment

LINKS = f"http://a.example https://b.example www.c.example are all great. {LONG_BODY}"


def reasons(app: Flask) -> list[str | None]:
    with app.app_context():
        return list(db.session.scalars(db.select(Comment.reason).order_by(Comment.id)))


@pytest.mark.parametrize(
    ("switch", "replay"),
    [
        pytest.param(None, {"body": LINKS}, id="too-many-links"),
        pytest.param(rules.set_pre_moderation, {}, id="pre-moderation"),
    ],
)
def test_a_replay_is_held_as_a_replay_whatever_else_would_hold_it(
    app: Flask, switch, replay: dict[str, str]
) -> None:
    client = app.test_client()
    token = form_token(client, "a1")
    assert post_comment(client, "a1", token=token).status_code == 201
    if switch is not None:
        with app.app_context():
            switch(True, "test")

    response = post_comment(client, "a1", token=token, author="Again", **replay)

    assert response.status_code == 202
    assert reasons(app)[-1] == "token_reused"
