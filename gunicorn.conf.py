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
(widget/ops/logs.py): status, duration, method, path, article, and no client
address. gunicorn's own access log would repeat each request with the raw
client address, so it is off unless asked for; gunicorn's error log goes to
stderr.

Metrics (``/metrics``, widget/ops/metrics.py): each worker counts into files
in ``PROMETHEUS_MULTIPROC_DIR`` and every scrape adds them up. Left unset, the
master makes a private temporary directory at start and removes it at exit;
a directory given is emptied of an earlier run's counts at start.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import re
import shutil
import sys
import tempfile


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


def _limits_counted_per_process() -> bool:
    """memory:// counts in each worker, so N workers would allow N times every
    limit; the default (a file every worker shares) and redis:// count as one."""
    storage = os.environ.get("COMMENTS_RATELIMIT_STORAGE_URI", "").strip()
    enabled = os.environ.get("COMMENTS_RATELIMIT_ENABLED", "true").strip().lower()
    return storage.startswith("memory://") and enabled not in {"0", "false", "no", "off"}


def on_starting(server: object) -> None:
    """Refuse to start where limits would not be exact (``--workers`` included)."""
    workers_now = server.cfg.workers  # type: ignore[attr-defined]
    if workers_now > 1 and _limits_counted_per_process():
        # gunicorn prints a RuntimeError's message and exits with status 1.
        raise RuntimeError(
            f"COMMENTS_RATELIMIT_STORAGE_URI=memory:// counts limits in each of the "
            f"{workers_now} workers, which would allow {workers_now} times every limit. "
            "Leave COMMENTS_RATELIMIT_STORAGE_URI unset (a file in the instance folder "
            "that every worker shares), set it to redis://host:6379/0, or run one worker "
            "(WEB_CONCURRENCY=1)."
        )
    _prepare_metrics_dir()


METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# The directory this master made (an environment variable, not a global: a
# reload re-reads this file), which it removes when it exits.
_METRICS_DIR_MADE = "GUNICORN_MADE_METRICS_DIR"
# prometheus_client's own files (counter_<pid>.db, gauge_livesum_<pid>.db, ...):
# a directory given may hold other files, even a SQLite database.
_METRICS_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_[0-9]+\.db")


def _prepare_metrics_dir() -> None:
    """Set up prometheus_client's multiprocess mode before any worker imports
    it: a worker picks its mode, for good, when it imports prometheus_client."""
    given = os.environ.get(METRICS_DIR, "").strip()
    if given:
        os.makedirs(given, mode=0o700, exist_ok=True)
        for name in os.listdir(given):
            if _METRICS_FILE.fullmatch(name):  # an earlier run's counts would add up with ours
                os.remove(os.path.join(given, name))
        return
    if "prometheus_client" in sys.modules:
        raise RuntimeError(
            "The app was loaded before the workers started (--preload), so each worker "
            "would count metrics on its own: set PROMETHEUS_MULTIPROC_DIR to an empty "
            "directory that only this service uses."
        )
    made = tempfile.mkdtemp(prefix="comments-metrics-")  # mode 0700, in $TMPDIR or /tmp
    os.environ[METRICS_DIR] = os.environ[_METRICS_DIR_MADE] = made
    # At exit, however the master exits (a port already taken skips on_exit).
    atexit.register(_remove_metrics_dir, made, os.getpid())


def _remove_metrics_dir(path: str, master: int) -> None:
    if os.getpid() == master:  # workers are forked with this handler too
        shutil.rmtree(path, ignore_errors=True)


def child_exit(server: object, worker: object) -> None:
    """A worker has gone: its counts stay counted, its live gauges go."""
    from prometheus_client import multiprocess  # in multiprocess mode, after on_starting

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def pre_exec(server: object) -> None:
    """USR2 starts a new master beside this one: it makes a directory of its
    own, as this one's goes when this master exits."""
    made = os.environ.pop(_METRICS_DIR_MADE, None)
    if made and made == os.environ.get(METRICS_DIR):
        del os.environ[METRICS_DIR]


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

MAX_REQUEST_LINE = 8190  # gunicorn's default, and the most it takes but "unlimited"


def _request_line_limit() -> int:
    """gunicorn's default and maximum, 8190 bytes, unless lowered.

    0 would mean *unlimited* to gunicorn (up to 1 MiB, parsed in quadratic
    time: an 8 MB request line held a worker for 8 s), so it is refused.
    count.js splits its IDs into requests that fit well under this.
    """
    limit = _int("GUNICORN_LIMIT_REQUEST_LINE", MAX_REQUEST_LINE)
    if not 1 <= limit <= MAX_REQUEST_LINE:
        raise ValueError(
            f"GUNICORN_LIMIT_REQUEST_LINE must be from 1 to {MAX_REQUEST_LINE} bytes, "
            f"not {limit} (0 would mean unlimited)"
        )
    return limit


limit_request_line = _request_line_limit()
