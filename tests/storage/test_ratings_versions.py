"""Ratings and notes on cells, and prompt versions listed, searched and loaded back."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.errors import StoreError
from storage.marks import CellMark
from storage.run_store import SqlRunStore
from tests.storage.builders import PROMPT, finished, plan
from workbench.domain import Message, ModelParams, PromptTemplate

OTHER = PromptTemplate(
    "summarise",
    (Message("user", "Summarise   the\nwombat report: {{text}}"),),
    description="short summaries",
    params=ModelParams(temperature=0.2, max_tokens=64, stop=("END",)),
    defaults={"text": "none"},
    source_path="prompts/summarise.prompty",
)


def test_ratings_and_notes_are_kept_per_cell(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, finished(cells[0]))
    store.rate_cell(run_id, 0, 1)
    store.rate_cell(run_id, 1, -1)
    store.note_cell(run_id, 1, "too long")
    store.note_cell(run_id, 2, "pending, but worth a look")
    assert store.cell_marks(run_id) == {
        0: CellMark(1, None),
        1: CellMark(-1, "too long"),
        2: CellMark(None, "pending, but worth a look"),
    }


def test_clearing_a_mark_drops_the_cell_from_the_marks(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(), {})
    store.rate_cell(run_id, 0, 1)
    store.note_cell(run_id, 0, "fine")
    store.rate_cell(run_id, 0, None)
    assert store.cell_marks(run_id) == {0: CellMark(None, "fine")}
    store.note_cell(run_id, 0, "   ")  # a cleared text box
    assert store.cell_marks(run_id) == {}


def test_marks_survive_reopening_and_leave_the_results_alone(db_path: Path) -> None:
    store = SqlRunStore.open(db_path)
    cells = plan()
    run_id = store.start_run(cells, {})
    store.save_cell(run_id, finished(cells[0]))
    before = store.load_run(run_id)
    store.rate_cell(run_id, 0, -1)
    store.close()
    reopened = SqlRunStore.open(db_path)
    try:
        assert reopened.cell_marks(run_id) == {0: CellMark(-1, None)}
        assert reopened.load_run(run_id) == before
    finally:
        reopened.close()


@pytest.mark.parametrize("rating", [0, 2, -2, True])
def test_a_rating_is_up_down_or_none(store: SqlRunStore, rating: int) -> None:
    run_id = store.start_run(plan(), {})
    with pytest.raises(ValueError, match="rating"):
        store.rate_cell(run_id, 0, rating)
    assert store.cell_marks(run_id) == {}


def test_marking_a_missing_cell_names_it(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(cases=1, models=("m1",)), {})
    with pytest.raises(StoreError, match=f"run {run_id} has no cell 7"):
        store.rate_cell(run_id, 7, 1)
    with pytest.raises(StoreError, match="run 999 has no cell 0"):
        store.note_cell(999, 0, "lost")
    assert store.cell_marks(999) == {}


def test_prompt_versions_newest_first_with_their_runs(store: SqlRunStore) -> None:
    first = store.save_prompt(PROMPT)
    store.start_run(plan(), {})
    store.start_run(plan(), {})
    second = store.save_prompt(OTHER)
    versions = store.prompt_versions()
    assert [(v.id, v.name, v.runs) for v in versions] == [
        (second, "summarise", 0),
        (first, "greet", 2),
    ]
    assert versions[0].preview == "Summarise the wombat report: {{text}}"
    assert versions[1].preview == "Be kind Hello {{who}}"
    assert versions[0].created_at >= versions[1].created_at


def test_a_long_prompt_has_a_short_preview(store: SqlRunStore) -> None:
    long = PromptTemplate("long", (Message("user", "word " * 500),))
    store.save_prompt(long)
    (version,) = store.prompt_versions()
    assert len(version.preview) == 120
    assert version.preview.endswith("…")


def test_prompt_versions_search_text_and_name(store: SqlRunStore) -> None:
    greet = store.save_prompt(PROMPT)
    summarise = store.save_prompt(OTHER)
    assert [v.id for v in store.prompt_versions(search="wombat")] == [summarise]
    assert [v.id for v in store.prompt_versions(search="kind")] == [greet]
    assert [v.id for v in store.prompt_versions(search="summar")] == [summarise]  # by name
    assert store.prompt_versions(search="aardvark") == []
    assert store.prompt_versions(search='"(* -') == []  # operators stay literal
    assert len(store.prompt_versions(search="   ")) == 2  # blank is no filter


def test_prompt_versions_of_one_name_and_limited(store: SqlRunStore) -> None:
    store.save_prompt(PROMPT)
    edited = PromptTemplate("greet", (Message("user", "Hi {{who}}"),))
    newest = store.save_prompt(edited)
    store.save_prompt(OTHER)
    greets = store.prompt_versions(name="greet")
    assert [v.name for v in greets] == ["greet", "greet"]
    assert greets[0].id == newest
    assert len(store.prompt_versions(limit=1)) == 1


def test_a_version_loads_back_as_the_prompt_saved(store: SqlRunStore) -> None:
    version = store.save_prompt(OTHER)
    assert store.load_prompt_version(version) == OTHER
    store.start_run(plan(), {})
    (greet,) = store.prompt_versions(name="greet")
    assert store.load_prompt_version(greet.id) == PROMPT


def test_loading_a_missing_version_names_it(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="no prompt version 0123456789ab"):
        store.load_prompt_version("0123456789abcdef" * 4)
