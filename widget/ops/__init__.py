"""Running the service: the request log, the health check, ``/metrics`` and
the ``flask`` commands' shared plumbing.

May import: the core only. Every other area may import it.
"""
