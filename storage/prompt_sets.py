"""Prompt sets in the store: imported suites, the latest prompt versions, run provenance.

Every function works on an open connection, so `SqlRunStore` can put a whole import in one
transaction: a set that fails part-way leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, update

from storage import queries, suite_codec, versions
from storage.provenance import FileStates
from storage.schema import CellRow, Prompt, PromptVersion, Run, RunSource
from storage.schema import Suite as SuiteRow
from workbench.domain import PromptTemplate
from workbench.prompt_set import PromptSet
from workbench.store_api import FileOutput


def save_sets(connection: Connection, sets: Iterable[PromptSet], now: str) -> list[str]:
    """Keep the prompts of every set, and each whole suite under its name (replacing it)."""
    names: list[str] = []
    for prompt_set in sets:
        queries.save_prompts(connection, prompt_set.suite.prompts, now)
        if not prompt_set.whole_suite:
            names.extend(p.name for p in prompt_set.suite.prompts)
            continue
        suite = prompt_set.suite
        values = {
            "document": suite_codec.document(suite, prompt_set.prompt_files),
            "files": dict(prompt_set.files),
            "source_path": str(prompt_set.root) if prompt_set.root else None,
            "updated_at": now,
        }
        updated = connection.execute(
            update(SuiteRow).where(SuiteRow.name == suite.name).values(**values)
        )
        if updated.rowcount == 0:
            connection.execute(insert(SuiteRow).values(name=suite.name, created_at=now, **values))
        names.append(suite.name)
    return names


def suite_names(connection: Connection) -> list[str]:
    """Kept suites, the most recently imported first."""
    rows = connection.execute(
        select(SuiteRow.name).order_by(SuiteRow.updated_at.desc(), SuiteRow.id.desc())
    )
    return [str(name) for name in rows.scalars()]


def load_set(connection: Connection, name: str) -> PromptSet | None:
    row = connection.execute(
        select(SuiteRow.document, SuiteRow.files, SuiteRow.source_path).where(SuiteRow.name == name)
    ).first()
    if row is None:
        return None
    ids = [p["version"] for p in row.document["prompts"]]
    prompts = {v: _version(connection, v) for v in ids}
    suite = suite_codec.suite_of(row.document, prompts)
    root = Path(row.source_path) if row.source_path else None
    return PromptSet(suite, suite_codec.prompt_files(row.document), dict(row.files), (), root)


def _version(connection: Connection, version_id: str) -> PromptTemplate:
    prompt = versions.load_prompt_version(connection, version_id)
    if prompt is None:
        raise LookupError(version_id)
    return prompt


def latest_prompts(connection: Connection, names: Sequence[str] | None) -> list[PromptTemplate]:
    """The newest version of each named prompt (of every prompt when `names` is None), by name."""
    newest = (
        select(func.max(PromptVersion.pk))
        .join(Prompt, Prompt.id == PromptVersion.prompt_id)
        .group_by(PromptVersion.prompt_id)
    )
    query = (
        select(PromptVersion.id, Prompt.name)
        .join(Prompt, Prompt.id == PromptVersion.prompt_id)
        .where(PromptVersion.pk.in_(newest))
        .order_by(Prompt.name)
    )
    if names is not None:
        query = query.where(Prompt.name.in_(list(names)))
    return [_version(connection, version_id) for version_id, _ in connection.execute(query)]


def record_sources(
    connection: Connection,
    run_id: int,
    prompts: Iterable[PromptTemplate],
    ids: dict[str, int],
    states: FileStates,
) -> None:
    """Where each prompt of a run was read from, as git sees the file now."""
    rows = []
    for prompt in {p.name: p for p in prompts if p.source_path}.values():
        state = states.of(str(prompt.source_path))
        if state is None:
            continue
        rows.append(
            {
                "run_id": run_id,
                "prompt_id": ids[prompt.name],
                "source_path": state.path,
                "repo_path": state.repo,
                "repo_commit": state.commit,
                "dirty": state.dirty,
                "blob": state.blob,
            }
        )
    if rows:
        connection.execute(insert(RunSource), rows)


def outputs_of_blob(connection: Connection, blob: str, limit: int = 500) -> list[FileOutput]:
    """Every cell run from a file with these bytes, newest first."""
    rows = connection.execute(
        select(
            Run.id,
            Run.created_at,
            CellRow.index,
            Prompt.name,
            CellRow.model,
            CellRow.status,
            CellRow.output,
            RunSource.repo_commit,
            RunSource.dirty,
        )
        .join(Run, Run.id == RunSource.run_id)
        .join(
            CellRow,
            (CellRow.run_id == RunSource.run_id) & (CellRow.prompt_id == RunSource.prompt_id),
        )
        .join(Prompt, Prompt.id == RunSource.prompt_id)
        .where(RunSource.blob == blob)
        .order_by(Run.id.desc(), CellRow.index)
        .limit(limit)
    ).all()
    return [FileOutput(*row) for row in rows]
