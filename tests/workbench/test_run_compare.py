"""Two runs compared case by case and column by column, against values worked out by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.support.results import ended
from workbench.domain import (
    Message,
    ModelSpec,
    PromptTemplate,
)
from workbench.evaluation import judge
from workbench.matrix import ColumnKey, ColumnSummary, Matrix, build_matrix
from workbench.plan import build_plan
from workbench.run_compare import Change, column_verdict, compare_runs
from workbench.stats import MCNEMAR
from workbench.suite import Case, Check, Suite

P = PromptTemplate("p", (Message("user", "Say {{x}}"),))
Q = PromptTemplate("q", (Message("user", "Shout {{x}}"),))
M = ModelSpec("m1")
PM, QM = ColumnKey("p", "m1"), ColumnKey("q", "m1")
MENTIONS_X = (Check("icontains", "{{x}}"),)

# (prompt name, the case's x) -> each repeat's output; None is a failed call.
Outputs = Mapping[tuple[str, str], Sequence[str | None]]


def run(
    xs: Sequence[str],
    outputs: Outputs,
    prompts: tuple[PromptTemplate, ...] = (P,),
    checks: tuple[Check, ...] = MENTIONS_X,
) -> tuple[Matrix, list[dict[str, str]]]:
    """A run's matrix over cases {"x": each of `xs`}, and its cases in row order."""
    variable_sets = [{"x": x} for x in xs]
    cases = tuple(Case(v) for v in variable_sets)
    suite = Suite("s", prompts, (M,), cases, checks)
    repeats = max(len(trials) for trials in outputs.values())
    cells = build_plan(prompts, (M,), variable_sets, repeats)
    judged = []
    for cell in cells:
        trials = outputs.get((cell.prompt.name, cell.variables["x"]), ())
        if cell.repeat >= len(trials):
            continue  # not ended
        row = cell.case_index or 0
        judged.append(judge(ended(cell, trials[cell.repeat]), cases[row], row + 1, suite))
    return build_matrix(cells, judged), variable_sets


def test_cases_match_by_variables_when_reordered_added_and_dropped() -> None:
    before, before_cases = run(
        ["one", "two", "three"],
        {("p", "one"): ["one"], ("p", "two"): ["two"], ("p", "three"): ["nope"]},
    )
    after, after_cases = run(
        ["three", "one", "four"],
        {("p", "three"): ["three"], ("p", "one"): ["one"], ("p", "four"): ["four"]},
    )
    comparison = compare_runs(before, after, before_cases, after_cases)
    found = [
        (
            c.variables["x"],
            c.change,
            c.before.row if c.before else None,
            c.after.row if c.after else None,
        )
        for c in comparison.cases
    ]
    # The later run's order, then what it dropped.
    assert found == [
        ("three", Change.BETTER, 2, 0),
        ("one", Change.SAME, 0, 1),
        ("four", Change.NEW, None, 2),
        ("two", Change.GONE, 1, None),
    ]
    assert [c.variables for c in comparison.improved()] == [{"x": "three"}]
    assert comparison.regressed() == []
    (column,) = comparison.columns
    assert (column.column, column.better, column.worse) == (PM, 1, 0)


def test_every_kind_of_change() -> None:
    xs = ["better", "worse", "same", "changed", "fixed", "flaky", "error"]
    before, cases = run(
        xs,
        {
            ("p", "better"): ["nope", "nope"],
            ("p", "worse"): ["worse", "worse"],
            ("p", "same"): ["same", "same"],
            ("p", "changed"): ["changed", "changed"],
            ("p", "fixed"): ["fixed", "nope"],  # 1 of 2 ...
            ("p", "flaky"): ["flaky", "nope"],  # 1 of 2 ...
            ("p", "error"): [None, None],
        },
    )
    after, _ = run(
        xs,
        {
            ("p", "better"): ["better", "nope"],  # 0 of 2 -> 1 of 2
            ("p", "worse"): ["worse", "nope"],  # 2 of 2 -> 1 of 2
            ("p", "same"): ["same", "same"],
            ("p", "changed"): ["CHANGED!", "changed"],  # still passes, reads differently
            ("p", "fixed"): ["fixed", "fixed"],  # ... -> 2 of 2
            ("p", "flaky"): ["nope", "flaky"],  # ... -> 1 of 2 again, other repeat
            ("p", "error"): ["nope", None],  # fails either way, with an output now
        },
    )
    changes = {c.variables["x"]: c.change for c in compare_runs(before, after, cases, cases).cases}
    assert changes == {
        "better": Change.BETTER,
        "worse": Change.WORSE,
        "same": Change.SAME,
        "changed": Change.CHANGED,
        "fixed": Change.BETTER,
        "flaky": Change.CHANGED,
        "error": Change.CHANGED,
    }


def test_equal_pass_fractions_are_decided_by_the_mean_score() -> None:
    # Two checks: "x" mentioned and "yes" said. "nope" scores 0, "one" 0.5 (fails "yes"),
    # "one yes" 1. 1 of 2 repeats passing equals 2 of 4.
    checks = (*MENTIONS_X, Check("icontains", "yes"))
    before, cases = run(
        ["one", "two"],
        {("p", "one"): ["nope"], ("p", "two"): ["two yes", "two", "two yes", "two"]},
        checks=checks,
    )
    after, _ = run(
        ["one", "two"],
        {("p", "one"): ["one"], ("p", "two"): ["two yes", "nope"]},
        checks=checks,
    )
    comparison = compare_runs(before, after, cases, cases)
    # one: fails both times, score 0 -> 0.5. two: passes half both times, score 0.75 -> 0.5.
    assert [(c.variables["x"], c.change) for c in comparison.cases] == [
        ("one", Change.BETTER),
        ("two", Change.WORSE),
    ]
    (column,) = comparison.columns
    assert (column.better, column.worse) == (1, 1)


def test_column_difference_is_exact_mcnemar_over_shared_cases() -> None:
    # Six cases fail before and pass after; two pass in both; "gone" only before.
    fixed = [f"case{n}" for n in range(6)]
    xs = [*fixed, "kept1", "kept2"]
    outputs: dict[tuple[str, str], list[str | None]] = {("p", x): ["nope"] for x in fixed}
    outputs |= {("p", "kept1"): ["kept1"], ("p", "kept2"): ["kept2"], ("p", "gone"): ["nope"]}
    before, before_cases = run([*xs, "gone"], outputs)
    after, after_cases = run(xs, {("p", x): [x] for x in xs})
    (column,) = compare_runs(before, after, before_cases, after_cases).columns
    assert (column.better, column.worse) == (6, 0)
    difference = column.difference
    assert difference is not None
    # 0 against 6 discordant: p = 2 * (1/2)^6 = 2/64.
    assert difference.p_value == pytest.approx(0.03125, abs=1e-12)
    assert difference.test == MCNEMAR
    assert (difference.trials_a, difference.rate_a, difference.rate_b) == (8, 0.25, 1.0)
    assert difference.significant
    assert column.sentence("before", "after") == (
        "after passes 100% vs 25% for before: significant (p = 0.031, McNemar exact, 8 pairs)"
    )
    # The summaries are each run's own: 2 of 9 trials before, 8 of 8 after.
    assert column.before is not None and column.after is not None
    assert (column.before.passed, column.before.trials) == (2, 9)
    assert (column.after.passed, column.after.trials) == (8, 8)


def test_a_case_passes_the_paired_test_only_when_all_its_trials_pass() -> None:
    xs = ["one", "two", "three", "four", "five"]
    before, cases = run(xs, {("p", x): [x, "nope"] for x in xs})  # each passes 1 of 2
    after, _ = run(xs, {("p", x): [x, x] for x in xs})
    (column,) = compare_runs(before, after, cases, cases).columns
    difference = column.difference
    assert difference is not None
    # Five pairs (fail, pass): p = 2/32 = 0.0625, and no outcome of 5 pairs is significant.
    assert (difference.rate_a, difference.rate_b) == (0.0, 1.0)
    assert difference.p_value == pytest.approx(0.0625, abs=1e-12)
    assert not difference.decidable
    assert column.sentence("v1", "v2").startswith("v2 passes 100% vs 0% for v1: too few to tell")


def test_columns_match_by_key_and_new_or_gone_ones_have_no_test() -> None:
    before, cases = run(["one"], {("p", "one"): ["one"], ("q", "one"): ["one"]}, prompts=(P, Q))
    other = PromptTemplate("r", (Message("user", "Whisper {{x}}"),))
    after, _ = run(["one"], {("r", "one"): ["one"], ("p", "one"): ["nope"]}, prompts=(other, P))
    comparison = compare_runs(before, after, cases, cases)
    rm = ColumnKey("r", "m1")
    assert [(c.column, c.change) for c in comparison.cases] == [
        (rm, Change.NEW),
        (PM, Change.WORSE),
        (QM, Change.GONE),
    ]
    by_column = {c.column: c for c in comparison.columns}
    assert list(by_column) == [rm, PM, QM]
    assert by_column[rm].before is None and by_column[rm].difference is None
    assert by_column[rm].sentence("run 1", "run 2") == "only in run 2: nothing to compare"
    assert by_column[QM].after is None
    assert by_column[QM].sentence("run 1", "run 2") == "only in run 1: nothing to compare"
    assert by_column[PM].worse == 1


def test_repeated_variable_sets_match_in_order() -> None:
    before, before_cases = run(["same", "same"], {("p", "same"): ["same"]})
    after, after_cases = run(["other", "same", "same"], {("p", "same"): ["same"]})
    found = [
        (c.before.row if c.before else None, c.after.row if c.after else None)
        for c in compare_runs(before, after, before_cases, after_cases).cases
    ]
    # "other" never ended in the later run: it has no trials on either side and is not listed.
    assert found == [(0, 1), (1, 2)]


def test_a_row_without_its_case_is_refused() -> None:
    before, cases = run(["one", "two"], {("p", "one"): ["one"]})
    with pytest.raises(ValueError, match="row 1 has no case: 1 cases given"):
        compare_runs(before, before, cases[:1], cases)


def summary(column: ColumnKey, passed: int, trials: int) -> ColumnSummary:
    return ColumnSummary(
        column=column,
        trials=trials,
        passed=passed,
        errors=0,
        interval=(0.0, 1.0),
        mean_score=None,
        median_latency_ms=None,
        median_ttft_ms=None,
        input_tokens=0,
        output_tokens=0,
        tokens_estimated=False,
        cost_usd=None,
    )


def test_column_verdict_paired_when_pairs_are_given() -> None:
    pairs = [(False, True)] * 6 + [(True, True)] * 2
    assert column_verdict(summary(PM, 2, 8), summary(QM, 8, 8), pairs) == (
        "q × m1 passes 100% vs 25% for p × m1: significant (p = 0.031, McNemar exact, 8 pairs)"
    )


def test_column_verdict_unpaired_falls_back_to_fisher() -> None:
    # 0 of 4 against 4 of 4: p = 2 / C(8, 4) = 2/70 = 0.0286.
    assert column_verdict(summary(PM, 0, 4), summary(QM, 4, 4), (), "old", "new") == (
        "new passes 100% vs 0% for old: significant (p = 0.029, Fisher exact, 4 trials each)"
    )
    # 0 of 3 against 3 of 3: p = 2 / C(6, 3) = 0.1, and no 3-vs-3 outcome does better.
    assert column_verdict(summary(PM, 0, 3), summary(QM, 3, 3), ()) == (
        "q × m1 passes 100% vs 0% for p × m1: too few to tell at 3 trials each "
        "(p = 0.1, Fisher exact; no outcome at this size reaches p < 0.05)"
    )
    assert column_verdict(summary(PM, 0, 0), summary(QM, 3, 3), ()) == (
        "nothing to compare: no trials ended for p × m1"
    )
