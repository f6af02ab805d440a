"""Deciding about comments: what text is accepted, the defences a post passes,
form tokens, and the actions admins and the CLI take (status changes, bans,
blocked phrases, switches), each written once and audited once.

May import: the core and ``widget.ops``. Never ``widget.public``,
``widget.admin`` or the app factory.
"""

from ..errors import Refusal


class ModerationError(Refusal):
    """An action cannot be done as asked; the message says why."""
