"""Scores, blind A/B preferences, model judgements, a run's suite and output-length history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from storage.errors import StoreError
from storage.marks import CellMark
from storage.run_store import SqlRunStore
from tests.storage.builders import PROMPT, failed, finished, plan
from workbench.checks import Verdict
from workbench.domain import (
    CellResult,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    TokensSource,
    Usage,
    UserPrice,
)
from workbench.judgements import Judgement
from workbench.ratings import Choice, Preference, Side
from workbench.suite import Case, Check, Suite

OTHER = PromptTemplate(
    "summarise",
    (Message("user", "Summarise {{who}}"),),
    params=ModelParams(temperature=0.3, max_tokens=50),
)


def _with_tokens(result: CellResult, output_tokens: int) -> CellResult:
    return replace(result, usage=Usage(12, output_tokens, TokensSource.REPORTED))


# --- scores ----------------------------------------------------------------------------------


def test_scores_are_kept_per_cell_beside_ratings_and_notes(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(), {})
    store.score_cell(run_id, 0, 4)
    store.score_cell(run_id, 1, 5)
    store.rate_cell(run_id, 1, -1)
    store.note_cell(run_id, 2, "odd")
    assert store.cell_marks(run_id) == {
        0: CellMark(None, None, 4),
        1: CellMark(-1, None, 5),
        2: CellMark(None, "odd", None),
    }
    store.score_cell(run_id, 0, None)
    store.score_cell(run_id, 1, 1)
    assert store.cell_marks(run_id) == {1: CellMark(-1, None, 1), 2: CellMark(None, "odd", None)}


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_a_score_is_one_to_five_or_none(store: SqlRunStore, score: int) -> None:
    run_id = store.start_run(plan(), {})
    with pytest.raises(ValueError, match="score"):
        store.score_cell(run_id, 0, score)
    assert store.cell_marks(run_id) == {}


def test_scoring_a_missing_cell_names_it(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(cases=1, models=("m1",)), {})
    with pytest.raises(StoreError, match=f"run {run_id} has no cell 3"):
        store.score_cell(run_id, 3, 2)


# --- preferences -----------------------------------------------------------------------------


def _two_runs(store: SqlRunStore) -> tuple[int, int]:
    """Run A: greet x (m1, m2) x 1 case; run B: summarise x m3 x 2 cases; all finished."""
    first = plan(models=("m1", "m2"), cases=1)
    run_a = store.start_run(first, {})
    store.save_cell(run_a, finished(first[0], "hello from m1"))
    store.save_cell(run_a, finished(first[1], "hello from m2"))
    second = plan(OTHER, models=("m3",), cases=2)
    run_b = store.start_run(second, {})
    store.save_cell(run_b, finished(second[0], "summary zero"))
    store.save_cell(run_b, finished(second[1], "summary one"))
    return run_a, run_b


def test_preferences_across_two_runs_come_back_from_the_cells(store: SqlRunStore) -> None:
    run_a, run_b = _two_runs(store)
    across = Preference(
        left=Side(run_b, 0, "summarise", "m3", "summary zero"),
        right=Side(run_a, 1, "greet", "m2", "hello from m2"),
        choice=Choice.RIGHT,
        variables={"who": "person 0"},
    )
    stored = store.add_preference(across)
    assert stored.id is not None
    assert stored.created_at is not None and stored.created_at.endswith("+00:00")
    assert replace(stored, id=None, created_at=None) == across

    within = store.add_preference(
        Preference(
            left=Side(run_a, 0, "greet", "m1", "hello from m1"),
            right=Side(run_a, 1, "greet", "m2", "hello from m2"),
            choice=Choice.TIE,
            variables={"who": "person 0"},
        )
    )
    assert store.preferences() == [stored, within]  # oldest first
    assert store.preferences([run_a]) == [stored, within]
    assert store.preferences([run_b]) == [stored]
    assert store.preferences([run_b + 1]) == []
    assert store.preferences([]) == []


def test_a_preference_keeps_only_which_cells_were_shown(store: SqlRunStore) -> None:
    """What the sides said when added is not kept: prompt, model and output are the cells'."""
    run_a, run_b = _two_runs(store)
    stored = store.add_preference(
        Preference(
            left=Side(run_a, 0, "?", "?", "?"),
            right=Side(run_b, 1, "?", "?", "?"),
            choice="left",  # type: ignore[arg-type]  # a plain string, as a form gives it
            variables={"who": "person 1"},
        )
    )
    (read,) = store.preferences()
    assert read.left == Side(run_a, 0, "greet", "m1", "hello from m1")
    assert read.right == Side(run_b, 1, "summarise", "m3", "summary one")
    assert read.choice is Choice.LEFT
    assert (read.id, read.created_at, read.variables) == (
        stored.id,
        stored.created_at,
        {"who": "person 1"},
    )


def test_deleting_a_preference_undoes_it(store: SqlRunStore) -> None:
    run_a, run_b = _two_runs(store)
    first = store.add_preference(
        Preference(Side(run_a, 0, "", "", ""), Side(run_b, 0, "", "", ""), Choice.LEFT, {})
    )
    second = store.add_preference(
        Preference(Side(run_a, 1, "", "", ""), Side(run_b, 1, "", "", ""), Choice.RIGHT, {})
    )
    assert first.id is not None
    store.delete_preference(first.id)
    assert [p.id for p in store.preferences()] == [second.id]
    with pytest.raises(StoreError, match=f"no preference {first.id}"):
        store.delete_preference(first.id)


def test_a_preference_needs_two_kept_cells(store: SqlRunStore) -> None:
    run_a, _ = _two_runs(store)
    kept = Side(run_a, 0, "greet", "m1", "hello from m1")
    with pytest.raises(StoreError, match=f"run {run_a} has no cell 9"):
        store.add_preference(Preference(kept, Side(run_a, 9, "", "", ""), Choice.TIE, {}))
    with pytest.raises(ValueError, match="two outputs"):
        store.add_preference(Preference(kept, kept, Choice.TIE, {}))
    with pytest.raises(ValueError, match="sideways"):
        store.add_preference(
            Preference(kept, Side(run_a, 1, "", "", ""), "sideways", {})  # type: ignore[arg-type]
        )
    assert store.preferences() == []


# --- judgements ------------------------------------------------------------------------------

RUBRIC = Check("llm-rubric", "is polite", 0.7, provider="openai/gpt-4o-mini")
LENGTH = Check("llm-rubric", {"rubric": "short", "max_words": 20}, None)


def _judgement(cell: int, position: int, check: Check, passed: bool, score: float) -> Judgement:
    reason = "polite enough" if passed else "curt"
    raw = f'{{"pass": {str(passed).lower()}, "score": {score}, "reason": "{reason}"}}'
    return Judgement(cell, position, Verdict(check, passed, score, reason), "judge-model", raw)


def test_judgements_come_back_by_cell_then_position(store: SqlRunStore) -> None:
    cells = plan()
    run_id = store.start_run(cells, {})
    later = _judgement(1, 0, RUBRIC, False, 0.2)
    second = _judgement(0, 1, LENGTH, True, 1.0)
    first = _judgement(0, 0, RUBRIC, True, 0.75)
    for judgement in (later, second, first):
        store.save_judgement(run_id, judgement)
    assert store.judgements(run_id) == [first, second, later]
    assert store.judgements(run_id + 1) == []


def test_a_judgement_again_replaces_the_earlier_one(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(), {})
    store.save_judgement(run_id, _judgement(0, 0, RUBRIC, True, 0.75))
    again = replace(_judgement(0, 0, RUBRIC, False, 0.5), model="other-judge")
    store.save_judgement(run_id, again)
    assert store.judgements(run_id) == [again]


def test_judging_a_missing_cell_names_it(store: SqlRunStore) -> None:
    run_id = store.start_run(plan(cases=1, models=("m1",)), {})
    with pytest.raises(StoreError, match=f"run {run_id} has no cell 4"):
        store.save_judgement(run_id, _judgement(4, 0, RUBRIC, True, 1.0))
    assert store.judgements(run_id) == []


# --- a run's suite ---------------------------------------------------------------------------

SUITE = Suite(
    name="greetings",
    prompts=(PROMPT, OTHER),
    models=(
        ModelSpec("m1", api_base="http://127.0.0.1:9/v1"),
        ModelSpec(
            "gpt-4o-mini",
            params=ModelParams(temperature=0.5),
            transport="litellm",
            price=UserPrice(0.15, 0.6),
            api_key_name="OPENAI_API_KEY",
        ),
    ),
    cases=(
        Case({"who": "Ada"}, (Check("contains", "Ada"),), "by name"),
        Case({"who": "Bo"}),
    ),
    checks=(
        Check("llm-rubric", "is polite", 0.7),
        Check("not-icontains", "sorry"),
        Check("latency", None, 1500.0),
    ),
    description="kind greetings",
    cases_file="cases.csv",
)


def test_a_run_keeps_the_suite_it_was_judged_with(db_path: Path) -> None:
    store = SqlRunStore.open(db_path)
    run_id = store.start_run(plan(), {})
    other_run = store.start_run(plan(), {})
    assert store.run_suite(run_id) is None
    store.set_run_suite(run_id, replace(SUITE, checks=()))
    store.set_run_suite(run_id, SUITE)  # replaces the first
    store.close()
    reopened = SqlRunStore.open(db_path)
    try:
        assert reopened.run_suite(run_id) == SUITE
        assert reopened.run_suite(other_run) is None
        assert reopened.run_suite(999) is None
    finally:
        reopened.close()


def test_a_suite_for_a_missing_run_is_refused(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="no run 42"):
        store.set_run_suite(42, SUITE)
    assert store.latest_prompts() == []  # nothing of it was kept


# --- output-length history -------------------------------------------------------------------


def test_output_history_is_the_mean_of_each_models_latest_answers(store: SqlRunStore) -> None:
    cells = plan(models=("m1", "m2"), cases=3)  # by index: m1, m2, m1, m2, m1, m2
    run_id = store.start_run(cells, {})
    for index, tokens in ((0, 10), (2, 20), (4, 60), (1, 7)):  # m1 oldest first, then m2
        store.save_cell(run_id, _with_tokens(finished(cells[index]), tokens))
    store.save_cell(run_id, failed(cells[3]))
    store.save_cell(run_id, replace(_with_tokens(finished(cells[5]), 1000), cached=True))
    later = plan(models=("m9",), cases=1)
    store.start_run(later, {})  # m9: planned, never answered

    # m1: (10 + 20 + 60) / 3 = 30; m2: 7 (the failed and the cached cells do not count).
    assert store.output_tokens_history(["m1", "m2", "m9", "m0"]) == {"m1": 30.0, "m2": 7.0}
    # The two latest m1 answers: (20 + 60) / 2 = 40.
    assert store.output_tokens_history(["m1"], last=2) == {"m1": 40.0}
    assert store.output_tokens_history(["m1"], last=1) == {"m1": 60.0}
    assert store.output_tokens_history([]) == {}
    with pytest.raises(ValueError, match="last"):
        store.output_tokens_history(["m1"], last=0)


def test_output_history_spans_runs(store: SqlRunStore) -> None:
    first = plan(models=("m1",), cases=1)
    second = plan(OTHER, models=("m1",), cases=2)
    run_a = store.start_run(first, {})
    store.save_cell(run_a, _with_tokens(finished(first[0]), 4))
    run_b = store.start_run(second, {})
    store.save_cell(run_b, _with_tokens(finished(second[0]), 5))
    store.save_cell(run_b, _with_tokens(finished(second[1]), 9))
    # (4 + 5 + 9) / 3 = 6; the latest two: (5 + 9) / 2 = 7.
    assert store.output_tokens_history(["m1"]) == {"m1": 6.0}
    assert store.output_tokens_history(["m1"], last=2) == {"m1": 7.0}
