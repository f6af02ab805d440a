"""What every ``flask`` command shares: a refusal or a missing schema shown as
one clear line instead of a traceback, plurals, and the actor name the audit
log records. The commands themselves live in their areas
(``widget/moderation/commands.py``, ``widget/admin/commands.py``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..errors import Refusal
from ..extensions import db

ACTOR = "cli"
F = TypeVar("F", bound=Callable[..., Any])


def friendly(command: F) -> F:
    """Turn refusals and a missing schema into one clear line, not a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Refusal as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        except (OperationalError, ProgrammingError) as error:
            db.session.rollback()
            raise click.ClickException(
                f"The database is not ready (run `flask --app wsgi db upgrade` first): {error.orig}"
            ) from None

    return run  # type: ignore[return-value]


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
