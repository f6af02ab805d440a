"""Admin accounts: argon2id password hashes, sign-in checks, removal."""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update

from ..errors import Refusal
from ..extensions import db
from ..models import Admin

MAX_NAME = 80
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work

_hasher = PasswordHasher()  # argon2id with the RFC 9106 low-memory profile


class AccountError(Refusal):
    """A name or password create-admin cannot use."""


@cache
def _dummy_hash() -> str:
    # Verifying against this when the name is unknown makes an unknown name
    # cost as much time as a wrong password: timing does not tell them apart.
    return _hasher.hash("not the password of anyone")


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise AccountError(f"An admin name is 1 to {MAX_NAME} printable characters.")
    return name


def find(name: str) -> Admin | None:
    return db.session.scalar(select(Admin).where(Admin.name == name))


def set_password(name: str, password: str) -> tuple[Admin, bool]:
    """Create the admin or reset their password; returns (admin, created)."""
    name = clean_name(name)
    if len(password) < MIN_PASSWORD or not password.strip():
        raise AccountError(f"A password has at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"A password has at most {MAX_PASSWORD} characters.")
    admin = find(name)
    created = admin is None
    if admin is None:
        admin = Admin(name=name, password_hash="")
        db.session.add(admin)
    admin.password_hash = _hasher.hash(password)
    return admin, created


def authenticate(name: str, password: str) -> Admin | None:
    """The admin these credentials belong to, or None (same cost either way)."""
    try:
        admin = find(clean_name(name))
    except AccountError:
        admin = None
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(admin.password_hash if admin else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if admin is None:
        return None
    if _hasher.check_needs_rehash(admin.password_hash):
        admin.password_hash = _hasher.hash(password)
        db.session.commit()
    return admin


def remove(name: str) -> int:
    """Delete the admin called ``name``; returns how many admins are left.

    Their sessions stop working at once: a session names an admin row that
    no longer exists (and a later admin never gets the same key).
    """
    removed = db.session.execute(delete(Admin).where(Admin.name == clean_name(name))).rowcount
    if not removed:
        raise AccountError(f"There is no admin called {name!r}.")
    return db.session.scalar(select(func.count(Admin.id))) or 0


def end_sessions(admin: Admin) -> None:
    """Sign the admin out everywhere: a new generation changes their session key."""
    db.session.execute(
        update(Admin)
        .where(Admin.id == admin.id)
        .values(session_generation=Admin.session_generation + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def session_key(admin: Admin) -> str:
    """What a session must carry to count: changes when the password is reset
    and when the admin signs out (the generation), ending every copy of every
    session of theirs."""
    material = f"{admin.session_generation}:{admin.password_hash}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]
