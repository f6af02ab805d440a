"""Telling people: the outbox, mail, webhooks and the worker that sends them.

What is to be sent is recorded in the transaction that causes it (``outbox``)
and the worker (``flask --app wsgi worker``) delivers it. May import the core
and ``ops``; moderation and the public API import ``events`` to record what
happened.
"""
