"""Test cases from spreadsheets and data files: a file's cells as text, then a column mapping.

Reading and mapping are two steps so the window can show the columns and let the person say which
feeds what before any case exists. Every cell is read as the text a template will see: numbers as
written (an integer column with blanks stays `3`, not `3.0`), blanks as "", nested values as
compact JSON. A column of checks uses promptfoo's one-line form of `__expected` cells (see
`formats/case_files.py`), so `contains: Paris` is a `contains` check and plain text an `equals`.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import checks
from workbench.errors import UsageError
from workbench.formats.assertions import (
    check_from_mapping,
    check_from_string,
    check_to_string,
    js_trim,
)
from workbench.suite import Case, Check
from workbench.textfiles import read_user_text

FORMATS: dict[str, str] = {
    ".csv": "CSV",
    ".tsv": "TSV (tab-separated)",
    ".jsonl": "JSON Lines",
    ".xlsx": "Excel workbook",
    ".parquet": "Parquet",
}
MAX_ROWS = 100_000
# What a damaged workbook makes pandas and openpyxl raise (a zip, XML and a schema underneath).
_WORKBOOK_FAILURES = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    SyntaxError,  # xml.etree's ParseError
    EOFError,
)
_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EXPECTED_COLUMN = re.compile(r"__expected\d*")
# JSON Lines test objects (promptfoo's {"vars": ..., "assert": [...]}): fields carried over.
_TEST_FIELDS = frozenset({"vars", "assert", "description"})
_OTHER_TEST_FIELDS = frozenset(
    {
        "provider",
        "providers",
        "prompts",
        "providerOutput",
        "assertScoringFunction",
        "options",
        "threshold",
        "metadata",
    }
)


@dataclass(frozen=True, slots=True)
class Table:
    """A file's cells as text, before mapping: a header and rows of equal width."""

    source: str  # the file's name
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # What the file held that the table cannot (a JSON Lines test's `options`, say), by name.
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Mapping:
    """Which column feeds what; columns named nowhere are skipped."""

    variables: dict[str, str]  # column -> variable name
    # Columns of checks in the one-line form, in the order the checks take.
    expected: tuple[str, ...] = ()
    description: str | None = None


# --- reading ------------------------------------------------------------------------------------


def read_table(path: Path, sheet: str | None = None) -> Table:
    """The cells of a .csv, .tsv, .jsonl, .xlsx (first sheet unless `sheet`) or .parquet file.

    Rows with no text in any cell are left out. UsageError names the file and what is wrong.
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise UsageError(f"{path}: cannot read {suffix or 'a file without suffix'}; use {known}")
    if sheet is not None and suffix != ".xlsx":
        raise UsageError(f"{path}: only .xlsx files have sheets")
    _require_content(path)
    if suffix == ".jsonl":
        return _jsonl_table(path)
    if suffix == ".xlsx":
        return _table(path, _xlsx_cells(path, sheet))
    if suffix == ".parquet":
        return _table(path, _parquet_cells(path))
    return _table(path, _delimited_cells(path, "\t" if suffix == ".tsv" else ","))


def sheet_names(path: Path) -> list[str]:
    """The sheets of an .xlsx workbook, in the workbook's order."""
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path}: only .xlsx files have sheets")
    _require_content(path)
    import pandas as pd  # a second to import: only when a workbook is read

    try:
        with pd.ExcelFile(path, engine="openpyxl") as workbook:
            return [str(name) for name in workbook.sheet_names]
    except _WORKBOOK_FAILURES as exc:
        raise UsageError(f"{path}: not an Excel .xlsx workbook ({_reason(exc)})") from exc


def _require_content(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a file")
    if size == 0:
        raise UsageError(f"{path}: the file is empty")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().strip("\"'")
    return text.splitlines()[0] if text else type(exc).__name__


def _delimited_cells(path: Path, delimiter: str) -> list[list[Any]]:
    text = read_user_text(path)  # missing file, folder and not-UTF-8 said the same everywhere
    if not text.strip():
        raise UsageError(f"{path}: the file is empty")
    import pandas as pd  # a second to import: only when a table is read

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,  # the header is read as a row, so duplicate names are seen, not renamed
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            nrows=MAX_ROWS + 2,
        )
    except pd.errors.EmptyDataError as exc:
        raise UsageError(f"{path}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        raise UsageError(_parser_message(path, text, delimiter, str(exc))) from exc
    rows: list[list[Any]] = frame.to_numpy().tolist()
    return rows


def _parser_message(path: Path, text: str, delimiter: str, message: str) -> str:
    """pandas' C parser error, said with the line in the file (it counts records, not lines)."""
    if match := _UNCLOSED_QUOTE.search(message):
        line = _line_of_record(text, delimiter, int(match.group(1)))
        return f'{path}:{line}: a quoted value is never closed (its opening " is on this line)'
    if match := _RAGGED.search(message):
        expected, record, saw = (int(group) for group in match.groups())
        line = _line_of_record(text, delimiter, record - 1)
        return f"{path}:{line}: {saw} values, but the first row names {expected} columns"
    kind = "TSV" if delimiter == "\t" else "CSV"
    return f"{path}: not a valid {kind} file: {message.strip()}"


def _line_of_record(text: str, delimiter: str, index: int) -> int:
    """The line record `index` (from 0, blank lines counted) starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for _ in range(index):
        try:
            next(reader)
        except (StopIteration, csv.Error):
            break
        start = reader.line_num + 1
    return start


def _xlsx_cells(path: Path, sheet: str | None) -> list[list[Any]]:
    import pandas as pd  # a second to import: only when a workbook is read

    try:
        with pd.ExcelFile(path, engine="openpyxl") as workbook:
            names = [str(name) for name in workbook.sheet_names]
            if sheet is not None and sheet not in names:
                raise UsageError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
            frame = pd.read_excel(
                workbook,
                sheet_name=sheet if sheet is not None else 0,
                header=None,
                # Objects, not str: pandas already gives whole numbers as int (3, not 3.0), and
                # booleans and dates then read the same as in the other formats.
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                nrows=MAX_ROWS + 2,
            )
    except _WORKBOOK_FAILURES as exc:
        raise UsageError(f"{path}: not an Excel .xlsx workbook ({_reason(exc)})") from exc
    if frame.empty:
        raise UsageError(f"{path}: sheet {sheet or names[0]!r} is empty")
    rows: list[list[Any]] = frame.to_numpy().tolist()
    return rows


def _parquet_cells(path: Path) -> list[list[Any]]:
    # pyarrow directly rather than through pandas: its Python values keep an integer column with
    # nulls as ints, and its schema shows duplicate column names before anything is read.
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy

    try:
        parquet = pq.ParquetFile(path)
        names = [str(name) for name in parquet.schema_arrow.names]
        if parquet.metadata.num_rows > MAX_ROWS:
            raise UsageError(_too_big(path, parquet.metadata.num_rows))
        _refuse_duplicates(path, names)
        table = parquet.read()
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise UsageError(f"{path}: not a Parquet file ({_reason(exc)})") from exc
    columns = [table.column(index).to_pylist() for index in range(table.num_columns)]
    return [names, *(list(row) for row in zip(*columns, strict=True))]


def _jsonl_table(path: Path) -> Table:
    """One row per line: a plain object of variables, or a promptfoo test object flattened into
    its vars, `__expectedN` checks in the one-line form and `__description`."""
    records: list[dict[str, Any]] = []
    notes: dict[str, str] = {}  # what was not carried over -> a note naming its first line
    # Only "\n" ends a line: JSON text may hold U+2028 and other breaks splitlines() splits at.
    for number, line in enumerate(read_user_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        if len(records) == MAX_ROWS:
            raise UsageError(_too_big(path))
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise UsageError(f"{path}:{number}: invalid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise UsageError(f"{path}:{number}: each line must be a JSON object")
        if _is_test_object(value):
            value = _flat_test(value, f"{path}:{number}", notes)
        records.append(value)
    if not records:
        raise UsageError(f"{path}: the file is empty")
    columns = list(dict.fromkeys(key for record in records for key in record))
    table = _table(path, [columns, *([record.get(name) for name in columns] for record in records)])
    return Table(table.source, table.columns, table.rows, tuple(notes.values()))


def _is_test_object(value: dict[str, Any]) -> bool:
    return ("vars" in value or "assert" in value) and all(
        key in _TEST_FIELDS or key in _OTHER_TEST_FIELDS for key in value
    )


def _flat_test(value: dict[str, Any], where: str, notes: dict[str, str]) -> dict[str, Any]:
    variables = value.get("vars") or {}
    if not isinstance(variables, dict):
        raise UsageError(f"{where}: 'vars' must be an object of variables")
    flat: dict[str, Any] = {str(name): item for name, item in variables.items()}
    asserts = value.get("assert") or []
    if not isinstance(asserts, list):
        raise UsageError(f"{where}: 'assert' must be a list of assertions")
    for index, raw in enumerate(asserts):
        check, dropped = check_from_mapping(raw, f"{where}: assert[{index}]")
        text = check_to_string(check)
        if text is None:
            raise UsageError(
                f"{where}: assert[{index}] ({check.type}) has no one-line form a table can hold;"
                " use the file as a prompt set's cases file instead"
            )
        flat[f"__expected{index + 1}"] = text
        for note in dropped:  # keyed by what was dropped: noted once, at its first line
            notes.setdefault(f"assert:{note.rpartition(': ')[2]}", note)
    description = value.get("description")
    if description not in (None, ""):
        flat["__description"] = description
    for name in value:
        if name in _OTHER_TEST_FIELDS:
            notes.setdefault(name, f"{where}: test field {name!r} not carried over")
    return flat


def _too_big(path: Path, rows: int | None = None) -> str:
    count = f"{rows:,}" if rows is not None else f"more than {MAX_ROWS:,}"
    return f"{path}: {count} rows; at most {MAX_ROWS:,} cases can be read at once"


def _table(path: Path, cells: list[list[Any]]) -> Table:
    """A header row and data rows of any cell values -> a Table of text."""
    if not cells:
        raise UsageError(f"{path}: the file is empty")
    header = [_text(value).strip() for value in cells[0]]
    rows = [row for row in ([_text(value) for value in raw] for raw in cells[1:]) if any(row)]
    if len(rows) > MAX_ROWS:
        raise UsageError(_too_big(path))
    kept = [index for index, name in enumerate(header) if name or any(row[index] for row in rows)]
    for index in kept:
        if not header[index]:
            raise UsageError(f"{path}: column {index + 1} has values but no name in the first row")
    columns = [header[index] for index in kept]
    _refuse_duplicates(path, columns)
    if not columns:
        raise UsageError(f"{path}: the file is empty")
    if not rows:
        raise UsageError(f"{path}: a header row ({', '.join(columns)}) but no cases")
    return Table(
        path.name, tuple(columns), tuple(tuple(row[index] for index in kept) for row in rows)
    )


def _refuse_duplicates(path: Path, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"{path}: column {name!r} appears twice; names must differ")
        seen.add(name)


def _text(value: object) -> str:
    """A cell as a template sees it; numbers as JavaScript prints them (as promptfoo does)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


# --- mapping ------------------------------------------------------------------------------------


def suggest_mapping(table: Table, variables: Sequence[str]) -> Mapping:
    """A first mapping, each column taking the first rule that fits: promptfoo's `__expected*` and
    `__description`; a variable of the same name; `expected`/`description` in any case; a variable
    equal but for case; a variable of its own name when it can be one (`{{name}}`); else skipped."""
    expected = [name for name in table.columns if _EXPECTED_COLUMN.fullmatch(name)]
    description = "__description" if "__description" in table.columns else None
    chosen: dict[str, str] = {}  # column -> variable

    def choose(column: str, variable: str | None) -> None:
        if (
            variable is not None
            and column not in chosen
            and variable not in chosen.values()
            and column not in expected
            and column != description
        ):
            chosen[column] = variable

    for column in table.columns:
        choose(column, column if column in variables else None)
    for column in table.columns:
        if column in chosen or column in expected or column == description:
            continue
        if column.lower() == "expected" and not expected:
            expected.append(column)
        elif column.lower() == "description" and description is None:
            description = column
    by_lower = {variable.lower(): variable for variable in reversed(variables)}
    for column in table.columns:
        choose(column, by_lower.get(column.lower()))
    for column in table.columns:
        if column.isidentifier() and not column.startswith("__"):
            choose(column, column)
    ordered = {column: chosen[column] for column in table.columns if column in chosen}
    return Mapping(ordered, tuple(expected), description)


def cases_from(table: Table, mapping: Mapping) -> list[Case]:
    """One case per row; checks the workbench judges are validated (UsageError names the case)."""
    _check_mapping(table, mapping)
    position = {name: index for index, name in enumerate(table.columns)}
    variables = [(position[column], name) for column, name in mapping.variables.items()]
    expected = [(position[column], column) for column in mapping.expected]
    described = None if mapping.description is None else position[mapping.description]
    cases: list[Case] = []
    for number, row in enumerate(table.rows, start=1):
        found: list[Check] = []
        for index, column in expected:
            text = js_trim(row[index])
            if text:
                found.append(
                    _valid(
                        check_from_string(text, ""),
                        f"{table.source}: case {number}, column {column!r}",
                    )
                )
        cases.append(
            Case(
                vars={name: row[index] for index, name in variables},
                checks=tuple(found),
                description="" if described is None else row[described],
            )
        )
    return cases


def _check_mapping(table: Table, mapping: Mapping) -> None:
    named = [*mapping.variables, *mapping.expected]
    if mapping.description is not None:
        named.append(mapping.description)
    for column in named:
        if column not in table.columns:
            raise UsageError(f"{table.source}: no column {column!r}")
    seen: set[str] = set()
    for column in named:
        if column in seen:
            raise UsageError(f"{table.source}: column {column!r} is given two uses")
        seen.add(column)
    feeding: dict[str, str] = {}
    for column, name in mapping.variables.items():
        if not name.strip():
            raise UsageError(f"{table.source}: column {column!r} feeds a variable with no name")
        if name in feeding:
            raise UsageError(
                f"{table.source}: columns {feeding[name]!r} and {column!r} both feed "
                f"variable {name!r}; choose one"
            )
        feeding[name] = column


def _valid(check: Check, where: str) -> Check:
    if checks.is_judged(check):
        checks.validate_check(check, where)
    return check


# --- checks as editable text --------------------------------------------------------------------


def checks_text(found: Sequence[Check]) -> str | None:
    """Checks in the one-line form, one per line; None when one has no such form (a JSON schema
    as a value, say) or its form spans lines, so the text could not be edited back."""
    lines: list[str] = []
    for check in found:
        text = check_to_string(check)
        if text is None or "\n" in text or "\r" in text:
            return None
        lines.append(text)
    return "\n".join(lines)


def checks_from_text(text: str, where: str) -> tuple[Check, ...]:
    """Each non-blank line as a check in the one-line form, validated as `cases_from` does."""
    return tuple(
        _valid(check_from_string(js_trim(line), where), where)
        for line in text.split("\n")
        if js_trim(line)
    )
