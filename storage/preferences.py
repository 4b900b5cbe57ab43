"""Blind A/B preferences in the store, on an open connection.

A pair row keeps only which two cells were shown and the choice: each side's output, prompt and
model are read back from its cell, so they are never stored twice and never disagree with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, or_, select
from sqlalchemy.orm import aliased

from storage import codec
from storage.schema import CellRow, PreferenceRow, Prompt
from workbench.ratings import Choice, Preference, Side


def add(connection: Connection, preference: Preference, now: str) -> Preference:
    """Keep a pair whose two cells exist; the preference again, with its id and time."""
    choice = Choice(preference.choice)  # ValueError for anything but left, right or tie
    left, right = preference.left, preference.right
    if (left.run_id, left.cell) == (right.run_id, right.cell):
        raise ValueError(f"a preference compares two outputs, not cell {left.cell} with itself")
    inserted = connection.execute(
        insert(PreferenceRow).values(
            left_run_id=left.run_id,
            left_cell=left.cell,
            right_run_id=right.run_id,
            right_cell=right.cell,
            choice=choice.value,
            variables=dict(preference.variables),
            created_at=now,
        )
    )
    preference_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    return dataclasses.replace(preference, id=preference_id, created_at=now)


def listed(connection: Connection, run_ids: Sequence[int] | None) -> list[Preference]:
    """Oldest first; with `run_ids`, only pairs with a side in one of those runs."""
    query = _pairs().order_by(PreferenceRow.id)
    if run_ids is not None:
        ids = list(run_ids)
        query = query.where(
            or_(PreferenceRow.left_run_id.in_(ids), PreferenceRow.right_run_id.in_(ids))
        )
    return [
        Preference(
            left=_side(row, "left"),
            right=_side(row, "right"),
            choice=Choice(row.choice),
            variables=dict(row.variables),
            id=row.id,
            created_at=row.created_at,
        )
        for row in connection.execute(query).mappings()
    ]


def remove(connection: Connection, preference_id: int) -> bool:
    """Whether the pair existed (and so was deleted)."""
    result = connection.execute(delete(PreferenceRow).where(PreferenceRow.id == preference_id))
    return result.rowcount > 0


def _pairs() -> Select[Any]:
    """Each pair with the columns that rebuild both of its sides, in one query."""
    left, left_prompt = aliased(CellRow), aliased(Prompt)
    right, right_prompt = aliased(CellRow), aliased(Prompt)
    return (
        select(
            PreferenceRow.__table__,
            *_side_columns("left", left, left_prompt),
            *_side_columns("right", right, right_prompt),
        )
        .select_from(PreferenceRow)
        .join(
            left,
            (left.run_id == PreferenceRow.left_run_id) & (left.index == PreferenceRow.left_cell),
        )
        .join(left_prompt, left_prompt.id == left.prompt_id)
        .join(
            right,
            (right.run_id == PreferenceRow.right_run_id)
            & (right.index == PreferenceRow.right_cell),
        )
        .join(right_prompt, right_prompt.id == right.prompt_id)
    )


def _side_columns(side: str, cell: Any, prompt: Any) -> list[Any]:
    return [
        prompt.name.label(f"{side}_prompt"),
        cell.model.label(f"{side}_model"),
        cell.api_base.label(f"{side}_api_base"),
        cell.model_options.label(f"{side}_model_options"),
        cell.output.label(f"{side}_output"),
    ]


def _side(row: Any, side: str) -> Side:
    model = codec.model_of(
        row[f"{side}_model"], row[f"{side}_api_base"], row[f"{side}_model_options"]
    )
    return Side(
        run_id=row[f"{side}_run_id"],
        cell=row[f"{side}_cell"],
        prompt=row[f"{side}_prompt"],
        model=model.label,
        output=row[f"{side}_output"],
    )
