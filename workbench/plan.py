"""A plan: prompts x models x variable sets x repeats, each combination one cell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workbench.domain import Cell, ModelSpec, PromptTemplate
from workbench.templating import render_messages


def build_plan(
    prompts: Sequence[PromptTemplate],
    models: Sequence[ModelSpec],
    variable_sets: Sequence[Mapping[str, str]] = ({},),
    repeats: int = 1,
) -> list[Cell]:
    """Every cell of the plan, rendered; a missing variable fails here, before any call is made.

    Variable sets are case rows; `case_index` is set when there is more than one.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    sets = list(variable_sets) or [{}]
    numbered = len(sets) > 1
    cells: list[Cell] = []
    for prompt in prompts:
        for case_index, variables in enumerate(sets):
            messages = render_messages(prompt, variables)
            used = {**prompt.defaults, **variables}
            for model in models:
                for repeat in range(repeats):
                    cells.append(
                        Cell(
                            index=len(cells),
                            prompt=prompt,
                            model=model,
                            variables=used,
                            messages=messages,
                            repeat=repeat,
                            case_index=case_index if numbered else None,
                        )
                    )
    return cells
