from __future__ import annotations

from pathlib import Path

import pytest

from workbench.domain import Message, ModelParams
from workbench.errors import UsageError
from workbench.prompty import load_prompty, parse_prompty

SAMPLE = """---
name: summarise
description: One-line summary
model:
  api: chat
  parameters:
    temperature: 0.2
    max_tokens: 120
    stop: ["###"]
inputs:
  text:
    type: string
  style:
    type: string
    default: plain
sample:
  text: Prompt engineering is the craft of writing instructions.
---
system:
You summarise in one {{style}} line.

user:
Example text

assistant:
Example summary

user:
{{text}}
"""


def test_reads_front_matter_roles_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "summarise.prompty"
    path.write_text(SAMPLE, encoding="utf-8")
    prompt = load_prompty(path)
    assert prompt.name == "summarise"
    assert prompt.description == "One-line summary"
    assert prompt.params == ModelParams(temperature=0.2, max_tokens=120, stop=("###",))
    assert prompt.messages == (
        Message("system", "You summarise in one {{style}} line."),
        Message("user", "Example text"),
        Message("assistant", "Example summary"),
        Message("user", "{{text}}"),
    )
    assert prompt.defaults == {
        "text": "Prompt engineering is the craft of writing instructions.",
        "style": "plain",
    }


def test_body_without_markers_is_one_user_message() -> None:
    prompt = parse_prompty("Tell me about {{topic}}\n", Path("t.prompty"))
    assert prompt.name == "t"
    assert prompt.messages == (Message("user", "Tell me about {{topic}}"),)


def test_yaml_error_names_file_and_line() -> None:
    text = "---\nname: x\nmodel: [unclosed\n---\nuser:\nhi\n"
    with pytest.raises(UsageError, match=r"bad\.prompty:\d+: invalid YAML"):
        parse_prompty(text, Path("bad.prompty"))


def test_unclosed_front_matter() -> None:
    with pytest.raises(UsageError, match="never closed"):
        parse_prompty("---\nname: x\nuser:\nhi\n", Path("x.prompty"))


def test_text_before_first_marker_is_an_error() -> None:
    with pytest.raises(UsageError, match=r"x\.prompty:1: text before the first role marker"):
        parse_prompty("stray\nuser:\nhi\n", Path("x.prompty"))


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_prompty(tmp_path / "absent.prompty")
    binary = tmp_path / "b.prompty"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UsageError, match="not a UTF-8 text file"):
        load_prompty(binary)


def test_bad_parameter_type() -> None:
    text = "---\nmodel:\n  parameters:\n    temperature: hot\n---\nuser:\nhi\n"
    with pytest.raises(UsageError, match="bad model parameter"):
        parse_prompty(text, Path("x.prompty"))
