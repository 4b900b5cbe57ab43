"""The session's cases and checks, no Qt: what is dirty, what a save writes, what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.prompt_set_session import CheckRow, Column, PromptSetSession, save_files
from workbench.errors import UsageError
from workbench.prompt_set import PromptSet, load_prompt_set
from workbench.suite import Case, Check

PROMPT = """\
---
name: greet
---
user:
Hello {{who}}
"""

SUITE = """\
name: greetings
prompts: [greet.prompty]
cases:
  - vars: {who: Ana}
checks:
  - {type: javascript, value: output.length > 3}   # promptfoo judges it, the workbench does not
  - {type: icontains, value: hello}
"""

SUITE_WITH_FILE = """\
name: greetings
prompts: [greet.prompty]
cases: cases.csv
"""

ANA = Case(vars={"who": "Ana"})
BEN = Case(vars={"who": "Ben"}, checks=(Check("contains", "Ben"),), description="second")
JAVASCRIPT = Check("javascript", "output.length > 3")
HELLO = Check("icontains", "hello")
UNSUPPORTED = "check 1: check type 'javascript' is not supported"


def _folder(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def _session(root: Path) -> tuple[PromptSet, PromptSetSession, list[Column]]:
    loaded = load_prompt_set(root)
    columns: list[Column] = list(zip(loaded.prompt_files, loaded.suite.prompts, strict=True))
    return loaded, PromptSetSession(loaded, lambda prompt: prompt), columns


def _rows_as_read() -> list[CheckRow]:
    """The Checks dock right after opening SUITE: the javascript row is invalid, as read."""
    return [CheckRow(JAVASCRIPT, None, UNSUPPORTED), CheckRow(HELLO, HELLO)]


def test_cases_and_checks_as_read_are_not_edits(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set", {"greet.prompty": PROMPT, "workbench.yaml": SUITE})
    loaded, session, columns = _session(root)
    assert loaded.suite.checks == (JAVASCRIPT, HELLO)

    assert not session.is_dirty(columns, [Case(vars={"who": "Ana"})], _rows_as_read())
    assert session.is_dirty(columns, [Case(vars={"who": "Ann"})], _rows_as_read())
    assert session.is_dirty(columns, [ANA, BEN], _rows_as_read())
    assert session.is_dirty(columns, [], _rows_as_read())
    assert session.is_dirty(columns, [ANA], [CheckRow(HELLO, HELLO)])
    added = CheckRow(Check("contains", "Ana"), Check("contains", "Ana"))
    assert session.is_dirty(columns, [ANA], [*_rows_as_read(), added])
    assert not session.is_dirty(columns)  # no docks given: compared as read

    request = session.save_request(columns, [ANA], _rows_as_read())
    assert request.suite == loaded.suite
    assert request.suite_file
    outcome = save_files(request)
    assert outcome.written == ()


def test_edited_cases_and_checks_are_saved_inline(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set", {"greet.prompty": PROMPT, "workbench.yaml": SUITE})
    _, session, columns = _session(root)
    rows = [
        CheckRow(JAVASCRIPT, None, UNSUPPORTED),
        # A judge model on a check no model grades: the dock gives it without one.
        CheckRow(Check("contains", "Hello", provider="gpt-4o-mini"), Check("contains", "Hello")),
    ]
    request = session.save_request(columns, [ANA, BEN], rows)
    outcome = save_files(request)

    assert outcome.written == ("workbench.yaml",)
    assert outcome.problem == ""
    assert (root / "workbench.yaml").read_text(encoding="utf-8") == (
        "name: greetings\n"
        "prompts:\n"
        "- greet.prompty\n"
        "cases:\n"
        "- vars:\n"
        "    who: Ana\n"
        "- description: second\n"
        "  vars:\n"
        "    who: Ben\n"
        "  checks:\n"
        "  - type: contains\n"
        "    value: Ben\n"
        "checks:\n"
        "- type: javascript\n"
        "  value: output.length > 3\n"
        "- type: contains\n"
        "  value: Hello\n"
    )
    reread = load_prompt_set(root)
    assert reread.suite.cases == (ANA, BEN)
    assert reread.suite.checks == (JAVASCRIPT, Check("contains", "Hello"))
    session.adopt(outcome)
    assert not session.is_dirty(columns, [ANA, BEN], rows)
    assert session.cases() == (ANA, BEN)
    assert session.checks() == (JAVASCRIPT, Check("contains", "Hello"))


def test_an_invalid_check_row_that_was_not_read_refuses_the_save(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set", {"greet.prompty": PROMPT, "workbench.yaml": SUITE})
    before = _bytes(root)
    _, session, columns = _session(root)
    broken = Check("regex", "(Paris")
    why = "check 3: 'regex': not a valid regular expression"
    rows = [*_rows_as_read(), CheckRow(broken, None, why)]
    assert session.is_dirty(columns, [ANA], rows)

    with pytest.raises(UsageError) as refused:
        session.save_request(columns, [ANA], rows)
    assert str(refused.value) == (
        "Nothing was saved: fix or remove the checks marked red in the Checks dock first.\n\n" + why
    )
    assert _bytes(root) == before
    # The same type from the file, edited into something else, is no longer "as read".
    edited = Check("javascript", "output.length > 4")
    with pytest.raises(UsageError, match="check 1: check type 'javascript'"):
        session.save_request(columns, [ANA], [CheckRow(edited, None, UNSUPPORTED)])


def test_a_bare_folder_gets_a_suite_file_once_it_has_cases_or_checks(tmp_path: Path) -> None:
    root = _folder(tmp_path / "bare", {"greet.prompty": PROMPT})
    _, session, columns = _session(root)
    assert not session.save_request(columns, [], []).suite_file
    assert not session.is_dirty(columns, [], [])

    request = session.save_request(columns, [], [CheckRow(HELLO, HELLO)])
    assert request.suite_file
    outcome = save_files(request)
    assert outcome.written == ("workbench.yaml",)
    assert (root / "greet.prompty").read_text(encoding="utf-8") == PROMPT
    reread = load_prompt_set(root)
    assert reread.suite.name == "bare"
    assert reread.suite.checks == (HELLO,)
    assert reread.suite.cases == ()


def test_cases_go_to_the_cases_file_and_the_suite_file_keeps_its_bytes(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "set",
        {
            "greet.prompty": PROMPT,
            "workbench.yaml": SUITE_WITH_FILE,
            "cases.csv": "who\nAna\n",
        },
    )
    _, session, columns = _session(root)
    ben = Case(vars={"who": "Ben"}, checks=(Check("contains", "Ben"),))
    outcome = save_files(session.save_request(columns, [ANA, ben], []))

    assert outcome.written == ("cases.csv",)
    assert (root / "workbench.yaml").read_text(encoding="utf-8") == SUITE_WITH_FILE
    reread = load_prompt_set(root)
    assert reread.suite.cases_file == "cases.csv"
    assert reread.suite.cases == (ANA, ben)

    session.adopt(outcome)
    other = Case(vars={"name": "Cy"})
    request = session.save_request(columns, [ANA, other], [])
    with pytest.raises(UsageError, match=r"^cases\.csv: cannot hold these cases: case 2 has"):
        save_files(request)
    assert load_prompt_set(root).suite.cases == (ANA, ben)
