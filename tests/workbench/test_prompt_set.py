"""Prompt-set folders: lossless, byte-stable round trips and a clear message for every bad file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.workbench.prompt_sets import suites
from workbench.errors import UsageError
from workbench.prompt_set import load_prompt_set, render_prompt_set, yaml_comments
from workbench.suite import Suite


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def without_paths(suite: Suite) -> Suite:
    return replace(suite, prompts=tuple(replace(p, source_path=None) for p in suite.prompts))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(suite=suites())
def test_a_written_set_reads_back_the_same_and_writes_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, suite: Suite
) -> None:
    root = tmp_path_factory.mktemp("set")
    files = render_prompt_set(suite)
    write_files(root, files)
    loaded = load_prompt_set(root)
    assert without_paths(loaded.suite) == suite
    assert render_prompt_set(loaded.suite, loaded.prompt_files) == files
    # And with the texts as read kept: still the same bytes.
    assert render_prompt_set(loaded.suite, loaded.prompt_files, loaded.files) == files


HAND_WRITTEN = {
    "workbench.yaml": """\
# Support triage prompts, reviewed in PRs.
name: triage
prompts:
  - prompts/classify.prompty   # the main one
models: [gpt-4o-mini, {name: llama3.2, api_base: "http://127.0.0.1:11434/v1"}]
cases:
  - vars: {ticket: "My order never arrived"}
    checks: [{type: icontains, value: shipping}]
checks:
  - type: not-contains
    value: "I am an AI"
""",
    "prompts/classify.prompty": """\
---
name: classify
# the model settings
model:
    parameters: {temperature: 0}
---
system:
Classify the ticket as billing, shipping or other.

user:
{{ ticket }}
""",
}


def test_a_hand_written_set_exports_byte_for_byte(tmp_path: Path) -> None:
    write_files(tmp_path, HAND_WRITTEN)
    loaded = load_prompt_set(tmp_path)
    assert [m.name for m in loaded.suite.models] == ["gpt-4o-mini", "llama3.2"]
    assert loaded.suite.cases[0].checks[0].value == "shipping"
    kept = render_prompt_set(loaded.suite, loaded.prompt_files, loaded.files)
    assert kept == HAND_WRITTEN  # comments, flow style and spacing all kept
    # An edit rewrites only the edited file, in the canonical form.
    prompt = replace(loaded.suite.prompts[0], description="Sorts tickets")
    edited = render_prompt_set(
        replace(loaded.suite, prompts=(prompt,)), loaded.prompt_files, loaded.files
    )
    assert edited["workbench.yaml"] == HAND_WRITTEN["workbench.yaml"]
    assert edited["prompts/classify.prompty"].startswith(
        "---\nname: classify\ndescription: Sorts tickets\n"
        "model:\n  parameters:\n    temperature: 0.0\n"
    )


PROMPT = "---\nname: p\n---\nuser:\n{{ticket}}\n"
SUITE = "name: s\nprompts: [p.prompty]\ncases:\n  - vars: {ticket: hi}\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"workbench.yaml": "name: s\nprompts: [p.prompty\n"}, r"workbench\.yaml:3: invalid YAML"),
        (
            {"workbench.yaml": SUITE + "modles: [x]\n", "p.prompty": PROMPT},
            r"workbench\.yaml:5: unknown field 'modles'",
        ),
        (
            {"workbench.yaml": SUITE, "p.prompty": "---\nname: p\nmodle: {}\n---\nuser:\nhi\n"},
            r"p\.prompty:3: unknown field 'modle'",
        ),
        (
            {
                "workbench.yaml": SUITE,
                "p.prompty": "---\nname: p\n---\nsystem:\nok\n\nuser:\n{{ticket\n",
            },
            r"p\.prompty:8: template syntax error",
        ),
        (
            {
                "workbench.yaml": SUITE,
                "p.prompty": "---\nname: p\n---\nuser:\nfine\n{{ticket}} and {{topic}}\n",
            },
            r"p\.prompty:6: variable 'topic' has no value in case 1",
        ),
        (
            {
                "workbench.yaml": "name: s\nprompts: [p.prompty]\ncases: rows.csv\n",
                "p.prompty": PROMPT,
            },
            r"workbench\.yaml:3: cases file rows\.csv: no such file",
        ),
        (
            {
                "workbench.yaml": "name: s\nprompts: [p.prompty, q.prompty]\n",
                "p.prompty": PROMPT,
                "q.prompty": "---\nname: p\n---\nuser:\nx\n",
            },
            r"q\.prompty:2: prompt name 'p' is also the name of p\.prompty",
        ),
        (
            {
                "workbench.yaml": "name: s\nprompts:\n  - p.prompty\n  - gone.prompty\n",
                "p.prompty": PROMPT,
            },
            r"workbench\.yaml:4: gone\.prompty: no such file",
        ),
        (
            {"workbench.yaml": "name: s\nprompts: [../p.prompty]\n"},
            r"workbench\.yaml:2: '\.\./p\.prompty' must be a relative path inside",
        ),
        (
            {"workbench.yaml": "name: s\nprompts: [p.prompty, p.prompty]\n", "p.prompty": PROMPT},
            r"workbench\.yaml:2: p\.prompty is listed twice",
        ),
        (
            {"workbench.yaml": "name: s\nname: t\nprompts: [p.prompty]\n", "p.prompty": PROMPT},
            r"workbench\.yaml:2: key 'name' repeats the one on line 1",
        ),
        (
            {
                "workbench.yaml": (
                    "name: s\nprompts: [p.prompty]\nmodels:\n  - {name: m, api_key_env: SECRET}\n"
                ),
                "p.prompty": PROMPT,
            },
            r"workbench\.yaml:4: api_key_env names the variable",
        ),
    ],
)
def test_bad_sets_name_the_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    write_files(tmp_path, files)
    with pytest.raises(UsageError, match=message):
        load_prompt_set(tmp_path)


def test_a_binary_prompt_file_is_named(tmp_path: Path) -> None:
    write_files(tmp_path, {"workbench.yaml": "name: s\nprompts: [p.prompty]\n"})
    (tmp_path / "p.prompty").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(UsageError, match=r"p\.prompty: not a UTF-8 text file"):
        load_prompt_set(tmp_path)


def test_a_folder_of_prompty_files_is_a_set(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"b.prompty": PROMPT.replace("name: p", "name: b"), "a.prompty": "user:\nhi\n"}
    )
    loaded = load_prompt_set(tmp_path)
    assert [p.name for p in loaded.suite.prompts] == ["a", "b"]
    assert loaded.suite.name == tmp_path.name


def test_a_yaml_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    write_files(tmp_path, {"workbench.yaml": "\n".join(lines) + "\n"})
    with pytest.raises(UsageError, match=r"workbench\.yaml:1: invalid YAML: the YAML expands"):
        load_prompt_set(tmp_path)


# --- a cases file beside the suite ------------------------------------------------------------

MESSAGE_PROMPT = "---\nname: p\n---\nuser:\n{{message}}\n"
CASES_SUITE = "name: s\nprompts: [p.prompty]\ncases: cases.csv\n"


def _with_first_message(suite: Suite, message: str) -> Suite:
    first = replace(suite.cases[0], vars={**suite.cases[0].vars, "message": message})
    return replace(suite, cases=(first, *suite.cases[1:]))


def test_an_edited_cases_file_keeps_its_column_order(tmp_path: Path) -> None:
    cases_csv = "text,message,__metric,notes\nA,hi,,n1\nB,yo,,n2\n"
    write_files(
        tmp_path,
        {"workbench.yaml": CASES_SUITE, "p.prompty": MESSAGE_PROMPT, "cases.csv": cases_csv},
    )
    loaded = load_prompt_set(tmp_path)
    assert loaded.dropped == ()  # a blank __metric column holds nothing to lose
    edited = _with_first_message(loaded.suite, "hey")
    files = render_prompt_set(edited, loaded.prompt_files, loaded.files)
    assert files["cases.csv"] == "text,message,__metric,notes\nA,hey,,n1\nB,yo,,n2\n"
    assert files["workbench.yaml"] == CASES_SUITE
    write_files(tmp_path, files)
    assert load_prompt_set(tmp_path).suite.cases == edited.cases


def test_a_cases_file_holding_columns_the_workbench_drops_is_never_rewritten(
    tmp_path: Path,
) -> None:
    cases_csv = "text,message,__metric,notes\nA,hi,accuracy,n1\nB,yo,accuracy,n2\n"
    write_files(
        tmp_path,
        {"workbench.yaml": CASES_SUITE, "p.prompty": MESSAGE_PROMPT, "cases.csv": cases_csv},
    )
    loaded = load_prompt_set(tmp_path)
    assert loaded.dropped == (f"{tmp_path / 'cases.csv'}: column '__metric' not carried over",)
    edited = _with_first_message(loaded.suite, "hey")
    with pytest.raises(UsageError) as refused:
        render_prompt_set(edited, loaded.prompt_files, loaded.files)
    assert str(refused.value) == (
        "cases.csv: saving the edited cases would remove what the workbench does not keep from "
        "this file: column '__metric'. Edit cases.csv in another tool, or remove those columns, "
        "then open the folder again."
    )
    # Unedited cases keep the file as it is, so a prompt edit still saves.
    prompt = replace(loaded.suite.prompts[0], description="Answers")
    files = render_prompt_set(
        replace(loaded.suite, prompts=(prompt,)), loaded.prompt_files, loaded.files
    )
    assert files["cases.csv"] == cases_csv
    assert files["p.prompty"] != MESSAGE_PROMPT


def test_a_jsonl_cases_file_with_fields_the_workbench_drops_is_never_rewritten(
    tmp_path: Path,
) -> None:
    cases_jsonl = (
        '{"vars": {"message": "hi"}, "provider": "echo", "metadata": {"team": "a"}}\n'
        '{"vars": {"message": "yo"}}\n'
    )
    suite_text = CASES_SUITE.replace("cases.csv", "data/cases.jsonl")
    write_files(
        tmp_path,
        {
            "workbench.yaml": suite_text,
            "p.prompty": MESSAGE_PROMPT,
            "data/cases.jsonl": cases_jsonl,
        },
    )
    loaded = load_prompt_set(tmp_path)
    with pytest.raises(UsageError) as refused:
        render_prompt_set(
            _with_first_message(loaded.suite, "hey"), loaded.prompt_files, loaded.files
        )
    assert str(refused.value) == (
        "data/cases.jsonl: saving the edited cases would remove what the workbench does not keep "
        "from this file: line 1: test field 'provider'; line 1: test field 'metadata'. Edit "
        "data/cases.jsonl in another tool, or remove those fields, then open the folder again."
    )
    assert render_prompt_set(loaded.suite, loaded.prompt_files, loaded.files) == loaded.files


def test_yaml_comments_are_found_outside_every_value() -> None:
    text = (
        "# The suite.\n"
        'name: "a # b"   # the name\n'
        "prompts:\n"
        "  - p.prompty  #main\n"
        "description: |\n"
        "  # a heading in a block, not a comment\n"
        "url: http://host/#anchor\n"
        "checks: [{type: contains, value: '#1'}]  # flow\n"
    )
    assert yaml_comments(text) == ("# The suite.", "# the name", "#main", "# flow")
    assert yaml_comments(HAND_WRITTEN["workbench.yaml"]) == (
        "# Support triage prompts, reviewed in PRs.",
        "# the main one",
    )
    assert yaml_comments("name: s\nprompts: [p.prompty]\n") == ()
    assert yaml_comments("name: [unclosed\n") == ()
