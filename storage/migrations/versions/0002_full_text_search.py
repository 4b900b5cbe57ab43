"""Full-text search (FTS5) over prompt texts and cell outputs.

External-content tables index the text where it already lives, so nothing is stored twice; the
triggers keep them in step with every insert, update and delete, and `rebuild` indexes what an
older store already holds.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"

_STATEMENTS = (
    """CREATE VIRTUAL TABLE prompt_versions_fts
       USING fts5(text, content='prompt_versions', content_rowid='pk')""",
    """CREATE TRIGGER prompt_versions_fts_ai AFTER INSERT ON prompt_versions BEGIN
       INSERT INTO prompt_versions_fts(rowid, text) VALUES (new.pk, new.text); END""",
    """CREATE TRIGGER prompt_versions_fts_ad AFTER DELETE ON prompt_versions BEGIN
       INSERT INTO prompt_versions_fts(prompt_versions_fts, rowid, text)
       VALUES ('delete', old.pk, old.text); END""",
    """CREATE TRIGGER prompt_versions_fts_au AFTER UPDATE OF text ON prompt_versions BEGIN
       INSERT INTO prompt_versions_fts(prompt_versions_fts, rowid, text)
       VALUES ('delete', old.pk, old.text);
       INSERT INTO prompt_versions_fts(rowid, text) VALUES (new.pk, new.text); END""",
    """CREATE VIRTUAL TABLE cells_fts USING fts5(output, content='cells', content_rowid='id')""",
    # Pending cells have no output yet: only text worth finding goes into the index.
    """CREATE TRIGGER cells_fts_ai AFTER INSERT ON cells WHEN new.output != '' BEGIN
       INSERT INTO cells_fts(rowid, output) VALUES (new.id, new.output); END""",
    """CREATE TRIGGER cells_fts_ad AFTER DELETE ON cells WHEN old.output != '' BEGIN
       INSERT INTO cells_fts(cells_fts, rowid, output) VALUES ('delete', old.id, old.output);
       END""",
    """CREATE TRIGGER cells_fts_au_old AFTER UPDATE OF output ON cells WHEN old.output != ''
       BEGIN
       INSERT INTO cells_fts(cells_fts, rowid, output) VALUES ('delete', old.id, old.output);
       END""",
    """CREATE TRIGGER cells_fts_au_new AFTER UPDATE OF output ON cells WHEN new.output != ''
       BEGIN INSERT INTO cells_fts(rowid, output) VALUES (new.id, new.output); END""",
    "INSERT INTO prompt_versions_fts(prompt_versions_fts) VALUES ('rebuild')",
    "INSERT INTO cells_fts(cells_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # FTS5 is SQLite's; other databases search with ILIKE (see storage/queries.py)
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in (
        "prompt_versions_fts_ai",
        "prompt_versions_fts_ad",
        "prompt_versions_fts_au",
        "cells_fts_ai",
        "cells_fts_ad",
        "cells_fts_au_old",
        "cells_fts_au_new",
    ):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE cells_fts")
    op.execute("DROP TABLE prompt_versions_fts")
