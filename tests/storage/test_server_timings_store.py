"""The model's load time and the server's own prefill and decode figures, kept per cell (0006)."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import replace
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from storage import migrate
from storage.location import resolve
from storage.run_store import SqlRunStore
from tests.storage import older_stores
from tests.storage.builders import PROMPT, failed, finished, plan
from workbench.domain import Cell, CellResult, ModelSpec, ServerTimings, Timings
from workbench.plan import build_plan
from workbench.store_api import HistoryQuery

_ADDED = (
    "load_ms",
    "server_prompt_tokens",
    "server_prompt_ms",
    "server_decode_tokens",
    "server_decode_ms",
)


def _measured(cell: Cell, output: str = "a measured answer") -> CellResult:
    """A local server's answer: 800 ms loading the model, 12 prompt tokens read in 40 ms,
    3 tokens written in 50 ms."""
    timings = Timings(900.0, 960.0, 60.0, load_ms=800.0, server=ServerTimings(12, 40.0, 3, 50.0))
    return replace(finished(cell, output), timings=timings)


def _cells_columns(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(cells)")]


def _raw(db: Path, columns: str, table: str = "cells") -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def _revision(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


# --- writing and reading ---------------------------------------------------------------------


def test_a_cell_reads_back_its_load_time_and_the_servers_figures(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, _measured(cells[0]))
    (result,) = store.load_run(run_id).results
    assert result == _measured(cells[0])
    assert result.timings == Timings(
        900.0, 960.0, 60.0, load_ms=800.0, server=ServerTimings(12, 40.0, 3, 50.0)
    )
    server = result.timings.server  # narrowed by the equality above
    assert server is not None
    assert (server.prefill_tokens_per_s, server.decode_tokens_per_s) == (300.0, 60.0)
    assert _raw(Path(store.location), ", ".join(_ADDED)) == [
        (800.0, 12, 40.0, 3, 50.0),
        (None, None, None, None, None),
        (None, None, None, None, None),
        (None, None, None, None, None),
    ]


def test_a_cell_without_server_figures_reads_back_none(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, finished(cells[0]))
    store.save_cell(run_id, failed(cells[1]))
    plain, broken = store.load_run(run_id).results
    assert plain.timings == Timings(5.0, 20.0, 15.0, load_ms=None, server=None)
    assert broken.timings is None


def test_an_empty_server_timings_reads_back_as_none_and_a_partial_one_as_given(
    store: SqlRunStore,
) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    empty = replace(finished(cells[0]), timings=Timings(5.0, 20.0, 15.0, server=ServerTimings()))
    # Ollama gives eval counts even when the prompt came from its cache (no prompt figures).
    decode_only = replace(
        finished(cells[1]),
        timings=Timings(5.0, 20.0, 15.0, server=ServerTimings(decode_tokens=3, decode_ms=50.0)),
    )
    store.save_cell(run_id, empty)
    store.save_cell(run_id, decode_only)
    first, second = store.load_run(run_id).results
    assert first.timings == Timings(5.0, 20.0, 15.0, load_ms=None, server=None)
    assert second.timings == Timings(
        5.0, 20.0, 15.0, load_ms=None, server=ServerTimings(None, None, 3, 50.0)
    )


def test_a_cell_run_again_does_not_keep_its_earlier_figures(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, _measured(cells[0]))
    store.save_cell(run_id, finished(cells[0], "asked again of a hosted model"))
    (result,) = store.load_run(run_id).results
    assert result.output == "asked again of a hosted model"
    assert result.timings == Timings(5.0, 20.0, 15.0, load_ms=None, server=None)


# --- migrating -------------------------------------------------------------------------------


def test_a_0005_store_with_runs_is_backed_up_and_migrated_keeping_every_row(
    db_path: Path,
) -> None:
    old = older_stores.store_at(db_path, "0005")
    cells = plan()
    run_id = old.start_run(cells, {"concurrency": 2})
    older_stores.save_cell(old, run_id, finished(cells[0], "an aardvark answered"))
    older_stores.save_cell(old, run_id, failed(cells[1]))
    old.score_cell(run_id, 0, 4)
    old.close()
    old_columns = ", ".join(f'"{name}"' for name in _cells_columns(db_path))
    before = {"cells": _raw(db_path, old_columns), "runs": _raw(db_path, "*", "runs")}
    assert len(before["cells"]) == 4
    assert not set(_ADDED) & set(_cells_columns(db_path))
    assert _revision(db_path) == "0005"

    store = SqlRunStore.open(db_path)
    try:
        kept = store.load_run(run_id)
        assert [r.output for r in kept.results] == ["an aardvark answered", ""]
        assert kept.results[0].timings == Timings(5.0, 20.0, 15.0, load_ms=None, server=None)
        assert kept.missing == (cells[2], cells[3])
        assert [run.id for run in store.history(HistoryQuery(search="aardvark"))] == [run_id]
        # What 0006 adds works on the migrated store.
        store.save_cell(run_id, _measured(cells[2]))
        assert store.load_run(run_id).results[2] == _measured(cells[2])
    finally:
        store.close()
    assert _revision(db_path) == migrate.HEAD == "0006"
    after = _raw(db_path, old_columns)
    assert [after[0], after[1], after[3]] == [before["cells"][i] for i in (0, 1, 3)]
    assert _raw(db_path, "*", "runs") == before["runs"]
    assert _raw(db_path, ", ".join(_ADDED)) == [
        (None, None, None, None, None),
        (None, None, None, None, None),
        (800.0, 12, 40.0, 3, 50.0),
        (None, None, None, None, None),
    ]
    backup = db_path.with_name(f"{db_path.name}.bak-0005")
    assert _revision(backup) == "0005"
    assert _raw(backup, old_columns) == before["cells"]


def test_downgrade_to_0005_drops_the_columns_and_upgrade_brings_them_back(
    db_path: Path,
) -> None:
    store = SqlRunStore.open(db_path)
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, _measured(cells[0], "an aardvark answered"))
    store.close()
    kept_columns = ", ".join(f'"{n}"' for n in _cells_columns(db_path) if n not in _ADDED)
    before = _raw(db_path, kept_columns)

    config = Config()
    config.set_main_option("script_location", str(migrate.SCRIPTS))
    engine = create_engine(resolve(db_path).url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    engine.dispose()
    assert _revision(db_path) == "0005"
    assert not set(_ADDED) & set(_cells_columns(db_path))
    assert _raw(db_path, kept_columns) == before

    store = SqlRunStore.open(db_path)  # back to head, through the usual open
    try:
        assert _revision(db_path) == "0006"
        (result,) = store.load_run(run_id).results
        assert result.timings == Timings(900.0, 960.0, 60.0, load_ms=None, server=None)
        assert _raw(db_path, kept_columns) == before
        # The full-text triggers on cells survived both ways: a new output is found.
        store.save_cell(run_id, finished(cells[1], "a badger answered"))
        assert [run.id for run in store.history(HistoryQuery(search="badger"))] == [run_id]
    finally:
        store.close()


def test_a_local_models_price_per_hour_is_kept_with_its_cells(store: SqlRunStore) -> None:
    priced = ModelSpec("m1", api_base="http://127.0.0.1:9/v1", hourly_usd=1.8)
    other = ModelSpec("m2", api_base="http://127.0.0.1:9/v1")
    cells = build_plan([PROMPT], [priced, other], [{"who": "Ada"}])
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, finished(cells[0]))
    models = [r.cell.model for r in store.load_run(run_id).results]
    assert [m.hourly_usd for m in models] == [1.8]
    # Unpriced models are kept as before the field existed (their rows hash and read the same).
    assert "hourly_usd" not in str(_raw(Path(store.location), "model_options")[1])
