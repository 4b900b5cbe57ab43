"""The store from the command line: run keeps by default, history, show, export, cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from storage.errors import StoreError
from tests.integration.cli import workbench
from tests.storage.builders import plan
from tests.support.fake_openai import FakeOpenAIServer
from workbench.cli import main as cli_main
from workbench.cli import store_loader
from workbench.cli.session import Recording, run_cells
from workbench.domain import CellResult
from workbench.records import FIELDS
from workbench.runner import RunOptions
from workbench.store_api import RunStatus


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(models=("fake-a", "fake-b")) as running:
        yield running


def _run(server: FakeOpenAIServer, db: Path, *extra: str) -> str:
    proc = workbench(
        "run", "--prompt", "Name a {{thing}}", "--var", "thing=colour", "--model", "fake-a",
        "--model", "fake-b", "--api-base", server.base_url, "--db", db, *extra,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_run_keeps_history_and_show(server: FakeOpenAIServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert "kept as run 1" in _run(server, db)
    assert "kept as run" not in _run(server, db, "--no-store")
    _run(server, db, "--temperature", "0.5")
    listed = workbench("history", "--db", db, "--json")
    runs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["id"] for r in runs] == [2, 1]
    assert runs[0]["status"] == "finished" and runs[0]["models"] == ["fake-a", "fake-b"]
    assert workbench("history", "--db", db, "--model", "nope").stdout.strip() == "no runs match"
    found = workbench("history", "--db", db, "--search", "fake-b", "--limit", "1")
    assert found.returncode == 0 and "finished" in found.stdout
    shown = workbench("show", "1", "--db", db)
    assert "Reply from fake-a to: Name a colour" in shown.stdout
    records = [
        json.loads(line)
        for line in workbench("show", "1", "--db", db, "--json").stdout.splitlines()
    ]
    assert [tuple(r) for r in records] == [FIELDS, FIELDS]
    missing = workbench("show", "99", "--db", db)
    assert missing.returncode == 2 and "no run 99" in missing.stderr


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_export_results(server: FakeOpenAIServer, tmp_path: Path, suffix: str) -> None:
    db = tmp_path / "s.db"
    _run(server, db)
    out = tmp_path / f"out{suffix}"
    proc = workbench("export-results", "1", "--out", out, "--db", db)
    assert proc.returncode == 0, proc.stderr
    import pandas as pd  # heavy: only this test reads the files back

    if suffix == ".csv":
        frame = pd.read_csv(out)
    elif suffix == ".jsonl":
        frame = pd.read_json(out, lines=True)
    else:
        frame = pd.read_parquet(out)
    assert list(frame.columns) == list(FIELDS)
    assert sorted(frame["model"]) == ["fake-a", "fake-b"]


def test_cache_reuses_deterministic_answers_only(server: FakeOpenAIServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _run(server, db, "--temperature", "0")
    sent = server.request_count()
    stderr = _run(server, db, "--temperature", "0", "--cache")
    assert server.request_count() == sent  # nothing sent
    assert "2 cells reused" in stderr
    records = [
        json.loads(line)
        for line in workbench("show", "2", "--db", db, "--json").stdout.splitlines()
    ]
    assert all(r["cached"] and r["cost_usd"] == 0 for r in records)
    assert records[0]["output"] == "Reply from fake-a to: Name a colour"
    _run(server, db, "--temperature", "0.7", "--cache")  # sampling: never reused
    assert server.request_count() == sent + 2
    _run(server, db, "--temperature", "0.7", "--seed", "4", "--cache")
    _run(server, db, "--temperature", "0.7", "--seed", "4", "--cache")  # a seed makes it reusable
    assert server.request_count() == sent + 4


def test_the_core_runs_without_a_store(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(store_loader, "entry_points", lambda group: ())
    argv = ["run", "--prompt", "Hi", "--model", "fake-a", "--api-base", server.base_url]
    assert cli_main.main(argv) == 0
    assert "no store is installed: this run is not kept" in capsys.readouterr().err
    assert cli_main.main(["history"]) == 2
    assert "no experiment store is installed" in capsys.readouterr().err


class _FillingStore:
    """Takes one cell, then fails as a full disk does."""

    location = "/nowhere/workbench.db"

    def __init__(self) -> None:
        self.saved: list[int] = []
        self.finished = False

    def save_cell(self, run_id: int, result: CellResult) -> None:
        if self.saved:
            raise StoreError(f"the store {self.location}: the disk is full")
        self.saved.append(result.cell.index)

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        self.finished = True


def test_a_store_that_fails_mid_run_does_not_lose_the_run(
    server: FakeOpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = plan(models=("fake-a",), cases=3)
    cells = [replace(c, model=replace(c.model, api_base=server.base_url)) for c in cells]
    store = _FillingStore()
    recording = Recording(store, 1)  # type: ignore[arg-type]
    results = run_cells(cells, RunOptions(), None, total=3, recording=recording)
    assert sorted(r.cell.index for r in results) == [0, 1, 2]
    assert all(r.ok for r in results)
    assert len(store.saved) == 1 and not store.finished
    err = capsys.readouterr().err
    assert err.count("the disk is full; the rest of this run is not kept") == 1


def test_stats_per_prompt_version_and_model(server: FakeOpenAIServer, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _run(server, db)
    _run(server, db)
    proc = workbench("stats", "--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["prompt"], r["model"], r["runs"], r["cells"]) for r in rows] == [
        ("inline", "fake-a", 2, 2),
        ("inline", "fake-b", 2, 2),
    ]
    assert all(r["failure_rate"] == 0 and r["median_latency_ms"] > 0 for r in rows)
    table = workbench("stats", "--db", db, "--by-model", "--model", "fake-b")
    assert table.returncode == 0, table.stderr
    assert "fake-b" in table.stdout and "fake-a" not in table.stdout
