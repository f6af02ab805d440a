"""Headers every response carries."""

from __future__ import annotations

from flask import Flask, Response


def init_app(app: Flask) -> None:
    @app.after_request
    def no_sniffing(response: Response) -> Response:
        # A JSON body must never be read as HTML or script, whatever it holds.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
