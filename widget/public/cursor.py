"""The list cursor handed to the box: where the next page starts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ..models import MAX_ID

# The sort of a replies page (oldest first), in its page key and cursor.
REPLIES = "replies"
# The first letter of each order, as written in its cursors.
_PREFIXES = {"newest": "n", "oldest": "o", "top": "t", REPLIES: "r"}


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the comment with this id (and, in
    the ``top`` order, with this many likes)."""

    sort: str
    after_id: int
    after_likes: int | None = None

    def encode(self) -> str:
        position = f"{self.after_id}"
        if self.after_likes is not None:
            position = f"{self.after_likes}.{self.after_id}"
        raw = f"{_PREFIXES[self.sort]}:{position}".encode()
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
        prefix, _, position = raw.partition(":")
        if prefix != _PREFIXES[sort]:
            raise ValueError("bad cursor")
        likes = None
        if sort == "top":
            likes_text, _, position = position.partition(".")
            if not likes_text.isdigit():
                raise ValueError("bad cursor")
            likes = int(likes_text)  # at most 31 digits: the cursor's length bounds it
            if likes > MAX_ID:
                raise ValueError("bad cursor")
        # ASCII by now (decoded as such), so isdigit() admits 0-9 only.
        if not position.isdigit():
            raise ValueError("bad cursor")
        after_id = int(position)
        # Ids are 32-bit: a larger one is no comment's, and PostgreSQL refuses
        # to compare an integer column with it (a 500, not a 400).
        if after_id < 1 or after_id > MAX_ID:
            raise ValueError("bad cursor")
        return cls(sort, after_id, likes)
