"""Admin accounts at their edges: the longest name and password, the password
behind the unknown-name check, a hash made at an older cost, and what
delete-admin says about a name it does not know."""

from __future__ import annotations

import argon2
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskCliRunner

from widget.admin import accounts
from widget.extensions import db
from widget.models import Admin

from ..admin_support import create_admin, login

DUMMY_PASSWORD = "not the password of anyone"  # in the source: anyone can read it


def stored_hash(app: Flask, name: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Admin.password_hash).where(Admin.name == name))


def test_the_longest_name_and_password_are_accepted(app: Flask, runner: FlaskCliRunner) -> None:
    name, password = "n" * accounts.MAX_NAME, "p" * accounts.MAX_PASSWORD

    result = runner.invoke(args=["create-admin", name, "--password", password])

    assert result.exit_code == 0, result.output
    assert login(app.test_client(), name, password).status_code == 302


@pytest.mark.parametrize("name", ["nobody", "  ", "x" * 81])
def test_the_unknown_name_check_signs_no_one_in(app: Flask, name: str) -> None:
    """Unknown and unusable names are checked against a stand-in hash whose
    password is public: it is refused like any wrong password."""
    create_admin(app)

    response = login(app.test_client(), name, DUMMY_PASSWORD)

    assert response.status_code == 200
    assert "That name and password do not match an admin." in response.get_data(as_text=True)


def test_a_hash_made_at_an_older_cost_is_upgraded_at_sign_in(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_admin(app, "ann", "the same passphrase")
    stronger = PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", stronger)

    first = login(app.test_client(), "ann", "the same passphrase")
    upgraded = stored_hash(app, "ann")
    again = login(app.test_client(), "ann", "the same passphrase")

    assert first.status_code == again.status_code == 302
    assert argon2.extract_parameters(upgraded).time_cost == 2
    assert stored_hash(app, "ann") == upgraded  # upgraded once, not at every sign-in


def test_delete_admin_names_the_admin_it_does_not_know(app: Flask, runner: FlaskCliRunner) -> None:
    create_admin(app)

    result = runner.invoke(args=["delete-admin", "nobody"])

    assert result.exit_code == 1
    assert result.output == "Error: There is no admin called 'nobody'.\n"
