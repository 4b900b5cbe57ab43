"""Stores at an older schema revision, filled through this code's repository, for migration tests.

This code writes every column its schema has; a store still at an older revision lacks the newer
ones, so cells are saved with only the columns the file has (as the code of that time did).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, update

from storage import codec, migrate
from storage.location import resolve
from storage.run_store import SqlRunStore, now
from storage.schema import CellRow
from workbench.domain import CellResult


def store_at(db_path: Path, revision: str) -> SqlRunStore:
    """A store whose file is migrated only up to `revision` (opening it normally would go on)."""
    location = resolve(db_path)
    engine = create_engine(location.url)
    migrate.upgrade(engine, revision)
    return SqlRunStore(engine, location)


def save_cell(store: SqlRunStore, run_id: int, result: CellResult) -> None:
    """`SqlRunStore.save_cell` limited to the columns the store's `cells` table has."""
    have = {column["name"] for column in inspect(store.engine).get_columns("cells")}
    values = {k: v for k, v in codec.result_values(result).items() if k in have}
    with store.engine.begin() as connection:
        connection.execute(
            update(CellRow)
            .where(CellRow.run_id == run_id, CellRow.index == result.cell.index)
            .values(ended_at=now(), **values)
        )
