"""Model judgements of a run's cells, and the suite the run was judged with, on a connection.

A judgement is kept whole (verdict, judge model, raw reply) because asking the judge again costs
a call and may answer differently. The run's suite is kept as `suite_codec.document`; its
prompts go to `prompt_versions` like every other prompt, so the document names them by version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage import queries, suite_codec, versions
from storage.schema import JudgementRow, Run
from workbench.checks import Verdict
from workbench.judgements import Judgement
from workbench.suite import Check, Suite


def save(connection: Connection, run_id: int, judgement: Judgement, now: str) -> None:
    """Insert, or replace the verdict already kept for that cell and check position."""
    verdict = judgement.verdict
    values = {
        "check_json": check_json(verdict.check),
        "passed": verdict.passed,
        "score": verdict.score,
        "reason": verdict.reason,
        "model": judgement.model,
        "raw": judgement.raw,
        "created_at": now,
    }
    key = {"run_id": run_id, "cell": judgement.cell, "position": judgement.position}
    updated = connection.execute(
        update(JudgementRow)
        .where(
            JudgementRow.run_id == run_id,
            JudgementRow.cell == judgement.cell,
            JudgementRow.position == judgement.position,
        )
        .values(**values)
    )
    if updated.rowcount == 0:
        connection.execute(insert(JudgementRow).values(**key, **values))


def listed(connection: Connection, run_id: int) -> list[Judgement]:
    """A run's judgements by cell, then by check position."""
    rows = connection.execute(
        select(JudgementRow)
        .where(JudgementRow.run_id == run_id)
        .order_by(JudgementRow.cell, JudgementRow.position)
    ).mappings()
    return [
        Judgement(
            cell=row["cell"],
            position=row["position"],
            verdict=Verdict(
                check_of(row["check_json"]), bool(row["passed"]), row["score"], row["reason"]
            ),
            model=row["model"],
            raw=row["raw"],
        )
        for row in rows
    ]


def check_json(check: Check) -> dict[str, Any]:
    return {
        "type": check.type,
        "value": check.value,
        "threshold": check.threshold,
        "provider": check.provider,
    }


def check_of(data: Mapping[str, Any]) -> Check:
    return Check(data["type"], data.get("value"), data.get("threshold"), data.get("provider"))


def set_run_suite(connection: Connection, run_id: int, suite: Suite, now: str) -> bool:
    """Whether the run exists (and so now keeps the suite)."""
    queries.save_prompts(connection, suite.prompts, now)
    files = [p.source_path or "" for p in suite.prompts]
    document = suite_codec.document(suite, files)
    result = connection.execute(update(Run).where(Run.id == run_id).values(suite_json=document))
    return result.rowcount > 0


def run_suite(connection: Connection, run_id: int) -> Suite | None:
    document = connection.execute(select(Run.suite_json).where(Run.id == run_id)).scalar()
    if document is None:
        return None
    prompts = {}
    for entry in document["prompts"]:
        prompt = versions.load_prompt_version(connection, entry["version"])
        if prompt is None:  # versions are never deleted: a store edited by hand
            raise LookupError(f"run {run_id}'s suite names a missing prompt version")
        prompts[entry["version"]] = prompt
    return suite_codec.suite_of(document, prompts)
