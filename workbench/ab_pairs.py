"""Which pairs of outputs a person judges blind: same case, two columns, in random order and sides.

A pair shows two outputs for one input without their prompt or model; the person picks the
better one (`ratings.Preference`) and the scoreboard ranks the columns from those choices. Order
and sides are shuffled so that neither the plan's column order nor the screen position tells
which column an output came from.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.evaluation import CellVerdict
from workbench.matrix import ColumnKey, Matrix, MatrixCell
from workbench.ratings import Preference, Side


@dataclass(frozen=True, slots=True)
class PairToJudge:
    """Two outputs for one case, `left` and `right` as they are to be shown."""

    left: Side
    right: Side
    variables: dict[str, str]  # the input both outputs answered
    row: int  # the case (matrix row)


def pairs_to_judge(
    matrix: Matrix,
    run_id: int,
    rng: random.Random,
    judged: Sequence[Preference] = (),
    repeat: int = 0,
) -> list[PairToJudge]:
    """Every pair of columns on every case, once, in a random order with random sides.

    Each column contributes its successful trial of `repeat`, or its first successful trial when
    that repeat failed or is missing; a column with no successful trial on a case is left out
    of that case. Pairs already in `judged` (the same two cells, either way round) are left out,
    and so are pairs whose two outputs are the same text: there is nothing to prefer. The same
    seed gives the same list.
    """
    seen = {_pair_key(p.left, p.right) for p in judged}
    pairs: list[PairToJudge] = []
    for row in matrix.rows:
        for first, second in itertools.combinations(matrix.columns, 2):
            a = _trial(matrix.cell(row, first), repeat)
            b = _trial(matrix.cell(row, second), repeat)
            if a is None or b is None or a.result.output == b.result.output:
                continue
            left, right = _side(a, first, run_id), _side(b, second, run_id)
            if _pair_key(left, right) in seen:
                continue
            pairs.append(PairToJudge(left, right, _shared_variables(a, b), row))
    rng.shuffle(pairs)
    return [_swapped(pair) if rng.random() < 0.5 else pair for pair in pairs]


def _trial(cell: MatrixCell, repeat: int) -> CellVerdict | None:
    ok = [t for t in cell.trials if t.result.ok]
    wanted = [t for t in ok if t.result.cell.repeat == repeat]
    if wanted:
        return wanted[0]
    return ok[0] if ok else None


def _side(trial: CellVerdict, column: ColumnKey, run_id: int) -> Side:
    return Side(run_id, trial.result.cell.index, column.prompt, column.model, trial.result.output)


def _pair_key(left: Side, right: Side) -> frozenset[tuple[int, int]]:
    return frozenset({(left.run_id, left.cell), (right.run_id, right.cell)})


def _shared_variables(a: CellVerdict, b: CellVerdict) -> dict[str, str]:
    """The variables both cells were given alike.

    A cell's variables include its prompt's defaults, which differ between prompts: showing one
    prompt's defaults would hint at which prompt wrote which output.
    """
    theirs = b.result.cell.variables
    return {
        name: value for name, value in a.result.cell.variables.items() if theirs.get(name) == value
    }


def _swapped(pair: PairToJudge) -> PairToJudge:
    return PairToJudge(pair.right, pair.left, pair.variables, pair.row)


__all__ = ["PairToJudge", "pairs_to_judge"]
