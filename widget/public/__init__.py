"""What publishers' pages call: the JSON API under /api/v1, the listing pages
and their cache, the OpenAPI document, the comment form, and the demo page.

May import: the core (``widget.config``, ``extensions``, ``models``, ``errors``,
``privacy``, ``articles``, ``cache``, …), ``widget.ops`` and
``widget.moderation``. Never ``widget.admin`` or the app factory.
"""
