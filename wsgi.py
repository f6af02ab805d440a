"""Entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi …``."""

from widget import create_app

app = create_app()
