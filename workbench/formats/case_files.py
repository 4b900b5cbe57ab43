"""Test cases in a file beside a suite: CSV, TSV or JSONL, with promptfoo's special columns.

A CSV row's columns are its variables, except promptfoo's: `__expected`, `__expected1`, ... hold
one-line assertions, `__description` the case's description, and
`__config:__expectedN:threshold` a threshold for the Nth of them; `__prefix`, `__suffix`,
`__metric`, `__threshold`, `__metadata:*` and `__providerOutput` are reported as not carried over.
A JSONL line is a promptfoo test object (`{"vars": ..., "assert": [...]}`) or a plain object of
variables.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from workbench.errors import UsageError
from workbench.formats.assertions import check_from_string, check_to_string, js_trim
from workbench.formats.promptfoo_tests import (
    TEST_FIELDS,
    cases_from_test,
    test_to_mapping,
    var_text,
)
from workbench.formats.promptfoo_yaml import Where
from workbench.suite import Case, Check
from workbench.textfiles import read_user_text

SUFFIXES = (".csv", ".tsv", ".jsonl")
_DROPPED_COLUMNS = ("__prefix", "__suffix", "__metric", "__threshold", "__providerOutput")
_CONFIG_COLUMN = re.compile(r"__config:(__expected\d*):threshold")


def read_case_file(path: Path) -> tuple[list[Case], list[str]]:
    """The cases in a .csv, .tsv or .jsonl file, and notes on what could not be carried."""
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"{path}: cases must be a .csv, .tsv or .jsonl file")
    return read_case_text(read_user_text(path), path)


def read_case_text(text: str, path: Path) -> tuple[list[Case], list[str]]:
    """The cases in a case file's text, already read (`path` names it and gives its kind)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{path}: cases must be a .csv, .tsv or .jsonl file")
    if not text.strip():
        raise UsageError(f"{path}: the file is empty")
    if suffix == ".jsonl":
        cases, notes = _from_jsonl(text, path)
    else:
        cases, notes = _from_csv(text, path, "\t" if suffix == ".tsv" else ",")
    if not cases:
        raise UsageError(f"{path}: no cases in the file")
    return cases, notes


def _records(text: str, path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted field may span lines)."""
    # strict: an unclosed quote is an error naming its line, not the rest of the file in one
    # value, and `"a"b` is refused rather than read as `ab` (promptfoo's csv-parse refuses both).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UsageError(f"{path}:{start}: {exc}") from exc
        if record:  # a blank line is no record
            yield start, record
        start = reader.line_num + 1


def _from_csv(text: str, path: Path, delimiter: str) -> tuple[list[Case], list[str]]:
    records = _records(text, path, delimiter)
    header_line, header = next(records, (1, []))
    columns = [name.strip() for name in header]
    notes: list[str] = []
    seen: set[str] = set()
    for number, name in enumerate(columns, start=1):
        if name in seen:
            raise UsageError(f"{path}:{header_line}: column {name!r} appears twice")
        seen.add(name)
        if not name:
            notes.append(f"{path}:{header_line}: column {number} has no name; not carried over")
    cases: list[Case] = []
    dropped: set[str] = set()
    for line, record in records:
        if len(record) > len(columns):
            raise UsageError(f"{path}:{line}: more values than columns ({len(columns)})")
        row = dict(zip(columns, [*record, *[""] * (len(columns) - len(record))], strict=True))
        cases.append(_case_from_row(row, f"{path}:{line}", dropped))
    notes += [f"{path}: column {name!r} not carried over" for name in columns if name in dropped]
    return cases, notes


def _case_from_row(row: Mapping[str, str], where: str, dropped: set[str]) -> Case:
    variables: dict[str, str] = {}
    checks: list[Check] = []
    thresholds: dict[int, float] = {}
    description = ""
    for name, value in row.items():
        if not name:
            continue
        if name.startswith("__expected"):
            if js_trim(value):
                checks.append(check_from_string(js_trim(value), f"{where}: column {name!r}"))
        elif name == "__description":
            description = value
        elif name.startswith("__config:"):
            _read_config(name, value, where, thresholds, dropped)
        elif name in _DROPPED_COLUMNS or name.startswith("__metadata"):
            if value.strip():
                dropped.add(name)
        else:
            variables[name] = value
    for index, threshold in thresholds.items():
        if index < len(checks):
            checks[index] = replace(checks[index], threshold=threshold)
    return Case(vars=variables, checks=tuple(checks), description=description)


def _read_config(
    name: str, value: str, where: str, thresholds: dict[int, float], dropped: set[str]
) -> None:
    if name.count(":") != 2:
        dropped.add(name)  # promptfoo ignores a column of any other shape
        return
    match = _CONFIG_COLUMN.fullmatch(name)
    if match is None:
        raise UsageError(
            f"{where}: column {name!r}: use __config:__expected:threshold or "
            "__config:__expectedN:threshold"
        )
    if not value.strip():
        return
    try:
        threshold = float(value)
    except ValueError:
        threshold = math.nan
    if not math.isfinite(threshold):
        raise UsageError(f"{where}: column {name!r}: {value!r} is not a number")
    target = match.group(1).removeprefix("__expected")
    index = int(target) - 1 if target else 0
    if index < 0:
        raise UsageError(f"{where}: column {name!r}: assertions are numbered from 1")
    thresholds[index] = threshold


def _from_jsonl(text: str, path: Path) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    notes: list[str] = []
    # Only "\n" ends a line: JSON text may hold U+2028 and other breaks splitlines() splits at.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise UsageError(f"{path}:{number}: invalid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise UsageError(f"{path}:{number}: each line must be a JSON object")
        if _is_test_object(value):
            found, found_notes = cases_from_test(value, Where(path, number), {}, path.parent)
            cases += found
            notes += found_notes
        else:
            cases.append(Case(vars={str(k): var_text(v) for k, v in value.items()}))
    return cases, notes


def _is_test_object(value: Mapping[str, object]) -> bool:
    """A promptfoo test has `vars` or `assert`, and no field a test does not have."""
    return ("vars" in value or "assert" in value) and all(key in TEST_FIELDS for key in value)


def case_file_problems(cases: Sequence[Case], suffix: str) -> list[str]:
    """Why these cases cannot be written to a file of this kind and read back the same."""
    if suffix == ".jsonl":
        return []
    if suffix not in SUFFIXES:
        return [f"cases cannot be written to a {suffix or 'suffix-less'} file"]
    problems: list[str] = []
    names = set(cases[0].vars) if cases else set()
    if not names and not any(case.checks or case.description for case in cases):
        problems.append("the cases have no variables, checks or descriptions to make columns of")
    for number, case in enumerate(cases, start=1):
        if set(case.vars) != names:
            problems.append(f"case {number} has other variables than case 1 (a CSV has one set)")
        problems += [
            f"case {number}: variable {name!r} cannot be a CSV column"
            for name in case.vars
            if _special_column(name) or not name or name != name.strip()
        ]
        texts = [*case.vars, *case.vars.values(), case.description]
        if any("\r" in text for text in texts):
            problems.append(f"case {number}: a carriage return, which text files do not keep")
        problems += [
            f"case {number}: check {check.type!r} has no one-line form"
            for check in case.checks
            if _cell(check) is None
        ]
        problems += [
            f"case {number}: check {check.type!r} holds a carriage return"
            for check in case.checks
            if (cell := _cell(check)) is not None and "\r" in cell[0]
        ]
    return problems


def _special_column(name: str) -> bool:
    return name.startswith(("__expected", "__config:", "__metadata")) or name in (
        *_DROPPED_COLUMNS,
        "__description",
    )


def _cell(check: Check) -> tuple[str, float | None] | None:
    """The one-line form of a check, and a threshold its `__config` column must add."""
    text = check_to_string(check)
    if text is not None:
        return text, None
    if check.threshold is None or not math.isfinite(check.threshold):
        return None
    for stand_in in (None, 0.75, 0.8):
        text = check_to_string(replace(check, threshold=stand_in))
        if text is not None:
            return text, check.threshold
    return None


def write_case_file(cases: Sequence[Case], suffix: str) -> str:
    """Cases as a file's text; deterministic, and reading it back gives equal cases."""
    suffix = suffix.lower()
    problems = case_file_problems(cases, suffix)
    if problems:
        raise UsageError(f"cannot write the cases as {suffix}: " + "; ".join(problems))
    if suffix == ".jsonl":
        return "".join(_jsonl_line(case) + "\n" for case in cases)
    return _csv_text(cases, "\t" if suffix == ".tsv" else ",")


def _jsonl_line(case: Case) -> str:
    test = test_to_mapping(case)
    test["vars"] = dict(case.vars)  # always present: it is what marks a line as a test object
    return json.dumps(test, sort_keys=True, ensure_ascii=False)


def _csv_text(cases: Sequence[Case], delimiter: str) -> str:
    names = sorted({name for case in cases for name in case.vars})
    cells = [[_cell(check) for check in case.checks] for case in cases]
    width = max((len(row) for row in cells), default=0)
    expected = ["__expected"] if width == 1 else [f"__expected{n}" for n in range(1, width + 1)]
    configured = sorted(
        {index for row in cells for index, cell in enumerate(row) if cell and cell[1] is not None}
    )
    config_columns = [f"__config:{expected[index]}:threshold" for index in configured]
    described = any(case.description for case in cases)
    header = [*names, *expected, *config_columns, *(["__description"] if described else [])]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for case, row in zip(cases, cells, strict=True):
        texts = [cell[0] if cell else "" for cell in row]
        added = {index: cell[1] for index, cell in enumerate(row) if cell and cell[1] is not None}
        thresholds = [repr(added[index]) if index in added else "" for index in configured]
        writer.writerow(
            [
                *(case.vars[name] for name in names),
                *texts,
                *[""] * (width - len(texts)),
                *thresholds,
                *([case.description] if described else []),
            ]
        )
    return buffer.getvalue()
