"""Test cases in a file beside a suite: CSV, TSV or JSONL, with promptfoo's special columns.

A CSV row's columns are its variables, except promptfoo's: `__expected`, `__expected1`, ... hold
one-line assertions, `__description` the case's description, and
`__config:__expectedN:threshold` a threshold for the Nth of them; `__prefix`, `__suffix`,
`__metric`, `__threshold`, `__metadata:*` and `__providerOutput` are reported as not carried over.
A JSONL line is a promptfoo test object (`{"vars": ..., "assert": [...]}`) or a plain object of
variables.

Writing a CSV back over the user's own file keeps that file's column order (`columns`): a diff
shows the edited cells, not a shuffled table. A column the reader ignores survives only when it
is blank (nothing to lose); one that holds values makes its read notes non-empty, and the
callers refuse to rewrite such a file rather than drop them.
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
    index = _config_index(match.group(1))
    if index is None or index < 0:
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


def case_file_columns(text: str, suffix: str) -> tuple[str, ...]:
    """The header of a CSV or TSV case file's text, names trimmed as the reader trims them (empty
    for JSONL, or text that does not read)."""
    suffix = suffix.lower()
    if suffix not in (".csv", ".tsv"):
        return ()
    try:
        _, header = next(_records(text, Path(f"cases{suffix}"), _delimiter(suffix)), (1, []))
    except UsageError:
        return ()
    return tuple(name.strip() for name in header)


def with_one_column_set(cases: Sequence[Case]) -> tuple[Case, ...]:
    """The cases with one set of variables, as a CSV holds them: a case gets "" for a variable
    only other cases have, which is what reading its row back gives. A name no column can have
    (`__expected`, say) is not spread: `case_file_problems` names the case that has it."""
    every = dict.fromkeys(name for case in cases for name in case.vars)
    names = [name for name in every if _column_name(name)]
    return tuple(
        case
        if all(name in case.vars for name in names)
        else replace(case, vars={**case.vars, **{n: "" for n in names if n not in case.vars}})
        for case in cases
    )


def case_file_problems(cases: Sequence[Case], suffix: str) -> list[str]:
    """Why these cases cannot be written to a file of this kind and read back the same."""
    if suffix == ".jsonl":
        return []
    if suffix not in SUFFIXES:
        return [f"cases cannot be written to a {suffix or 'suffix-less'} file"]
    problems: list[str] = []
    if not (cases and cases[0].vars) and not any(c.checks or c.description for c in cases):
        problems.append("the cases have no variables, checks or descriptions to make columns of")
    # A name no column can have is named on its own below, not as a difference in the sets.
    names = {name for name in cases[0].vars if _column_name(name)} if cases else set()
    for number, case in enumerate(cases, start=1):
        if {name for name in case.vars if _column_name(name)} != names:
            problems.append(f"case {number} has other variables than case 1 (a CSV has one set)")
        problems += [
            f"case {number}: variable {name!r} cannot be a CSV column"
            for name in case.vars
            if not _column_name(name)
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


def _column_name(name: str) -> bool:
    """Whether a variable can be a CSV column (read back as that variable)."""
    return bool(name) and name == name.strip() and not _special_column(name)


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


def write_case_file(cases: Sequence[Case], suffix: str, *, columns: Sequence[str] = ()) -> str:
    """Cases as a file's text; deterministic, and reading it back gives equal cases.

    `columns` is the header of the CSV or TSV this text replaces: its columns keep their order,
    new ones follow (variables sorted, then checks and description), and a column the reader
    ignores (`__metric`, say) stays, blank, where it was.
    """
    suffix = suffix.lower()
    problems = case_file_problems(cases, suffix)
    if problems:
        raise UsageError(f"cannot write the cases as {suffix}: " + "; ".join(problems))
    if suffix == ".jsonl":
        return "".join(_jsonl_line(case) + "\n" for case in cases)
    return _csv_text(cases, _delimiter(suffix), columns)


def _delimiter(suffix: str) -> str:
    return "\t" if suffix == ".tsv" else ","


def _jsonl_line(case: Case) -> str:
    test = test_to_mapping(case)
    test["vars"] = dict(case.vars)  # always present: it is what marks a line as a test object
    return json.dumps(test, sort_keys=True, ensure_ascii=False)


def _csv_text(cases: Sequence[Case], delimiter: str, columns: Sequence[str]) -> str:
    cells = [[_cell(check) for check in case.checks] for case in cases]
    width = max((len(row) for row in cells), default=0)
    expected = _expected_columns(width, columns)
    thresholds = [
        {index: cell[1] for index, cell in enumerate(row) if cell and cell[1] is not None}
        for row in cells
    ]
    indexes = sorted({index for row in thresholds for index in row})
    config = _config_columns(indexes, expected, columns)
    described = any(case.description for case in cases)
    own = [
        *sorted({name for case in cases for name in case.vars}),
        *expected,
        *config.values(),
        *(["__description"] if described else []),
    ]
    # The file's columns first, in its order (blank ones the cases no longer fill included:
    # they read back as nothing), then the new ones.
    kept = [name for name in dict.fromkeys(columns) if name in own or _blank_is_nothing(name)]
    header = [*kept, *(name for name in own if name not in kept)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for case, row, added in zip(cases, cells, thresholds, strict=True):
        values = {**case.vars, "__description": case.description}
        # The Nth check goes to the Nth __expected column: the reader numbers them in that order.
        values.update((expected[index], cell[0]) for index, cell in enumerate(row) if cell)
        values.update((config[index], repr(threshold)) for index, threshold in added.items())
        writer.writerow([values.get(name, "") for name in header])
    return buffer.getvalue()


def _expected_columns(width: int, columns: Sequence[str]) -> list[str]:
    """`width` names for the __expected columns: the file's own, in its order, then new ones."""
    own = [name for name in dict.fromkeys(columns) if name.startswith("__expected")]
    if not own:
        return ["__expected"] if width == 1 else [f"__expected{n}" for n in range(1, width + 1)]
    names = own[:width]
    number = len(names) + 1
    while len(names) < width:
        if f"__expected{number}" not in own:
            names.append(f"__expected{number}")
        number += 1
    return names


def _config_columns(
    indexes: Sequence[int], expected: Sequence[str], columns: Sequence[str]
) -> dict[int, str]:
    """A threshold column per check index: the file's own where it has one for that index."""
    own: dict[int, str] = {}
    for name in columns:
        match = _CONFIG_COLUMN.fullmatch(name)
        index = None if match is None else _config_index(match.group(1))
        if index is not None:
            own.setdefault(index, name)
    named: dict[int, str] = {}
    for index in indexes:
        # `__config:__expectedN` names the Nth check, not a column: reuse a column's name only
        # where it gives the right number.
        target = expected[index] if _config_index(expected[index]) == index else ""
        named[index] = own.get(index) or f"__config:{target or f'__expected{index + 1}'}:threshold"
    return named


def _config_index(target: str) -> int | None:
    """The check a `__config:TARGET:threshold` column is for (0-based), from TARGET."""
    match = re.fullmatch(r"__expected(\d*)", target)
    if match is None:
        return None
    return int(match.group(1)) - 1 if match.group(1) else 0


def _blank_is_nothing(name: str) -> bool:
    """A column the reader takes nothing from when it is blank: kept, blank, where it was."""
    return (
        name in (*_DROPPED_COLUMNS, "__description")
        or name.startswith(("__metadata", "__expected"))
        or _CONFIG_COLUMN.fullmatch(name) is not None
    )
