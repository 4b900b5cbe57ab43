"""promptfoo test cases (`{vars, assert, description}`) to the workbench's cases and back.

As promptfoo does: `defaultTest.vars` sit under each test's own vars, and a var whose value is a
list of strings makes one case per string (several such vars make every combination).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path

from workbench.errors import UsageError
from workbench.formats.assertions import check_from_mapping, check_to_mapping
from workbench.formats.promptfoo_yaml import Where, read_referenced
from workbench.suite import Case, Check

# Fields of a promptfoo test case; all but the first three are reported as not carried over.
TEST_FIELDS = frozenset(
    {
        "vars",
        "assert",
        "description",
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
_MAX_EXPANSION = 10_000
# A var naming one of these files is replaced by the file's text, as promptfoo does.
_TEXT_FILES = (".txt", ".md", ".json", ".csv", ".html", ".xml")


def cases_from_test(
    raw: object, where: Where, default_vars: Mapping[str, object], base: Path
) -> tuple[list[Case], list[str]]:
    """The cases one test object stands for, and notes on what could not be carried."""
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where()}: a test must be a mapping (vars, assert, description)")
    notes = [
        f"{where()}: test field {key!r} not carried over"
        for key in raw
        if key not in ("vars", "assert", "description", "options")
    ]
    options = raw.get("options")
    if isinstance(options, Mapping):
        notes += [f"{where('options')}: option {key!r} not carried over" for key in options]
    elif options is not None:
        notes.append(f"{where()}: test field 'options' not carried over")
    description = raw.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        raise UsageError(f"{where('description')}: description must be text")
    checks = checks_from_list(raw.get("assert"), where.child("assert"), notes)
    own_vars = _vars(raw.get("vars"), where, notes)
    combos = expand_vars({**default_vars, **own_vars}, where)
    cases = [
        Case(
            vars=var_texts(combo, where.child("vars"), base, notes),
            checks=checks,
            description=description,
        )
        for combo in combos
    ]
    return cases, notes


def checks_from_list(raw: object, where: Where, notes: list[str]) -> tuple[Check, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise UsageError(f"{where()}: assert must be a list of assertions")
    checks: list[Check] = []
    for index, item in enumerate(raw):
        check, check_notes = check_from_mapping(item, where(index))
        checks.append(check)
        notes += check_notes
    return tuple(checks)


def _vars(raw: object, where: Where, notes: list[str]) -> Mapping[str, object]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str | list):
        notes.append(f"{where('vars')}: vars loaded from files ({raw!r}) not carried over")
        return {}
    raise UsageError(f"{where('vars')}: vars must be a mapping of names to values")


def expand_vars(values: Mapping[str, object], where: Where) -> list[dict[str, object]]:
    """One set of vars per combination of the list-of-text values, as promptfoo expands them."""
    choices: list[list[object]] = []
    for value in values.values():
        expands = isinstance(value, list) and bool(value) and isinstance(value[0], str)
        choices.append(list(value) if expands else [value])  # type: ignore[call-overload]
    total = 1
    for options in choices:
        total *= len(options)
    if total > _MAX_EXPANSION:
        raise UsageError(f"{where('vars')}: the list values expand to {total} cases, too many")
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


def var_texts(
    values: Mapping[str, object], where: Where, base: Path, notes: list[str]
) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, str) and value.startswith("file://"):
            texts[name] = _file_var(value, where(name), base, notes)
        else:
            texts[name] = var_text(value)
    return texts


def var_text(value: object) -> str:
    """A var value as the template sees it: text as it is, numbers as JavaScript prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)


def _file_var(value: str, where: str, base: Path, notes: list[str]) -> str:
    name = value.removeprefix("file://")
    if not name.lower().endswith(_TEXT_FILES):
        notes.append(f"{where}: {value!r} (promptfoo loads that file) kept as the text itself")
        return value
    return read_referenced(base / name, where)


def test_to_mapping(case: Case) -> dict[str, object]:
    """A case as a promptfoo test: description, vars, assert (empty ones left out)."""
    mapping: dict[str, object] = {}
    if case.description:
        mapping["description"] = case.description
    if case.vars:
        mapping["vars"] = dict(case.vars)
    if case.checks:
        mapping["assert"] = [check_to_mapping(check) for check in case.checks]
    return mapping
