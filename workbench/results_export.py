"""A judged run's results as files: CSV, JSONL, Parquet, an HTML report, and preference pairs.

Each row starts from `records.to_record` (the same field names, which scripts already read) and
adds what judging and people added: the case, pass/fail, score, each check's verdict, and marks.
Every file is written whole to a temporary file beside the target and then moved over it, so a
failed export never leaves half a file where a good one was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import UsageError
from workbench.evaluation import CellVerdict
from workbench.matrix import Matrix, column_of, row_of, trial_score
from workbench.ratings import Choice, Mark, Preference, Side
from workbench.records import FIELDS, to_record
from workbench.report_html import render_report
from workbench.suite import Case

EXPORT_FORMATS = ("csv", "jsonl", "parquet", "html")
RESULT_FIELDS = (
    *FIELDS,
    "case_number",
    "description",
    "column",
    "passed",
    "score",
    "checks",
    "pending_checks",
    "rating",
    "human_score",
    "note",
)
# Parquet column types (pandas' nullable dtypes); "json" columns hold compact JSON text.
_PARQUET_TYPES: dict[str, str] = {
    **dict.fromkeys(
        ("repeat", "input_tokens", "output_tokens", "attempts", "case", "cell"), "Int64"
    ),
    **dict.fromkeys(("case_number", "pending_checks", "rating", "human_score"), "Int64"),
    **dict.fromkeys(("server_prompt_tokens", "server_decode_tokens"), "Int64"),
    **dict.fromkeys(("load_ms", "server_prompt_ms", "server_decode_ms"), "Float64"),
    **dict.fromkeys(("prefill_tokens_per_s", "decode_tokens_per_s"), "Float64"),
    **dict.fromkeys(
        ("cost_usd", "ttft_ms", "latency_ms", "output_tokens_per_s", "score"), "Float64"
    ),
    **dict.fromkeys(("cached", "passed"), "boolean"),
    **dict.fromkeys(("vars", "error", "messages", "checks"), "json"),
}


def result_rows(
    matrix: Matrix,
    marks: Mapping[int, Mark] | None = None,
    cases: Sequence[Case] | None = None,
) -> list[dict[str, Any]]:
    """One row per ended trial, in plan order; `marks` by cell index, `cases` by case index."""
    trials = sorted(
        (trial for cell in matrix.cells.values() for trial in cell.trials),
        key=lambda t: t.result.cell.index,
    )
    return [_row(trial, (marks or {}).get(trial.result.cell.index), cases) for trial in trials]


def _row(trial: CellVerdict, mark: Mark | None, cases: Sequence[Case] | None) -> dict[str, Any]:
    cell = trial.result.cell
    row = row_of(cell)
    case = cases[row] if cases is not None and row < len(cases) else trial.case
    return {
        **to_record(trial.result),
        "case_number": trial.case_number,
        "description": case.description,
        "column": column_of(cell).label,
        "passed": trial.passed,
        "score": trial_score(trial),
        "checks": [
            {
                "type": v.check.type,
                "value": v.check.value,
                "threshold": v.check.threshold,
                "passed": v.passed,
                "score": v.score,
                "reason": v.reason,
            }
            for v in trial.verdicts
        ],
        "pending_checks": len(trial.pending),
        "rating": mark.rating if mark else None,
        "human_score": mark.score if mark else None,
        "note": mark.note if mark else None,
    }


def export_results(
    path: Path,
    matrix: Matrix,
    *,
    marks: Mapping[int, Mark] | None = None,
    cases: Sequence[Case] | None = None,
    title: str = "Prompt Workbench report",
    fmt: str | None = None,
    generated_at: str | None = None,
) -> Path:
    """Write the results as `fmt` (else as the path's suffix says) and return the path."""
    chosen = _format_of(path, fmt)
    if chosen == "html":
        stamp = generated_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        text = render_report(matrix, marks, cases, title, stamp)
        _write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
        return path
    rows = result_rows(matrix, marks, cases)
    if chosen == "parquet":
        _write_atomically(path, lambda target: _write_parquet(target, rows))
    else:
        text = _csv_text(rows) if chosen == "csv" else "".join(_json(r) + "\n" for r in rows)
        _write_atomically(
            path, lambda target: target.write_text(text, encoding="utf-8", newline="")
        )
    return path


def _format_of(path: Path, fmt: str | None) -> str:
    choices = ", ".join(EXPORT_FORMATS)
    if fmt is not None:
        if fmt.lower() not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {fmt!r}: choose one of {choices}")
        return fmt.lower()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in EXPORT_FORMATS:
        shown = f"suffix {path.suffix!r}" if path.suffix else "no suffix"
        raise UsageError(f"{path}: {shown} names no export format; use one of {choices}")
    return suffix


def _json(value: Any) -> str:
    # A check's value comes from YAML, which may hold a date: written as its text.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _csv_text(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESULT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _flat(value) for key, value in row.items()})
    return buffer.getvalue()


def _flat(value: Any) -> Any:
    """A CSV cell: nested values as compact JSON, None as empty (as `records` writes them)."""
    if isinstance(value, dict | list):
        return _json(value)
    return "" if value is None else value


def _write_parquet(target: Path, rows: Sequence[dict[str, Any]]) -> None:
    import pandas as pd

    columns: dict[str, Any] = {}
    for field in RESULT_FIELDS:
        values = [row[field] for row in rows]
        kind = _PARQUET_TYPES.get(field, "string")
        if kind == "json":
            values = [None if v is None else _json(v) for v in values]
            kind = "string"
        columns[field] = pd.array(values, dtype=kind)
    pd.DataFrame(columns).to_parquet(target, engine="pyarrow", index=False)


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write` fills a temporary file in the target's folder, which then replaces the target.

    The temporary name is unique (two exports to one path never share it) and the file is made
    by `write` itself, so it gets the usual permissions rather than a private temp file's.
    """
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        write(partial)
        partial.replace(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def preference_record(preference: Preference) -> dict[str, Any]:
    """One pair in the shape preference-tuning tools read (prompt/chosen/rejected style)."""
    chosen, rejected = {
        Choice.LEFT: (preference.left.output, preference.right.output),
        Choice.RIGHT: (preference.right.output, preference.left.output),
        Choice.TIE: (None, None),
    }[preference.choice]
    return {
        "id": preference.id,
        "created_at": preference.created_at,
        "variables": dict(preference.variables),
        "left": _side(preference.left),
        "right": _side(preference.right),
        "choice": preference.choice.value,
        "chosen": chosen,
        "rejected": rejected,
    }


def _side(side: Side) -> dict[str, Any]:
    return {
        "run_id": side.run_id,
        "cell": side.cell,
        "prompt": side.prompt,
        "model": side.model,
        "output": side.output,
    }


def export_preferences(path: Path, preferences: Sequence[Preference]) -> Path:
    """The preferences as JSONL, one pair per line, in the order given."""
    text = "".join(_json(preference_record(p)) + "\n" for p in preferences)
    _write_atomically(path, lambda target: target.write_text(text, encoding="utf-8", newline=""))
    return path
