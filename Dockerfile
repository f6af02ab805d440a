# The service under gunicorn (gunicorn.conf.py), migrating the database on boot.
#   docker build -t comments .
#   docker run -e COMMENTS_DATABASE_URL=postgresql+psycopg://… -e COMMENTS_SECRET_KEY=… -p 8000:8000 comments
# compose.yaml runs it with PostgreSQL and Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 10001 comments

# Editable install: static/ and templates/ stay beside the package, where the
# app looks for them; the readers' languages are compiled from their .po files.
# Versions pinned by the same lock as development and CI.
COPY . .
RUN pip install -c requirements.lock -e . \
    && pybabel -q compile -d widget/translations \
    && mkdir -p instance && chown comments:comments instance

USER comments
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"

# As `make serve`: migrate (idempotent), then hand the process over to gunicorn.
CMD ["sh", "-c", "flask --app wsgi db upgrade && exec gunicorn -c gunicorn.conf.py wsgi:app"]
