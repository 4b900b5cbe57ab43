"""Model load time and the server's own prefill and decode figures on cells.

A run reopened from History shows what the server measured (llama.cpp's timings, Ollama's eval
counts) and how long it spent loading the model, as they were when the cell ended.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def _columns() -> list[sa.Column[float | int]]:
    return [
        sa.Column("load_ms", sa.Double(), nullable=True),
        sa.Column("server_prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("server_prompt_ms", sa.Double(), nullable=True),
        sa.Column("server_decode_tokens", sa.Integer(), nullable=True),
        sa.Column("server_decode_ms", sa.Double(), nullable=True),
    ]


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of `cells` would drop its full-text triggers.
    for column in _columns():
        op.add_column("cells", column)


def downgrade() -> None:
    # SQLite drops a column in place (3.35+); the cells' full-text triggers do not use these.
    for column in reversed(_columns()):
        op.drop_column("cells", column.name)
