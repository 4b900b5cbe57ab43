"""Scores on cells, blind A/B preferences, model judgements, and the suite a run was judged with.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _cell_key(name: str, run_id: str, cell: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [run_id, cell], ["cells.run_id", "cells.index"], name=name, ondelete="CASCADE"
    )


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of `cells` would drop its full-text triggers.
    op.add_column("cells", sa.Column("score", sa.Integer(), nullable=True))
    op.add_column("runs", sa.Column("suite_json", sa.JSON(), nullable=True))
    op.create_table(
        "preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("left_run_id", sa.Integer(), nullable=False),
        sa.Column("left_cell", sa.Integer(), nullable=False),
        sa.Column("right_run_id", sa.Integer(), nullable=False),
        sa.Column("right_cell", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(8), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _cell_key("fk_preferences_left_run_id_cells", "left_run_id", "left_cell"),
        _cell_key("fk_preferences_right_run_id_cells", "right_run_id", "right_cell"),
        sa.PrimaryKeyConstraint("id", name="pk_preferences"),
    )
    op.create_index("ix_preferences_left", "preferences", ["left_run_id", "left_cell"])
    op.create_index("ix_preferences_right", "preferences", ["right_run_id", "right_cell"])
    op.create_table(
        "judgements",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("check_json", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        _cell_key("fk_judgements_run_id_cells", "run_id", "cell"),
        sa.PrimaryKeyConstraint("run_id", "cell", "position", name="pk_judgements"),
    )


def downgrade() -> None:
    op.drop_table("judgements")
    op.drop_table("preferences")
    # SQLite drops a column in place (3.35+); the cells' full-text triggers do not use these.
    op.drop_column("runs", "suite_json")
    op.drop_column("cells", "score")
