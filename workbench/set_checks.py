"""Checks on a prompt set as a whole, each failure naming the file and line to fix.

A single file can be fine and the set still broken: two prompts with one name, a variable that no
case and no default gives, a check whose value cannot work. Import refuses such a set whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from workbench import checks
from workbench.errors import UsageError
from workbench.suite import Check, Suite
from workbench.suite_file import SuiteFile
from workbench.templating import variables_in


def check_suite(suite: Suite, root: Path, spec: SuiteFile | None, files: Mapping[str, str]) -> None:
    _unique_names(suite, root, files)
    _valid_checks(suite, spec)
    _variables_given(suite, root, files)


def _file_of(source_path: str | None, root: Path) -> str:
    if source_path is None:
        return ""
    path = Path(source_path)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _unique_names(suite: Suite, root: Path, files: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for prompt in suite.prompts:
        name = _file_of(prompt.source_path, root)
        if prompt.name in seen:
            line = _line_of(files.get(name, ""), re.compile(r"^name\s*:", re.MULTILINE))
            raise UsageError(
                f"{prompt.source_path}:{line}: prompt name {prompt.name!r} is also the name of "
                f"{seen[prompt.name]}; names in a set must differ"
            )
        seen[prompt.name] = name


def _valid_checks(suite: Suite, spec: SuiteFile | None) -> None:
    def validate(check: Check, where: str) -> None:
        if checks.is_judged(check):
            checks.validate_check(check, where)

    for index, check in enumerate(suite.checks):
        where = spec.doc.where("checks", index) if spec else "checks"
        validate(check, where)
    for number, case in enumerate(suite.cases, start=1):
        for index, check in enumerate(case.checks):
            if spec is not None and suite.cases_file is None:
                where = spec.doc.where("cases", number - 1, "checks", index)
            else:
                where = f"{suite.cases_file}: case {number}"
            validate(check, where)


def _variables_given(suite: Suite, root: Path, files: Mapping[str, str]) -> None:
    if not suite.cases:
        return  # prompts kept as a library: values come at run time
    for prompt in suite.prompts:
        used = variables_in(prompt.messages, where=str(prompt.source_path or prompt.name))
        for number, case in enumerate(suite.cases, start=1):
            missing = [n for n in used if n not in case.vars and n not in prompt.defaults]
            if missing:
                text = files.get(_file_of(prompt.source_path, root), "")
                line = _line_of(
                    text, re.compile(rf"\b{re.escape(missing[0])}\b"), after_header=True
                )
                source = suite.cases_file or "the suite's cases"
                raise UsageError(
                    f"{prompt.source_path}:{line}: variable {missing[0]!r} has no value in case "
                    f"{number} of {source}, and the prompt gives no default"
                )


def _line_of(text: str, pattern: re.Pattern[str], after_header: bool = False) -> int:
    start = 0
    if after_header and text.startswith("---"):
        closing = re.search(r"^---\s*$", text[3:], re.MULTILINE)
        start = 3 + closing.end() if closing else 0
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else 1
