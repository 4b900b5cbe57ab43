"""Variable sets for `workbench run --cases`, read by the same reader as a suite's cases file.

One reader for every case file (`formats.case_files`), so a file `eval` takes, `run` takes the
same way: CSV, TSV or JSONL, promptfoo test objects included. `run` does not check outputs, so a
case's own checks (`__expected` columns, `assert` lists) are named in a note rather than used.
"""

from __future__ import annotations

from pathlib import Path

from workbench.formats.case_files import read_case_file


def load_cases(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Each case's variables, and notes on what a run leaves out; UsageError on a bad file."""
    cases, notes = read_case_file(path)
    checked = sum(1 for case in cases if case.checks)
    if checked:
        notes.append(
            f"{path}: {checked} of {len(cases)} cases have checks of their own; "
            "`workbench run` does not check outputs (use `workbench eval` with a suite)"
        )
    return [dict(case.vars) for case in cases], notes
