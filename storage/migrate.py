"""Schema revisions: which ones this code knows, reading a store's, and upgrading it.

Alembic is imported only when a store actually needs migrating, so opening an up-to-date store
stays fast. `REVISIONS` must match the scripts in `migrations/versions` (a test checks).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")
HEAD = REVISIONS[-1]
SCRIPTS = Path(__file__).resolve().parent / "migrations"


def upgrade(engine: Engine, target: str = "head") -> None:
    """Run every migration up to `target` in one transaction on `engine`."""
    from alembic import command  # noqa: PLC0415 - slow to import, needed only to migrate
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
