"""Prompt versions as the history lists them, and one version back as a prompt to edit.

Search goes through the FTS5 index over the versions' texts on SQLite (a substring elsewhere, as
run history does) and also matches the prompt's name, so typing a name finds its versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, text

from storage import codec
from storage.queries import fts_query
from storage.schema import CellRow, Prompt, PromptVersion
from workbench.domain import PromptTemplate

PREVIEW_CHARS = 120


@dataclass(frozen=True, slots=True)
class PromptVersionInfo:
    id: str  # the content hash
    name: str
    created_at: str  # ISO 8601, UTC
    preview: str  # the start of the messages' text, whitespace folded
    runs: int  # runs that used this version


def prompt_versions(
    connection: Connection, search: str | None, name: str | None, limit: int
) -> list[PromptVersionInfo]:
    query = (
        select(
            PromptVersion.id,
            Prompt.name,
            PromptVersion.created_at,
            # Enough text for a preview even after folding whitespace, never a whole long prompt.
            func.substr(PromptVersion.text, 1, PREVIEW_CHARS * 4).label("head"),
        )
        .join(Prompt, Prompt.id == PromptVersion.prompt_id)
        .order_by(PromptVersion.pk.desc())
        .limit(limit)
    )
    if name is not None:
        query = query.where(Prompt.name == name)
    if search and search.strip():
        query = query.where(_matching(search, connection.dialect.name))
    rows = connection.execute(query).all()
    runs = _run_counts(connection, [row.id for row in rows])
    return [
        PromptVersionInfo(
            id=row.id,
            name=row.name,
            created_at=row.created_at,
            preview=preview(row.head or ""),
            runs=runs.get(row.id, 0),
        )
        for row in rows
    ]


def _matching(search: str, dialect: str) -> Any:
    by_name = Prompt.name.ilike(_like(search), escape="\\")
    if dialect != "sqlite":
        return or_(by_name, PromptVersion.text.ilike(_like(search), escape="\\"))
    matched: Select[Any] = (
        select(text("rowid"))
        .select_from(text("prompt_versions_fts"))
        .where(text("prompt_versions_fts MATCH :q").bindparams(q=fts_query(search)))
    )
    return or_(by_name, PromptVersion.pk.in_(matched))


def _like(search: str) -> str:
    """A substring pattern in which the user's % and _ stay literal."""
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _run_counts(connection: Connection, version_ids: list[str]) -> dict[str, int]:
    """Distinct runs per version, for the listed versions only (served by an index on cells)."""
    if not version_ids:
        return {}
    rows = connection.execute(
        select(CellRow.prompt_version_id, func.count(func.distinct(CellRow.run_id)))
        .where(CellRow.prompt_version_id.in_(version_ids))
        .group_by(CellRow.prompt_version_id)
    ).all()
    return {str(version): int(count) for version, count in rows}


def preview(full: str) -> str:
    flat = " ".join(full.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def load_prompt_version(connection: Connection, version_id: str) -> PromptTemplate | None:
    row = connection.execute(
        select(
            Prompt.name,
            PromptVersion.messages,
            PromptVersion.params,
            PromptVersion.defaults,
            PromptVersion.description,
            PromptVersion.source_path,
            PromptVersion.meta,
        )
        .join(Prompt, Prompt.id == PromptVersion.prompt_id)
        .where(PromptVersion.id == version_id)
    ).first()
    if row is None:
        return None
    return codec.prompt_of(
        row.name,
        row.messages,
        row.params,
        description=row.description,
        defaults=row.defaults,
        meta=row.meta,
        source_path=row.source_path,
    )
