"""Fixtures the transfer tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_app
from widget.extensions import db


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite only, for what does not depend on the database."""
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()
