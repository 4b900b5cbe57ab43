"""The session's cases and checks, no Qt: what is dirty, what a save writes, what it refuses."""

from __future__ import annotations

import dataclasses
import subprocess
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
    other = Case(vars={"who": "Cy", "__expected": "x"})
    request = session.save_request(columns, [ANA, other], [])
    with pytest.raises(UsageError) as refused:
        save_files(request)
    assert str(refused.value) == (
        "cases.csv: cannot hold these cases: case 2: variable '__expected' cannot be a CSV column"
    )
    assert load_prompt_set(root).suite.cases == (ANA, ben)


def test_cases_saved_to_a_csv_get_one_set_of_columns(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "set",
        {
            "greet.prompty": PROMPT,
            "workbench.yaml": SUITE_WITH_FILE,
            "cases.csv": "notes,who\nfirst,Ana\n",  # no prompt uses notes: the dock hides it
        },
    )
    loaded, session, columns = _session(root)
    ana = Case(vars={"notes": "first", "who": "Ana"})
    assert loaded.suite.cases == (ana,)
    shown = [ana, Case(vars={"who": "Ben"}), Case(vars={"who": "Cy", "topic": "t"})]
    request = session.save_request(columns, shown, [])
    assert request.suite.cases == (
        Case(vars={"notes": "first", "who": "Ana", "topic": ""}),
        Case(vars={"who": "Ben", "notes": "", "topic": ""}),
        Case(vars={"who": "Cy", "topic": "t", "notes": ""}),
    )
    outcome = save_files(request)

    assert outcome.written == ("cases.csv",)
    assert outcome.notes == ()
    assert (root / "cases.csv").read_text(encoding="utf-8") == (
        "notes,who,topic\nfirst,Ana,\n,Ben,\n,Cy,t\n"
    )
    assert load_prompt_set(root).suite.cases == request.suite.cases
    session.adopt(outcome)
    assert not session.is_dirty(columns, shown, [])
    assert session.cases() == tuple(shown)
    again = session.save_request(columns, shown, [])
    assert again.suite.cases == request.suite.cases
    assert save_files(again).written == ()


def test_an_edit_that_would_drop_columns_of_the_cases_file_writes_nothing(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "set",
        {
            "greet.prompty": PROMPT,
            "workbench.yaml": SUITE_WITH_FILE,
            "cases.csv": "who,__metric\nAna,accuracy\n",
        },
    )
    before = _bytes(root)
    _, session, columns = _session(root)
    request = session.save_request(columns, [ANA, Case(vars={"who": "Ben"})], [])
    with pytest.raises(UsageError, match=r"^cases\.csv: saving the edited cases would remove"):
        save_files(request)
    assert _bytes(root) == before
    # An edited prompt alone leaves the cases file as it is: it saves.
    edited = dataclasses.replace(columns[0][1], description="Greets")
    outcome = save_files(session.save_request([(columns[0][0], edited)], [ANA], []))
    assert outcome.written == ("greet.prompty",)
    assert (root / "cases.csv").read_bytes() == before["cases.csv"]


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=folder,
        capture_output=True,
        check=True,
    )


def test_a_rewritten_suite_file_says_its_comments_went(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set", {"greet.prompty": PROMPT, "workbench.yaml": SUITE})
    _, session, columns = _session(root)
    outcome = save_files(session.save_request(columns, [ANA, BEN], _rows_as_read()))
    assert outcome.written == ("workbench.yaml",)
    assert outcome.notes == ("its comments were not kept",)
    session.adopt(outcome)
    # The canonical text has no comments left to lose.
    assert save_files(session.save_request(columns, [ANA], _rows_as_read())).notes == ()


def test_a_committed_suite_file_says_git_has_its_comments(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set", {"greet.prompty": PROMPT, "workbench.yaml": SUITE})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "set")
    _, session, columns = _session(root)
    outcome = save_files(session.save_request(columns, [ANA, BEN], _rows_as_read()))
    assert outcome.notes == ("its comments were not kept: git has them",)

    # Not committed as it is now: git does not have this comment.
    (root / "workbench.yaml").write_text(SUITE + "# to do: more cases\n", encoding="utf-8")
    _, session, columns = _session(root)
    edited = dataclasses.replace(columns[0][1], description="Greets")
    outcome = save_files(session.save_request([(columns[0][0], edited)], [BEN], _rows_as_read()))
    assert outcome.written == ("greet.prompty", "workbench.yaml")
    assert outcome.notes == ("the workbench.yaml comments were not kept",)
