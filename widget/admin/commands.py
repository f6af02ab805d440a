"""``flask`` commands for admin accounts; each change is audited.

flask --app wsgi create-admin NAME [--password P]
flask --app wsgi delete-admin NAME
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..extensions import db
from ..moderation import actions
from ..ops.cli import ACTOR, friendly
from . import accounts


@click.command("create-admin")
@with_appcontext
@click.argument("name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password; asked for (hidden, twice) when left out.",
)
@friendly
def create_admin(name: str, password: str) -> None:
    """Create the admin NAME, or reset their password (signs them out everywhere).

    A password has at least 12 characters.
    """
    admin, created = accounts.set_password(name, password)
    actions.record(ACTOR, "create_admin" if created else "reset_password", admin.name)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Reset the password of'} admin {admin.name}.")


@click.command("delete-admin")
@with_appcontext
@click.argument("name")
@friendly
def delete_admin(name: str) -> None:
    """Remove the admin NAME: their sessions stop working at once."""
    # Deleting the last admin is allowed: a compromised account must be
    # removable at once, and create-admin makes a new one from this shell.
    left = accounts.remove(name)
    actions.record(ACTOR, "delete_admin", name)
    db.session.commit()
    click.echo(f"Deleted admin {name}.")
    if not left:
        click.echo("No admin is left: create one with `flask --app wsgi create-admin NAME`.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(delete_admin)
