"""Extension singletons, created unbound and bound in ``create_app``."""

from __future__ import annotations

import flask_limiter
from flask import Flask, request
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from . import (
    ratelimit_store,  # noqa: F401 (registers the sqlite:// limits storage)
    sso,
)
from .privacy import client_key, limit_key


class Base(DeclarativeBase):
    # Stable constraint names, so migrations can drop and alter them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def client_address() -> str:
    """Who the client is (``privacy.client_key``: its IPv4 address or IPv6
    /64), from the address ProxyFix left: forwarded hops are trusted only as
    far as COMMENTS_TRUSTED_PROXIES says."""
    return client_key(request.remote_addr)


def sender_identity() -> str:
    """Whom limits, sender hashes and bans follow: the reader signed in
    through the publisher (sso.py), from whatever address; else the client."""
    try:
        reader = sso.current()
    except sso.SignInRefused:  # answered 401 by the view; counted as its client
        reader = None
    return reader.identity if reader is not None else client_address()


def _limit_key() -> str:
    return limit_key(sender_identity())


REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter that keeps answering while Redis is down: short socket
    timeouts, and limits counted meanwhile in the machine's shared limits
    file (RATELIMIT_LOCAL_STORAGE_URI) rather than in each process's memory,
    so they stay exact on each machine through the outage."""

    def init_app(self, app: Flask) -> None:
        redis = app.config["RATELIMIT_STORAGE_URI"].startswith(REDIS_SCHEMES)
        if redis:
            app.config.setdefault(
                "RATELIMIT_STORAGE_OPTIONS",
                {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
            )
        super().init_app(app)
        self._storage_dead = False  # the singleton outlives apps (tests make many)
        local = app.config.get("RATELIMIT_LOCAL_STORAGE_URI")
        if redis and local and self._fallback_limiter is not None:
            self._fallback_storage = storage_from_string(local)
            self._fallback_limiter = STRATEGIES[self._strategy](self._fallback_storage)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(_limit_key)
cors = CORS()
