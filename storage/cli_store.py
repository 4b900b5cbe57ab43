"""The `workbench.store` entry point: how the command line opens the store."""

from __future__ import annotations

from storage.run_store import SqlRunStore


def open_store(db: str | None) -> SqlRunStore:
    return SqlRunStore.open(db)
