"""What the service checks and prepares at start: the secret key's length and
the instance folder (created for its owner only, whenever the app needs it).

The CLI tests run ``flask --app wsgi`` in a subprocess on a copy of the code,
so that the instance folder is a fresh one under ``tmp_path``, as on a fresh
clone.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from widget import create_app
from widget.config import ConfigError

from ..conftest import make_app
from ..servers import REPO

KEY_32 = "k" * 32
KEY_31 = "k" * 31


def fresh_clone(tmp_path: Path) -> Path:
    """The code without an instance folder: wsgi.py, the package, the migrations."""
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("widget", "migrations"):
        shutil.copytree(REPO / folder, clone / folder, ignore=ignore)
    shutil.copy(REPO / "wsgi.py", clone / "wsgi.py")
    return clone


def flask_cli(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi ARGS`` in ``cwd`` with only the given COMMENTS_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    env.update({f"COMMENTS_{name}": value for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the secret key -----------------------------------------------------------------


def test_a_secret_key_under_32_characters_stops_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMENTS_SECRET_KEY", KEY_31)
    with pytest.raises(ConfigError, match="COMMENTS_SECRET_KEY must be at least 32 characters"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db"})

    monkeypatch.setenv("COMMENTS_SECRET_KEY", KEY_32)
    assert make_app(tmp_path, SECRET_KEY=None).config["SECRET_KEY"] == KEY_32


def test_the_cli_refuses_a_short_secret_key_in_words(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/c.db"

    short = flask_cli(REPO, "db", "upgrade", SECRET_KEY=KEY_31, DATABASE_URL=database)
    enough = flask_cli(REPO, "db", "upgrade", SECRET_KEY=KEY_32, DATABASE_URL=database)

    assert short.returncode != 0
    assert "COMMENTS_SECRET_KEY must be at least 32 characters, not 31" in short.stderr
    assert enough.returncode == 0, enough.stderr


# --- the instance folder ------------------------------------------------------------


def test_db_upgrade_on_a_fresh_clone_with_a_given_key_creates_a_private_folder(
    tmp_path: Path,
) -> None:
    clone = fresh_clone(tmp_path)

    result = flask_cli(clone, "db", "upgrade", SECRET_KEY=KEY_32)

    assert result.returncode == 0, result.stderr
    instance = clone / "instance"
    assert (instance / "comments.db").is_file()
    assert mode(instance) == 0o700  # emails and password hashes are inside
    assert not (instance / "secret_key").exists()  # the key was given


def test_a_generated_key_lives_in_a_private_folder(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)

    result = flask_cli(clone, "db", "upgrade")

    assert result.returncode == 0, result.stderr
    assert mode(clone / "instance") == 0o700
    assert mode(clone / "instance" / "secret_key") == 0o600


def test_an_instance_folder_open_to_others_is_tightened_with_a_warning(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    (clone / "instance").mkdir(mode=0o755)
    os.chmod(clone / "instance", 0o755)  # noqa: S103 - the careless state under test

    result = flask_cli(clone, "db", "upgrade", SECRET_KEY=KEY_32)

    assert result.returncode == 0, result.stderr
    assert mode(clone / "instance") == 0o700
    assert "was open to others (0o755); now 0o700" in result.stderr
