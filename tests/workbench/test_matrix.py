"""The matrix's figures against values worked out by hand."""

from __future__ import annotations

from tests.support.results import ended
from workbench.domain import (
    Cell,
    Message,
    ModelSpec,
    PromptTemplate,
)
from workbench.evaluation import CellVerdict, judge
from workbench.matrix import ColumnKey, build_matrix, paired_outcomes, trial_score
from workbench.plan import build_plan
from workbench.suite import Case, Check, Suite

A = PromptTemplate("a", (Message("user", "Say {{x}}"),))
B = PromptTemplate("b", (Message("user", "Shout {{x}}"),))
M = ModelSpec("m1")
CASES = (Case({"x": "one"}), Case({"x": "two"}))
SUITE = Suite("s", (A, B), (M,), CASES, (Check("icontains", "{{x}}"),))


def verdicts(outputs: dict[int, str | None]) -> tuple[list[Cell], list[CellVerdict]]:
    cells = build_plan(SUITE.prompts, SUITE.models, [c.vars for c in CASES], repeats=2)
    judged = []
    for cell in cells:
        output = outputs.get(cell.index)
        if cell.index not in outputs:
            continue
        made = ended(cell, output)
        case = cell.case_index or 0
        judged.append(judge(made, CASES[case], case + 1, SUITE))
    return cells, judged


def test_cells_group_repeats_and_count_distinct_outputs() -> None:
    # Plan order: prompt a: case 0 (r0, r1), case 1 (r0, r1); prompt b: the same, indexes 4..7.
    cells, judged = verdicts({0: "ONE", 1: "one!", 2: "nope", 3: None, 4: "one", 5: "one"})
    matrix = build_matrix(cells, judged)
    a, b = ColumnKey("a", "m1"), ColumnKey("b", "m1")
    assert matrix.rows == (0, 1)
    assert matrix.columns == (a, b)
    first = matrix.cell(0, a)
    assert (first.passed, first.failed, first.distinct_outputs, first.outcome) == (2, 0, 2, "pass")
    second = matrix.cell(1, a)
    assert (second.passed, second.failed, second.distinct_outputs, second.outcome) == (
        0,
        2,
        1,
        "fail",
    )
    assert matrix.cell(0, b).distinct_outputs == 1
    assert matrix.cell(1, b).outcome == ""  # nothing ended yet


def test_column_summary_by_hand() -> None:
    cells, judged = verdicts({0: "ONE", 1: "one!", 2: "nope", 3: None, 4: "one", 5: "one"})
    summary_a, summary_b = build_matrix(cells, judged).summaries
    # Column a: 4 trials, 2 passed, 1 error; Wilson 95% of 2/4 = (0.1500, 0.8500).
    assert (summary_a.trials, summary_a.passed, summary_a.errors) == (4, 2, 1)
    assert summary_a.pass_rate == 0.5
    low, high = summary_a.interval
    assert round(low, 4) == 0.1500 and round(high, 4) == 0.8500
    assert summary_a.mean_score == 0.5  # scores 1, 1, 0, 0
    assert summary_a.median_latency_ms == 100.0
    assert summary_a.median_ttft_ms == 25.0
    assert (summary_a.input_tokens, summary_a.output_tokens) == (30, 15)  # three answered calls
    assert summary_a.cost_usd is not None and round(summary_a.cost_usd, 6) == 0.03
    # Column b: 2 of 2 passed so far; Wilson 95% of 2/2 = (0.3424, 1.0).
    assert (summary_b.trials, summary_b.passed) == (2, 2)
    assert round(summary_b.interval[0], 4) == 0.3424


def test_unknown_cost_makes_the_total_unknown() -> None:
    cells = build_plan([A], [M], [{"x": "one"}])
    judged = [judge(ended(cells[0], "one", cost=None), CASES[0], 1, SUITE)]
    assert build_matrix(cells, judged).summaries[0].cost_usd is None


def test_filters_failing_and_differing_rows() -> None:
    cells, judged = verdicts(
        {0: "one", 1: "one", 2: "two", 3: "two", 4: "one", 5: "one", 6: "x", 7: "two"}
    )
    matrix = build_matrix(cells, judged)
    assert not matrix.failing(0) and not matrix.differs(0)
    assert matrix.failing(1) and matrix.differs(1)  # b fails case two once: pass vs mixed


def test_paired_outcomes_follow_case_and_repeat() -> None:
    cells, judged = verdicts({0: "one", 1: "x", 2: "two", 4: "one", 5: "one", 6: "two", 7: "y"})
    matrix = build_matrix(cells, judged)
    pairs = paired_outcomes(matrix, ColumnKey("a", "m1"), ColumnKey("b", "m1"))
    # case 0: r0 (T, T), r1 (F, T); case 1: r0 (T, T); r1 of a never ended: no pair.
    assert pairs == [(True, True), (False, True), (True, True)]


def test_trial_score_is_the_mean_of_check_scores() -> None:
    suite = Suite("s", (A,), (M,), CASES, (Check("icontains", "{{x}}"), Check("icontains", "zzz")))
    cell = build_plan([A], [M], [{"x": "one"}])[0]
    assert trial_score(judge(ended(cell, "one"), CASES[0], 1, suite)) == 0.5
    assert trial_score(judge(ended(cell, None), CASES[0], 1, suite)) == 0.0
