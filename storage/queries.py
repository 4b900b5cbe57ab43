"""The store's reads and its prompt-version writes, on an open connection.

History lists runs newest first with their counts; search goes through the FTS5 indexes; medians
are computed in Python over one narrow query, since SQLite has no median aggregate.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, case, cast, func, insert, or_, select, text
from sqlalchemy.orm import Session

from storage import codec
from storage.provenance import FileStates
from storage.schema import CellRow, Prompt, PromptVersion, Run
from workbench.domain import Cell, PromptTemplate
from workbench.store_api import Aggregate, HistoryQuery, RunInfo, RunStatus, StoredRun


def save_prompts(
    connection: Connection,
    prompts: Iterable[PromptTemplate],
    created_at: str,
    states: FileStates | None = None,
) -> dict[str, int]:
    """Prompt ids by name; new versions are added, each knowing its prompt's previous one."""
    states = states or FileStates()
    ids: dict[str, int] = {}
    for prompt in {p.name: p for p in prompts}.values():
        prompt_id = connection.execute(select(Prompt.id).where(Prompt.name == prompt.name)).scalar()
        if prompt_id is None:
            inserted = connection.execute(
                insert(Prompt).values(name=prompt.name, created_at=created_at)
            )
            prompt_id = inserted.inserted_primary_key[0]  # type: ignore[index]
        ids[prompt.name] = prompt_id
        version = codec.version_id(prompt)
        if connection.execute(select(PromptVersion.pk).where(PromptVersion.id == version)).first():
            continue
        parent = connection.execute(
            select(PromptVersion.id)
            .where(PromptVersion.prompt_id == prompt_id)
            .order_by(PromptVersion.pk.desc())
            .limit(1)
        ).scalar()
        connection.execute(
            insert(PromptVersion).values(
                id=version,
                prompt_id=prompt_id,
                parent_id=parent,
                messages=codec.messages_json(prompt.messages),
                params=codec.params_json(prompt.params),
                text=codec.prompt_text(prompt),
                description=prompt.description,
                defaults=dict(prompt.defaults),
                source_path=prompt.source_path,
                # Only when set: rows of plain prompts look as they did before 0004.
                **({"meta": dict(prompt.meta)} if prompt.meta else {}),
                created_at=created_at,
                **states.provenance(prompt.source_path),
            )
        )
    return ids


def fts_query(words: str) -> str:
    """User text as an FTS5 query: each word quoted, so punctuation and operators stay literal,
    and matched as a prefix, so a search box finds "lighthouse" while "lightho" is typed (and
    closer to the substring match other databases get)."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words.split())


def search_cells(search: str, dialect: str = "sqlite") -> Select[Any]:
    """Run ids of cells whose output or prompt text matches (FTS5 words; elsewhere a substring)."""
    if dialect != "sqlite":
        pattern = f"%{search}%"
        texts = select(PromptVersion.id).where(PromptVersion.text.ilike(pattern))
        return select(CellRow.run_id).where(
            or_(CellRow.output.ilike(pattern), CellRow.prompt_version_id.in_(texts))
        )
    query = fts_query(search)
    outputs = select(text("rowid")).select_from(text("cells_fts")).where(text("cells_fts MATCH :q"))
    versions = select(PromptVersion.id).where(
        PromptVersion.pk.in_(
            select(text("rowid"))
            .select_from(text("prompt_versions_fts"))
            .where(text("prompt_versions_fts MATCH :q").bindparams(q=query))
        )
    )
    return (
        select(CellRow.run_id)
        .where(or_(CellRow.id.in_(outputs), CellRow.prompt_version_id.in_(versions)))
        .params(q=query)
    )


def history(connection: Connection, query: HistoryQuery) -> list[RunInfo]:
    runs = select(Run.id, Run.created_at, Run.status).order_by(Run.id.desc()).limit(query.limit)
    if query.status is not None:
        runs = runs.where(Run.status == query.status)
    if query.since is not None:
        runs = runs.where(Run.created_at >= query.since)
    if query.model is not None:
        runs = runs.where(Run.id.in_(select(CellRow.run_id).where(CellRow.model == query.model)))
    if query.prompt is not None:
        named = select(Prompt.id).where(Prompt.name == query.prompt)
        runs = runs.where(Run.id.in_(select(CellRow.run_id).where(CellRow.prompt_id.in_(named))))
    if query.search:
        runs = runs.where(Run.id.in_(search_cells(query.search, connection.dialect.name)))
    rows = connection.execute(runs).all()
    return _infos(connection, [(r.id, r.created_at, r.status) for r in rows])


def _infos(connection: Connection, runs: Sequence[tuple[int, str, str]]) -> list[RunInfo]:
    ids = [run_id for run_id, _, _ in runs]
    counts = {
        row.run_id: row
        for row in connection.execute(
            select(
                CellRow.run_id,
                func.count().label("cells"),
                func.sum(case((CellRow.status == "finished", 1), else_=0)).label("finished"),
                func.sum(case((CellRow.status == "failed", 1), else_=0)).label("failed"),
                func.sum(CellRow.cost_usd).label("cost"),
                func.sum(
                    case(((CellRow.status == "finished") & CellRow.cost_usd.is_(None), 1), else_=0)
                ).label("unpriced"),
            )
            .where(CellRow.run_id.in_(ids))
            .group_by(CellRow.run_id)
        )
    }
    names: dict[int, tuple[set[str], set[str]]] = {run_id: (set(), set()) for run_id in ids}
    for row in connection.execute(
        select(CellRow.run_id, Prompt.name, CellRow.model)
        .join(Prompt, Prompt.id == CellRow.prompt_id)
        .where(CellRow.run_id.in_(ids))
        .distinct()
    ):
        names[row.run_id][0].add(row.name)
        names[row.run_id][1].add(row.model)
    infos = []
    for run_id, created_at, status in runs:
        count = counts.get(run_id)
        infos.append(
            RunInfo(
                id=run_id,
                created_at=created_at,
                status=RunStatus(status),
                cells=count.cells if count else 0,
                finished=count.finished if count else 0,
                failed=count.failed if count else 0,
                prompts=tuple(sorted(names[run_id][0])),
                models=tuple(sorted(names[run_id][1])),
                cost_usd=None if count is None or count.unpriced else (count.cost or 0.0),
            )
        )
    return infos


def load_run(connection: Connection, run_id: int) -> StoredRun | None:
    session = Session(bind=connection)
    run = session.get(Run, run_id)
    if run is None:
        return None
    (info,) = _infos(connection, [(run.id, run.created_at, run.status)])
    rows = session.execute(
        select(CellRow, Prompt.name, PromptVersion)
        .join(Prompt, Prompt.id == CellRow.prompt_id)
        .join(PromptVersion, PromptVersion.id == CellRow.prompt_version_id)
        .where(CellRow.run_id == run_id)
        .order_by(CellRow.index)
    ).all()
    results, missing = [], []
    for row in rows:
        cell_row: CellRow = row.CellRow
        cell = _cell(cell_row, row.name, row.PromptVersion)
        if cell_row.status == "pending":
            missing.append(cell)
        else:
            results.append(codec.result_of(cell, _columns(cell_row)))
    return StoredRun(info, dict(run.options), tuple(results), tuple(missing))


def _columns(row: CellRow) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in CellRow.__table__.columns}


def _cell(row: CellRow, name: str, version: PromptVersion) -> Cell:
    prompt = codec.prompt_of(
        name,
        version.messages,
        version.params,
        description=version.description,
        defaults=version.defaults,
        meta=version.meta,
        source_path=version.source_path,
    )
    return Cell(
        index=row.index,
        prompt=prompt,
        model=codec.model_of(row.model, row.api_base, row.model_options),
        variables=dict(row.variables),
        messages=codec.messages_of(row.messages),
        repeat=row.repeat,
        case_index=row.case_index,
    )


def aggregates(connection: Connection, *, by_version: bool) -> list[Aggregate]:
    """One grouped query over the covering index; the timings of each group come back as one
    string (group_concat), which is far cheaper than a row per cell when there are 100,000."""
    keys = [CellRow.prompt_version_id, CellRow.model] if by_version else [CellRow.model]
    ok = CellRow.status == "finished"

    def timings(column: Any) -> Any:
        return func.aggregate_strings(cast(case((ok, column)), String), ",")

    rows = connection.execute(
        select(
            *keys,
            func.count(func.distinct(CellRow.run_id)).label("runs"),
            func.count().label("cells"),
            func.coalesce(func.sum(CellRow.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(CellRow.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(CellRow.cost_usd), 0.0).label("cost"),
            func.sum(case((CellRow.status == "failed", 1), else_=0)).label("failed"),
            timings(CellRow.latency_ms).label("latencies"),
            timings(CellRow.ttft_ms).label("ttfts"),
        )
        .where(CellRow.status.in_(("finished", "failed")))
        .group_by(*keys)
    ).all()
    names = _prompt_names(connection, {row.prompt_version_id for row in rows}) if by_version else {}
    return [
        Aggregate(
            prompt_version_id=row.prompt_version_id if by_version else None,
            prompt=names.get(row.prompt_version_id) if by_version else None,
            model=row.model,
            runs=row.runs,
            cells=row.cells,
            median_latency_ms=_median(row.latencies),
            median_ttft_ms=_median(row.ttfts),
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
            cost_usd=row.cost,
            failure_rate=row.failed / row.cells if row.cells else 0.0,
        )
        for row in rows
    ]


def _prompt_names(connection: Connection, version_ids: set[str]) -> dict[str, str]:
    """Names for a few version ids in one query: cheaper than joining every cell to them."""
    rows = connection.execute(
        select(PromptVersion.id, Prompt.name)
        .join(Prompt, Prompt.id == PromptVersion.prompt_id)
        .where(PromptVersion.id.in_(version_ids))
    ).all()
    return {str(version): str(name) for version, name in rows}


def _median(joined: str | None) -> float | None:
    return statistics.median(map(float, joined.split(","))) if joined else None


def output_tokens_history(
    connection: Connection, models: Sequence[str], last: int
) -> dict[str, float]:
    """Mean output tokens of each model's `last` most recently ended cells that were answered
    (finished, not cached: a cached cell repeats another's count). Models with none are left out.
    """
    recent = (
        select(
            CellRow.model,
            CellRow.output_tokens,
            func.row_number()
            .over(partition_by=CellRow.model, order_by=(CellRow.ended_at.desc(), CellRow.id.desc()))
            .label("recency"),
        )
        .where(
            CellRow.model.in_(list(models)),
            CellRow.status == "finished",
            CellRow.cached.is_(False),
            CellRow.output_tokens.is_not(None),
        )
        .subquery()
    )
    rows = connection.execute(
        select(recent.c.model, func.avg(recent.c.output_tokens))
        .where(recent.c.recency <= last)
        .group_by(recent.c.model)
    )
    return {str(model): float(mean) for model, mean in rows}
