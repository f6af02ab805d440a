"""Column types and values every table and area shares: aware UTC times,
the API's time format, the hash the duplicate defence looks a text up by."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware UTC datetime (SQLite forgets
    the zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use datetime.now(UTC)")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def body_hash(body: str) -> str:
    """What the duplicate defence looks a text up by: a hash of it as stored
    (trimmed), so finding the same text on an article is one index probe."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def iso_utc(moment: datetime) -> str:
    """The API's time format: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
