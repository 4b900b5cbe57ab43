"""Test cases from files: one variable set per CSV row or JSONL line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from workbench.errors import UsageError
from workbench.textfiles import read_user_text


def load_cases(path: Path) -> list[dict[str, str]]:
    """Read cases; non-string JSON values become their JSON text (templates see strings)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".tsv"):
        raise UsageError(f"{path}: cases must be a .csv, .tsv or .jsonl file")
    text = read_user_text(path)
    cases = _from_jsonl(text, path) if suffix == ".jsonl" else _from_csv(text, path, suffix)
    if not cases:
        raise UsageError(f"{path}: no cases in the file")
    return cases


def _from_csv(text: str, path: Path, suffix: str) -> list[dict[str, str]]:
    # StringIO, not splitlines: a quoted field may hold newlines.
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ","
    )
    if not reader.fieldnames:
        return []
    blank = [i + 1 for i, name in enumerate(reader.fieldnames) if not (name or "").strip()]
    if blank:
        raise UsageError(f"{path}:1: column {blank[0]} has no name")
    cases: list[dict[str, str]] = []
    for row in reader:
        if None in row:
            raise UsageError(f"{path}:{reader.line_num}: more values than columns")
        cases.append({key.strip(): value or "" for key, value in row.items()})
    return cases


def _from_jsonl(text: str, path: Path) -> list[dict[str, str]]:
    cases: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: invalid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise UsageError(f"{path}:{number}: each line must be a JSON object of variables")
        cases.append(
            {
                str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for k, v in value.items()
            }
        )
    return cases
