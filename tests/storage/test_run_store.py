"""The store's repository: domain types in, the same domain types out."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.run_store import SqlRunStore
from tests.storage.builders import PROMPT, failed, finished, plan
from workbench.domain import Message, ModelParams, PromptTemplate
from workbench.prompty import load_prompty
from workbench.store_api import HistoryQuery, RunStatus


def test_a_run_round_trips_cells_and_results(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {"concurrency": 3})
    store.save_cell(run_id, finished(cells[0]))
    store.save_cell(run_id, failed(cells[2]))
    stored = store.load_run(run_id)
    assert stored.results == (finished(cells[0]), failed(cells[2]))
    assert stored.missing == (cells[1], cells[3])
    assert stored.options == {"concurrency": 3}
    assert stored.info.status is RunStatus.RUNNING
    assert (stored.info.cells, stored.info.finished, stored.info.failed) == (4, 1, 1)
    store.finish_run(run_id, RunStatus.FINISHED)
    assert store.load_run(run_id).info.status is RunStatus.FINISHED


def test_prompt_versions_are_content_addressed_with_parents(store: SqlRunStore) -> None:
    first = store.save_prompt(PROMPT)
    assert store.save_prompt(PROMPT) == first  # same text, same version
    edited = PromptTemplate("greet", (Message("user", "Hi {{who}}"),), params=PROMPT.params)
    second = store.save_prompt(edited)
    assert second != first
    warmer = PromptTemplate("greet", PROMPT.messages, params=ModelParams(temperature=0.7))
    assert store.save_prompt(warmer) not in (first, second)  # parameters are part of a version
    with contextlib.closing(sqlite3.connect(store.location)) as db:
        rows = db.execute("SELECT id, parent_id FROM prompt_versions ORDER BY pk").fetchall()
    assert rows[0] == (first, None)
    assert rows[1] == (second, first)


def test_cache_finds_only_finished_identical_calls(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    assert store.find_cached(cells[0]) is None  # pending is not an answer
    store.save_cell(run_id, finished(cells[0], "kept answer"))
    store.save_cell(run_id, failed(cells[1]))
    hit = store.find_cached(cells[0])
    assert hit is not None and hit.cached and hit.output == "kept answer"
    assert hit.cost.usd == 0 and hit.cost.source.value == "cached"
    assert store.find_cached(cells[1]) is None  # a failure is never reused
    assert store.find_cached(cells[2]) is None  # other variables, other messages


def test_history_filters_by_prompt_model_text_and_status(store: SqlRunStore) -> None:
    first = store.start_run(plan(models=("m1",)), {})
    other = PromptTemplate("summarise", (Message("user", "Summarise {{who}}"),))
    second_cells = plan(other, models=("m2",))
    second = store.start_run(second_cells, {})
    store.save_cell(second, finished(second_cells[0], "zebras everywhere"))
    store.finish_run(first, RunStatus.FINISHED)

    def ids(**query: object) -> list[int]:
        return [run.id for run in store.history(HistoryQuery(**query))]  # type: ignore[arg-type]

    assert ids() == [second, first]
    assert ids(limit=1) == [second]
    assert ids(model="m1") == [first]
    assert ids(prompt="summarise") == [second]
    assert ids(search="zebras") == [second]
    assert ids(search="zeb") == [second]  # words match as typed, by prefix
    assert ids(search="ebras") == []  # but not from the middle
    assert ids(search="Summarise") == [second]  # prompt text is searched too
    assert ids(search='kind" OR "x') == []  # user text is never FTS syntax
    assert ids(status=RunStatus.FINISHED) == [first]
    assert ids(since="2999-01-01") == []


def test_aggregates_per_version_and_model(store: SqlRunStore) -> None:
    cells = plan(cases=3)
    run_id = store.start_run(cells, {})
    for cell, latency in zip(cells[:3], (10.0, 30.0, 20.0), strict=True):
        store.save_cell(run_id, finished(cell, latency=latency))
    store.save_cell(run_id, failed(cells[3]))
    by_model = {a.model: a for a in store.aggregates(by_version=False)}
    m1 = by_model["m1"]
    assert (m1.runs, m1.cells, m1.median_latency_ms, m1.failure_rate) == (1, 2, 15.0, 0.0)
    assert by_model["m2"].failure_rate == 0.5
    assert round(sum(a.cost_usd for a in by_model.values()), 6) == 0.003
    assert {a.prompt_version_id for a in store.aggregates()} != {None}


def test_drafts_autosave_by_key(store: SqlRunStore) -> None:
    assert store.load_draft("tab-1") is None
    store.save_draft("tab-1", "first words")
    store.save_draft("tab-1", "first words, more")
    assert store.load_draft("tab-1") == "first words, more"


def test_a_dead_process_run_is_found_interrupted(db_path: Path) -> None:
    store = SqlRunStore.open(db_path)
    mine = store.start_run(plan(), {})
    store.close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(dead.stdout), mine))
        gone = db.execute(
            "INSERT INTO runs (created_at, status, options, pid, host) "
            "SELECT created_at, status, options, ?, host FROM runs WHERE id = ?",
            (os.getpid(), mine),
        ).lastrowid
    store = SqlRunStore.open(db_path)
    try:
        assert store.load_run(mine).info.status is RunStatus.INTERRUPTED
        assert gone is not None
        assert store.load_run(gone).info.status is RunStatus.RUNNING  # this process lives
    finally:
        store.close()


def test_a_prompt_from_a_git_repo_keeps_its_commit_and_file_hash(
    store: SqlRunStore, tmp_path: Path
) -> None:
    repo = tmp_path / "prompts"
    repo.mkdir()
    prompt_file = repo / "greet.prompty"
    prompt_file.write_text("user:\nHello {{who}}\n", encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    store.save_prompt(load_prompty(prompt_file))
    store.save_prompt(PromptTemplate("inline", (Message("user", "no file"),)))
    with contextlib.closing(sqlite3.connect(store.location)) as db:
        rows = db.execute(
            "SELECT repo_path, repo_commit, file_hash FROM prompt_versions ORDER BY pk"
        ).fetchall()
    assert rows[0] == (
        str(repo.resolve()),
        head,
        hashlib.sha256(prompt_file.read_bytes()).hexdigest(),
    )
    assert rows[1] == (None, None, None)
