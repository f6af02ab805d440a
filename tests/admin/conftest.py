"""What every admin test shares: cheap password hashing (autouse) and a
signed-in admin's client."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..admin_support import cheap_hashing, signed_in  # noqa: F401 (autouse fixture)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    """A client signed in as the admin "ann"."""
    return signed_in(app)
