"""full-text search over comments: PostgreSQL tsvector + GIN, SQLite FTS5

The admin's search finds whole words (case and accents aside) through the
database's own full-text engine instead of ILIKE '%...%' over every row.

PostgreSQL: a STORED generated column ``search_vector`` (author and body,
accents folded by translate()) with a GIN index; the database keeps it in
step. SQLite: an external-content FTS5 table ``comments_fts`` kept in step by
triggers, filled here with FTS5's 'rebuild'. Both: an index on lower(email),
so an e-mail address finds its commenter.

The DDL is frozen here as text (widget/fulltext.py holds the same for
``db.create_all()``); none of it is in the models, and migrations/env.py
leaves it out of the autogenerate comparison.

SQLite, for every later migration: ``op.batch_alter_table('comments')``
recreates the table (copy, drop, rename), and dropping the old table drops
the three comments_fts_* triggers with it (the FTS5 table survives, stale
from then on). A later batch migration of comments must run TRIGGERS again
afterwards, and FTS5 'rebuild' if ids or texts could have changed.

Revision ID: c3a9f1e7d2b4
Revises: d41f0c7e2b95
Create Date: 2026-12-01 07:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9f1e7d2b4'
down_revision = 'd41f0c7e2b95'
branch_labels = None
depends_on = None

# Accented Latin letters and what they fold to (PostgreSQL's 'simple'
# configuration keeps accents; SQLite's unicode61 tokenizer removes them);
# < and > to spaces, else PostgreSQL's parser skips <img src=x ...> as a tag.
FOLD_FROM = '<>ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĘĚÌÍÎÏĪÑŃŇÒÓÔÕÖØŌŐŔŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽàáâãäåāăąçćčďèéêëēęěìíîïīñńňòóôõöøōőŕřśšşťţùúûüūůűýÿźżž'
FOLD_TO = '  AAAAAAAAACCCDEEEEEEEIIIIINNNOOOOOOOORRSSSTTUUUUUUUYYZZZaaaaaaaaacccdeeeeeeeiiiiinnnoooooooorrssstttuuuuuuuyyzzz'

PG_UPGRADE = (
    "ALTER TABLE comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(author, '') || ' ' || coalesce(body, ''), "
    f"'{FOLD_FROM}', '{FOLD_TO}'))) STORED",
    "CREATE INDEX ix_comments_search_vector ON comments USING gin (search_vector)",
    # The planner learns which words are common.
    "ALTER TABLE comments ALTER COLUMN search_vector SET STATISTICS 1000",
    "ANALYZE comments",
)
PG_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_comments_search_vector",
    "ALTER TABLE comments DROP COLUMN IF EXISTS search_vector",
)
SQLITE_TABLE = 'CREATE VIRTUAL TABLE IF NOT EXISTS comments_fts USING fts5(author, body, content=\'comments\', content_rowid=\'id\', tokenize="unicode61 remove_diacritics 2")'
# Only author and body edits touch the index: status changes do not.
TRIGGERS = (
    'CREATE TRIGGER IF NOT EXISTS comments_fts_insert AFTER INSERT ON comments BEGIN INSERT INTO comments_fts (rowid, author, body) VALUES (new.id, new.author, new.body); END',
    "CREATE TRIGGER IF NOT EXISTS comments_fts_delete AFTER DELETE ON comments BEGIN INSERT INTO comments_fts (comments_fts, rowid, author, body) VALUES ('delete', old.id, old.author, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS comments_fts_update AFTER UPDATE OF author, body ON comments BEGIN INSERT INTO comments_fts (comments_fts, rowid, author, body) VALUES ('delete', old.id, old.author, old.body); INSERT INTO comments_fts (rowid, author, body) VALUES (new.id, new.author, new.body); END",
)
SQLITE_UPGRADE = (
    SQLITE_TABLE,
    *TRIGGERS,
    "INSERT INTO comments_fts (comments_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS comments_fts_insert",
    "DROP TRIGGER IF EXISTS comments_fts_delete",
    "DROP TRIGGER IF EXISTS comments_fts_update",
    "DROP TABLE IF EXISTS comments_fts",
)
EMAIL_INDEX = "CREATE INDEX ix_comments_email_lower ON comments (lower(email))"


def _postgres():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    for statement in (*(PG_UPGRADE if _postgres() else SQLITE_UPGRADE), EMAIL_INDEX):
        op.execute(statement)


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_comments_email_lower")
    for statement in PG_DOWNGRADE if _postgres() else SQLITE_DOWNGRADE:
        op.execute(statement)
