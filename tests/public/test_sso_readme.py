"""The README's token-minting examples (Python with PyJWT, Node without
dependencies) run as written and make tokens the service accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import make_app, need, post_comment

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README.split("\n## Sign-in through the publisher\n", 1)[1].split("\n## ", 1)[0]
SECRET = "the-publishers-key-shared-with-the-service-0123456789"


def snippet(language: str) -> str:
    (code,) = re.findall(rf"```{language}\n(.*?)```", SECTION, re.S)
    return code


@pytest.fixture
def app(tmp_path: Any) -> Flask:
    return make_app(tmp_path, SSO_SECRET=SECRET)


def signed_post(client: FlaskClient, token: str) -> dict[str, Any]:
    response = post_comment(client, "a1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_python_example_makes_a_token_the_service_accepts(app: Flask) -> None:
    namespace: dict[str, Any] = {}
    exec(snippet("python"), namespace)  # noqa: S102 (our own README)
    editor = SimpleNamespace(id=7, display_name="Mara Editor", email="", is_editor=True)

    posted = signed_post(app.test_client(), namespace["comments_token"](editor, SECRET))

    assert (posted["author"], posted["verified"], posted["staff"]) == ("Mara Editor", True, True)


def test_the_node_example_makes_a_token_the_service_accepts(app: Flask, tmp_path: Path) -> None:
    node = shutil.which("node")
    need(node is not None, "Node.js")
    script = tmp_path / "mint.js"
    script.write_text(
        snippet("js")
        + 'console.log(commentsToken({ id: 8, displayName: "Zoë Reader", email: "",'
        + f" isEditor: false }}, {SECRET!r}));\n"
    )
    token = subprocess.run(
        [str(node), str(script)], capture_output=True, text=True, check=True
    ).stdout.strip()

    posted = signed_post(app.test_client(), token)

    assert (posted["author"], posted["verified"], posted["staff"]) == ("Zoë Reader", True, False)
