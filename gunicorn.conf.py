"""gunicorn settings for ``gunicorn wsgi:app`` (read from the working directory).

Every value can be overridden from the environment, so one file serves a
laptop, a VM and a container:

- ``HOST`` / ``PORT``: where to listen, default ``127.0.0.1:8000`` (loopback,
  behind a reverse proxy); the Dockerfile sets ``HOST=0.0.0.0``.
- ``WEB_CONCURRENCY``: worker processes, default CPUs + 1.
- ``GUNICORN_WORKER_CLASS``: ``sync`` (default) or ``gthread``;
  ``GUNICORN_THREADS``: threads per worker for ``gthread`` (default 1).
- ``GUNICORN_TIMEOUT``: seconds a request may take before its worker is
  restarted (default 30).
- ``GUNICORN_MAX_REQUESTS``: requests before a worker is replaced (default
  100,000, with 10% jitter).
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


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use
    except AttributeError:  # not on Linux
        return multiprocessing.cpu_count()


# Measured on 2 cores with wrk beside it (bench/run.py): the listing and the
# posts are CPU-bound (in-process caches, short queries), and sync workers at
# CPUs + 1 beat both 2 x CPUs + 1 (more context switches, more lock contention
# on SQLite: list -8%, posts -25%) and gthread (the thread hand-off costs more
# than keep-alive saves here). Raise WEB_CONCURRENCY when the database is far
# away and requests spend their time waiting on it.
workers = _int("WEB_CONCURRENCY", _cpus() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5  # seconds, for gthread behind a load balancer
# Recycle workers now and then so a slow leak can never grow without bound;
# the jitter keeps them from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Heartbeat files in memory, not on a possibly slow container disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The contract allows 100 article IDs of up to 128 characters in one counts
# request (about 14 KB of request line); gunicorn's default stops at 4 KiB.
# 0 lets gunicorn take up to 1 MiB; the app refuses more than 100 IDs anyway.
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 0)
