"""The ceiling: the same gunicorn settings serving a trivial Flask route that
returns precomputed bytes (the listing's own body, read from a file)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes()


@app.get("/api/v1/articles/<path:article_id>/comments")
def listing(article_id: str) -> Response:
    return Response(BODY, mimetype="application/json")
