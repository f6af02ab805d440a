"""Per-article state: open or closed, how many published comments, and a
version that changes whenever what the article lists changes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import bindparam, update

from . import cache
from .database import upsert
from .errors import abort_json
from .extensions import db
from .models import Article

_table = Article.__table__
ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.:~]{0,127}")


def is_valid_id(article_id: str) -> bool:
    return ARTICLE_ID.fullmatch(article_id) is not None


def require_valid_id(article_id: str) -> None:
    if not is_valid_id(article_id):
        abort_json(
            400,
            "invalid_article_id",
            _(
                "An article ID is 1 to 128 letters, digits and -_.:~ "
                "and starts with a letter or digit."
            ),
        )


def ensure(*article_ids: str) -> None:
    """Create the articles' rows where missing; safe under concurrency."""
    if not article_ids:
        return
    db.session.execute(
        upsert(_table).on_conflict_do_nothing(index_elements=["id"]),
        [{"id": a, "closed": False, "published_count": 0, "version": 0} for a in article_ids],
    )


# Built once: the hot path (every post) only binds values. A table-level
# UPDATE is plain SQL, with none of the ORM's bulk-update bookkeeping.
_ADJUST = (
    update(_table)
    .where(_table.c.id == bindparam("target"))
    .values(
        published_count=_table.c.published_count + bindparam("delta"),
        version=_table.c.version + 1,
    )
)


def adjust(published_deltas: Mapping[str, int]) -> None:
    """Shift published counts and bump versions, in the caller's transaction.

    Every change to what an article lists goes through here, so counts stay
    exact and cached pages and ETags go stale at once.
    """
    db.session.flush()  # a Core statement does not autoflush pending ORM rows
    if not published_deltas:
        return
    for article_id in published_deltas:
        # widget/cache.py: after commit, tell every process the version changed.
        cache.note_changed(article_id)
    db.session.execute(
        _ADJUST, [{"target": a, "delta": delta} for a, delta in published_deltas.items()]
    )
