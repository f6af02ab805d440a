"""Real server processes for tests: gunicorn on a free loopback port, SQLite in a temp dir.

    env = server_env(tmp_path)            # COMMENTS_* for a throwaway instance
    migrate(env)                          # flask --app wsgi db upgrade
    with Gunicorn(env, workers=4) as server:
        answer = post_as_box(server.url, "a1", "Priya S", "A comment of some length.")

The server runs in its own process group, so ``kill()`` (SIGKILL) takes the
master and every worker down at once, as a crash would.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-server-test-secret-of-32-chars-or-more"


def free_port() -> int:
    """A loopback port nobody listens on right now (never 5000)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 5000:
            return port


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a throwaway instance: its own SQLite files, limits off.

    Every COMMENTS_* variable of the calling shell is dropped, so a developer's
    settings never leak into a test. ``settings`` are extra COMMENTS_* values,
    given without the prefix (``MODERATION="pre"``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env.update(
        COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'comments.db'}",
        # Limits counted in a file of this instance's own, not the checkout's
        # instance folder that every test server would otherwise share.
        COMMENTS_RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'ratelimits.db'}",
        COMMENTS_SECRET_KEY=SECRET_KEY,
        COMMENTS_RATELIMIT_ENABLED="false",
        COMMENTS_MIN_FILL_SECONDS="0",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"COMMENTS_{name}": value for name, value in settings.items()})
    return env


def flask_command(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """An operator's ``flask`` command, a process of its own, on the app
    ``FLASK_APP`` names (``wsgi`` when unset); its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", env.get("FLASK_APP", "wsgi"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def migrate(env: dict[str, str]) -> None:
    """Create the schema the way operators do: ``flask --app wsgi db upgrade``."""
    flask_command(env, "db", "upgrade", timeout=120)


class Gunicorn:
    """``gunicorn wsgi:app`` on 127.0.0.1, started and stopped by the test."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        threads: int = 1,
        log_path: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.env = env
        self.workers = workers
        self.threads = threads
        self.extra_args = extra_args
        db_url = env["COMMENTS_DATABASE_URL"]
        default_log = Path(db_url.removeprefix("sqlite:///")).with_name("gunicorn.log")
        self.log_path = log_path or default_log
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, timeout: float = 60) -> Gunicorn:
        for _attempt in range(3):  # the free port may be taken before gunicorn binds it
            self.port = free_port()
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "wsgi:app",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                *self.extra_args,
            ]
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    command,
                    cwd=REPO,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: killpg reaches workers
                )
            if self._wait_until_healthy(timeout):
                return self
            if "Address already in use" not in self.log():
                break
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy:\n{self.log()[-4000:]}")

    def _wait_until_healthy(self, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        return False

    def _signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Shut down gracefully; SIGKILL what is left after a few seconds."""
        if self.process is None or self.process.poll() is not None:
            self._signal_group(signal.SIGKILL)  # stray workers of a dead master
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=15)
        self._signal_group(signal.SIGKILL)

    def __enter__(self) -> Gunicorn:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def raw_http(port: int, request: bytes, timeout: float = 20) -> bytes:
    """Send bytes exactly as given over a socket; return what the server answers.

    The sending happens in a thread, so a server that answers early (a 413
    before the body is in) and closes is read, not met with a broken pipe.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(request)
                sock.shutdown(socket.SHUT_WR)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        chunks: list[bytes] = []
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        sender.join(timeout)
    return b"".join(chunks)


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-cased names) and body of a raw HTTP/1.x answer
    (after any interim 1xx, such as 100 Continue)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 1") and body.startswith(b"HTTP/"):
        head, _, body = body.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, Any] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    url: str,
    data: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> Answer:
    """One HTTP request (a JSON POST when ``data`` is given, else a GET) from
    the loopback address ``source`` (another reader); any status is answered."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=20, source_address=(source, 0)
    )
    body = None if data is None else json.dumps(data).encode()
    sent = dict(headers or {})
    if body is not None:
        sent["Content-Type"] = "application/json"
    try:
        connection.request("GET" if body is None else "POST", parts.path, body, sent)
        response = connection.getresponse()
        raw = response.read()
        return Answer(response.status, dict(response.headers), json.loads(raw) if raw else None)
    finally:
        connection.close()


def post_as_box(
    base_url: str,
    article_id: str,
    author: str,
    body: str,
    *,
    source: str = "127.0.0.1",
    **fields: Any,
) -> Answer:
    """Post as the comment box does: a fresh form token from the listing, then
    the JSON POST (with any further ``fields``, such as ``parent_id``), both
    from ``source``."""
    url = f"{base_url}/api/v1/articles/{article_id}/comments"
    token = call(url, source=source).body["form"]["token"]
    payload = {"author": author, "body": body, "token": token, **fields}
    return call(url, payload, source=source)
