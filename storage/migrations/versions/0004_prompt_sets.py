"""Prompt sets: imported suites, kept front matter, and where each run's prompt file came from.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of the table would drop its full-text triggers.
    op.add_column("prompt_versions", sa.Column("meta", sa.JSON(), nullable=True))
    op.create_table(
        "suites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suites"),
        sa.UniqueConstraint("name", name="uq_suites_name"),
    )
    op.create_table(
        "run_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("repo_path", sa.Text(), nullable=True),
        sa.Column("repo_commit", sa.String(64), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=True),
        sa.Column("blob", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_run_sources_run_id_runs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"], ["prompts.id"], name="fk_run_sources_prompt_id_prompts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_run_sources"),
    )
    op.create_index("ix_run_sources_run_id", "run_sources", ["run_id"])
    op.create_index("ix_run_sources_blob", "run_sources", ["blob"])


def downgrade() -> None:
    op.drop_table("run_sources")
    op.drop_table("suites")
    op.drop_column("prompt_versions", "meta")
