"""The list cursor handed to the box: where the next page starts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ..models import MAX_ID


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the comment with this id."""

    sort: str
    after_id: int

    def encode(self) -> str:
        raw = f"{self.sort[0]}:{self.after_id}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, value: str, sort: str) -> Cursor:
        """Parse a cursor for this sort order; ValueError if it is not one."""
        if not value or len(value) > 32:
            raise ValueError("bad cursor")
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("bad cursor") from None
        prefix, _, number = raw.partition(":")
        # ASCII by now (decoded as such), so isdigit() admits 0-9 only.
        if prefix != sort[0] or not number.isdigit():
            raise ValueError("bad cursor")
        after_id = int(number)
        # Ids are 32-bit: a larger one is no comment's, and PostgreSQL refuses
        # to compare an integer column with it (a 500, not a 400).
        if after_id < 1 or after_id > MAX_ID:
            raise ValueError("bad cursor")
        return cls(sort, after_id)
