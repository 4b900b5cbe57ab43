"""A covering index for the per-model and per-version aggregates.

It starts with the model, so it replaces the plain model index (which the planner preferred for
GROUP BY model, reading the wide rows: 0.4 s instead of 0.1 s on 100,000 cells).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"

_COLUMNS = [
    "model",
    "prompt_version_id",
    "status",
    "run_id",
    "latency_ms",
    "ttft_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
]


def upgrade() -> None:
    op.create_index("ix_cells_figures", "cells", _COLUMNS)
    op.drop_index("ix_cells_model", "cells")


def downgrade() -> None:
    op.create_index("ix_cells_model", "cells", ["model"])
    op.drop_index("ix_cells_figures", "cells")
