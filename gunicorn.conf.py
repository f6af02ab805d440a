"""gunicorn settings for ``gunicorn wsgi:app`` (read from the working directory).

Every value can be overridden from the environment, so one file serves a
laptop, a VM and a container:

- ``HOST`` / ``PORT``: where to listen, default ``127.0.0.1:8000`` (loopback,
  behind a reverse proxy); the Dockerfile sets ``HOST=0.0.0.0``.
- ``WEB_CONCURRENCY``: worker processes, default 2 x CPUs + 1.
- ``GUNICORN_WORKER_CLASS``: ``sync`` (default) or ``gthread``;
  ``GUNICORN_THREADS``: threads per worker for ``gthread`` (default 1).
- ``GUNICORN_TIMEOUT``: seconds a request may take before its worker is
  restarted (default 30).
- ``GUNICORN_MAX_REQUESTS``: requests before a worker is replaced (default
  10,000, with 10% jitter).
- ``GUNICORN_ACCESS_LOG``: gunicorn's own access log (``-`` for stdout); off by
  default, see below.

The service writes one structured JSON line per request to stdout itself
(widget/logs.py): status, duration, method, path, article, and no client
address. gunicorn's own access log would repeat each request with the raw
client address, so it is off unless asked for; gunicorn's error log goes to
stderr.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
# Measured on 2 cores (bench/run.py): sync workers, 2 x CPUs + 1, serve the
# listing fastest; the listing is CPU-bound and answers in well under a ms.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5  # seconds, for gthread behind a load balancer
# Recycle workers now and then so a slow leak can never grow without bound;
# the jitter keeps them from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Heartbeat files in memory, not on a possibly slow container disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
