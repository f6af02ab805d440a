"""Moving in and out: importers (Disqus, WordPress, Isso, our own JSON), the
export, and readers' data requests (export and erase one reader's data).

Readers of other systems' files (``disqus``, ``wordpress``, ``isso``,
``jsonlines``) turn a file into ``records``; ``importer`` writes them. May
import the core, ``ops``, ``notify`` and ``moderation``; the admin area
imports ``readers`` for a sender's page.
"""
