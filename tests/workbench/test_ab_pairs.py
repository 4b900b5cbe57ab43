"""Which pairs a person judges blind: coverage, what is left out, and seeded shuffling."""

from __future__ import annotations

import random

from workbench.ab_pairs import PairToJudge, pairs_to_judge
from workbench.domain import (
    Cell,
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelSpec,
    PromptTemplate,
)
from workbench.evaluation import CellVerdict
from workbench.matrix import Matrix, build_matrix
from workbench.plan import build_plan
from workbench.ratings import Choice, Preference, Side
from workbench.suite import Case

A = PromptTemplate("a", (Message("user", "Say {{x}}"),), defaults={"tone": "dry"})
B = PromptTemplate("b", (Message("user", "Shout {{x}}"),))
C = PromptTemplate("c", (Message("user", "Sing {{x}}"),))
M = ModelSpec("m1")
CASES = (Case({"x": "one"}), Case({"x": "two"}))
RUN = 7

# Plan order, two repeats each: prompt a: case 0 (cells 0, 1), case 1 (2, 3); prompt b: 4..7;
# prompt c: 8..11. Column of a cell: index // 4; case: index % 4 // 2; repeat: index % 2.
CELLS = build_plan((A, B, C), (M,), [case.vars for case in CASES], repeats=2)


def trial(cell: Cell, output: str | None) -> CellVerdict:
    """A judged trial with no checks; None makes a failed call."""
    made = CellResult(
        cell=cell,
        output=output or "",
        finish_reason=None if output is None else "stop",
        usage=None,
        cost=Cost(None, CostSource.UNKNOWN),
        timings=None,
        attempts=1,
        error=CellError("server_error", "boom", True) if output is None else None,
    )
    case = cell.case_index or 0
    return CellVerdict(made, CASES[case], case + 1, ())


def matrix(outputs: dict[int, str | None]) -> Matrix:
    return build_matrix(CELLS, [trial(CELLS[i], text) for i, text in outputs.items()])


def distinct() -> dict[int, str | None]:
    return {cell.index: f"output {cell.index}" for cell in CELLS}


def cells_of(pair: PairToJudge) -> frozenset[int]:
    return frozenset({pair.left.cell, pair.right.cell})


def test_every_case_gets_every_pair_of_columns_once_from_repeat_zero() -> None:
    pairs = pairs_to_judge(matrix(distinct()), RUN, random.Random(1))
    assert sorted(sorted(cells_of(p)) for p in pairs) == [
        [0, 4],
        [0, 8],
        [2, 6],
        [2, 10],
        [4, 8],
        [6, 10],
    ]
    by_cells = {cells_of(p): p for p in pairs}
    pair = by_cells[frozenset({2, 6})]
    assert pair.row == 1
    sides = {side.cell: side for side in (pair.left, pair.right)}
    assert sides[2] == Side(RUN, 2, "a", "m1", "output 2")
    assert sides[6] == Side(RUN, 6, "b", "m1", "output 6")


def test_variables_are_those_both_cells_were_given_alike() -> None:
    pairs = pairs_to_judge(matrix(distinct()), RUN, random.Random(1))
    by_cells = {cells_of(p): p for p in pairs}
    # Prompt a's default "tone" would tell which side prompt a wrote: only x is shown.
    assert by_cells[frozenset({0, 4})].variables == {"x": "one"}
    assert by_cells[frozenset({6, 10})].variables == {"x": "two"}


def test_another_repeat_is_asked_for_and_a_failed_one_falls_back() -> None:
    pairs = pairs_to_judge(matrix(distinct()), RUN, random.Random(1), repeat=1)
    assert {cells_of(p) for p in pairs} == {
        frozenset(s) for s in ({1, 5}, {1, 9}, {5, 9}, {3, 7}, {3, 11}, {7, 11})
    }

    outputs = distinct()
    outputs[0] = None  # a's repeat 0 of case 0 failed: its repeat 1 (cell 1) stands in
    outputs.pop(4)  # b's repeat 0 of case 0 never ended: cell 5
    outputs[10] = outputs[11] = None  # c has no successful trial of case 1: left out there
    pairs = pairs_to_judge(matrix(outputs), RUN, random.Random(1))
    assert {cells_of(p) for p in pairs} == {frozenset(s) for s in ({1, 5}, {1, 8}, {5, 8}, {2, 6})}


def test_judged_pairs_are_left_out_whichever_way_round_they_were_shown() -> None:
    judged = [
        Preference(
            left=Side(RUN, 4, "b", "m1", "output 4"),
            right=Side(RUN, 0, "a", "m1", "output 0"),
            choice=Choice.LEFT,
            variables={"x": "one"},
            id=3,
        ),
        Preference(
            left=Side(RUN, 2, "a", "m1", "output 2"),
            right=Side(RUN, 10, "c", "m1", "output 10"),
            choice=Choice.TIE,
            variables={"x": "two"},
        ),
        # The same cell numbers in another run are other outputs: not judged yet.
        Preference(
            left=Side(RUN + 1, 6, "b", "m1", "elsewhere"),
            right=Side(RUN + 1, 10, "c", "m1", "elsewhere too"),
            choice=Choice.RIGHT,
            variables={"x": "two"},
        ),
    ]
    pairs = pairs_to_judge(matrix(distinct()), RUN, random.Random(1), judged=judged)
    assert {cells_of(p) for p in pairs} == {frozenset(s) for s in ({0, 8}, {4, 8}, {2, 6}, {6, 10})}


def test_pairs_with_the_same_text_on_both_sides_are_left_out() -> None:
    outputs = distinct()
    outputs[0] = outputs[4] = "Hello"  # a and b agree on case 0; c differs
    outputs[6] = outputs[10] = outputs[2] = "Bye"  # all three agree on case 1
    pairs = pairs_to_judge(matrix(outputs), RUN, random.Random(1))
    assert {cells_of(p) for p in pairs} == {frozenset({0, 8}), frozenset({4, 8})}


def test_nothing_to_judge_in_an_empty_matrix() -> None:
    assert pairs_to_judge(matrix({}), RUN, random.Random(1)) == []


def test_the_same_seed_gives_the_same_order_and_sides() -> None:
    first = pairs_to_judge(matrix(distinct()), RUN, random.Random(42))
    again = pairs_to_judge(matrix(distinct()), RUN, random.Random(42))
    assert first == again


def test_order_and_sides_are_shuffled() -> None:
    plan_order = [(0, 4), (0, 8), (4, 8), (2, 6), (2, 10), (6, 10)]
    orders = set()
    sides_seen: dict[frozenset[int], set[tuple[int, int]]] = {}
    for seed in range(40):
        pairs = pairs_to_judge(matrix(distinct()), RUN, random.Random(seed))
        orders.add(tuple(cells_of(p) for p in pairs))
        for p in pairs:
            sides_seen.setdefault(cells_of(p), set()).add((p.left.cell, p.right.cell))
    assert len(orders) > 1
    # Over 40 seeds every pair has been shown both ways round (a miss has odds 2 ** -39).
    assert all(len(ways) == 2 for ways in sides_seen.values())
    assert len(sides_seen) == len(plan_order)
