"""What a person marks on a cell: thumbs up or down, a 1-5 score and a note, in the cell's row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, or_, select, update

from storage.schema import CellRow

RATINGS = (1, -1)  # thumbs up, thumbs down; None clears


@dataclass(frozen=True, slots=True)
class CellMark:
    rating: int | None  # +1, -1 or None
    note: str | None
    score: int | None = None  # 1..5 or None


def check_rating(rating: int | None) -> None:
    # bool is an int subclass: True would pass as +1 without this check.
    if rating is not None and (isinstance(rating, bool) or rating not in RATINGS):
        raise ValueError(f"a rating is +1, -1 or None, not {rating!r}")


def clean_note(note: str | None) -> str | None:
    """A note of only whitespace is no note (a cleared text box)."""
    return note if note is not None and note.strip() else None


def set_mark(connection: Connection, run_id: int, index: int, **values: object) -> bool:
    """Whether the cell exists (and so was updated)."""
    result = connection.execute(
        update(CellRow).where(CellRow.run_id == run_id, CellRow.index == index).values(**values)
    )
    return result.rowcount > 0


def has_cell(connection: Connection, run_id: int, index: int) -> bool:
    query = select(CellRow.id).where(CellRow.run_id == run_id, CellRow.index == index)
    return connection.execute(query).first() is not None


def cell_marks(connection: Connection, run_id: int) -> dict[int, CellMark]:
    """Marks by cell index; cells with no rating, score or note are left out."""
    marked = or_(CellRow.rating.is_not(None), CellRow.note.is_not(None), CellRow.score.is_not(None))
    rows = connection.execute(
        select(CellRow.index, CellRow.rating, CellRow.note, CellRow.score).where(
            CellRow.run_id == run_id, marked
        )
    )
    return {index: CellMark(rating, note, score) for index, rating, note, score in rows}
