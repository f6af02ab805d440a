"""/demo: an article page that embeds the box as a publisher would."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("demo", __name__, url_prefix="/demo")
