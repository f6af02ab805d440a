"""/admin: HTML, sessions, CSRF.

The admin area: its views, forms, accounts, sign-in rules, the dashboard's
chart, and the ``create-admin``/``delete-admin`` commands. May import the
core and every area below it (``widget.ops``, ``widget.moderation``,
``widget.public``); nothing imports it but the app factory.

Every page needs a signed-in admin (``require_admin`` runs before each view,
so a new view cannot forget). Every POST carries Flask-WTF's CSRF token,
checked app-wide by CSRFProtect. Every action goes through
``widget/moderation/`` (``actions``, ``bans``, ``rules``), which the CLI uses too.

``blueprint.py`` holds ``bp`` and what every page shares. The views live by
area: ``auth`` (sign-in, sign-out; sessions and limits are in ``signin.py``),
``dashboard``, ``comments`` (list, bulk actions, a comment's page with what
the spam filter saw), ``reports`` and ``rules`` (senders, bans, rules, the
spam filter's state, audit log); importing this package imports them, which
registers their routes on ``bp``.
"""

# The views register their routes on ``bp`` when imported.
from . import auth, comments, dashboard, reports, rules  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
