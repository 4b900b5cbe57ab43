"""A suite as promptfoo's files: `promptfooconfig.yaml`, chat prompts, and a tests file.

Deterministic: the same suite always gives the same bytes. A one-message user prompt that promptfoo
would read back as written goes inline; any other prompt goes to `prompts/NAME.json` as a chat.
A prompt's parameters become its `config` (promptfoo merges it over the provider's); the suite's
checks become `defaultTest.assert`; the cases go to the suite's CSV or JSONL file when it has one
and they fit it, inline otherwise. What promptfoo has no place for is returned as notes.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from workbench.domain import PromptTemplate
from workbench.formats.assertions import check_to_mapping, js_trim
from workbench.formats.case_files import case_file_problems, write_case_file
from workbench.formats.promptfoo_prompts import (
    chat_like,
    maybe_file_path,
    precedence_notes,
)
from workbench.formats.promptfoo_tests import test_to_mapping
from workbench.formats.promptfoo_yaml import dump_yaml
from workbench.formats.providers_map import provider_from_model, unwritable_model_fields
from workbench.suite import Suite

CONFIG_FILE = "promptfooconfig.yaml"
_SCHEMA_LINE = "# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json\n"
_CASE_FILE_SUFFIXES = (".csv", ".jsonl")


def name_from_description(description: str) -> str:
    """The suite name a config without `metadata.name` gets: its description's first line."""
    return next((line.strip() for line in description.splitlines() if line.strip()), "")


def write_promptfoo(suite: Suite) -> tuple[dict[str, str], list[str]]:
    """Files (paths relative to the output folder) and notes on what promptfoo cannot hold."""
    files: dict[str, str] = {}
    notes: list[str] = []
    config: dict[str, object] = {}
    if suite.description:
        config["description"] = suite.description
    if not suite.description or suite.name != name_from_description(suite.description):
        config["metadata"] = {"name": suite.name}
    config["prompts"] = _prompts(suite.prompts, files, notes)
    if suite.models:
        config["providers"] = [provider_from_model(model) for model in suite.models]
    for index, model in enumerate(suite.models):
        notes += unwritable_model_fields(model, f"models[{index}]")
    notes += precedence_notes(suite.prompts, suite.models)
    if suite.checks:
        config["defaultTest"] = {"assert": [check_to_mapping(check) for check in suite.checks]}
    tests = _tests(suite, files, notes)
    if tests is not None:
        config["tests"] = tests
    files[CONFIG_FILE] = _SCHEMA_LINE + dump_yaml(config)
    return files, notes


def _prompts(
    prompts: tuple[PromptTemplate, ...], files: dict[str, str], notes: list[str]
) -> list[object]:
    entries: list[object] = []
    taken: set[str] = set()
    names = [prompt.name for prompt in prompts]
    for index, prompt in enumerate(prompts):
        where = f"prompts[{index}] {prompt.name!r}"
        if names.count(prompt.name) > 1:
            notes.append(f"{where}: another prompt has this name; promptfoo labels must differ")
        entry: dict[str, object]
        if inline_text(prompt) is not None:
            entry = {"label": prompt.name, "raw": prompt.messages[0].content}
        else:
            file_name = _file_name(prompt.name, taken)
            files[file_name] = _chat_json(prompt)
            entry = {"id": f"file://{file_name}", "label": prompt.name}
        config = prompt.params.as_request_fields()
        if config:
            entry["config"] = config
        entries.append(entry)
        notes += _unwritable_prompt_fields(prompt, where)
    return entries


def inline_text(prompt: PromptTemplate) -> str | None:
    """The prompt's text when promptfoo reads it back inline as this one user message."""
    if len(prompt.messages) != 1 or prompt.messages[0].role != "user":
        return None
    text = prompt.messages[0].content
    stripped = js_trim(text)
    if not stripped or maybe_file_path(text) or chat_like(stripped):
        return None
    if stripped.startswith("- role:"):
        return None
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return text
    return None  # promptfoo would send the parsed JSON, not the text


def _file_name(name: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "prompt"
    candidate, number = stem, 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{number}"
        number += 1
    taken.add(candidate.lower())
    return f"prompts/{candidate}.json"


def _chat_json(prompt: PromptTemplate) -> str:
    messages = [message.as_dict() for message in prompt.messages]
    return json.dumps(messages, ensure_ascii=False, indent=2) + "\n"


def _unwritable_prompt_fields(prompt: PromptTemplate, where: str) -> list[str]:
    notes: list[str] = []
    if prompt.description:
        notes.append(f"{where}: description not written (promptfoo prompts have none)")
    if prompt.defaults:
        names = ", ".join(sorted(prompt.defaults))
        notes.append(f"{where}: default values of {names} not written")
    if prompt.meta:
        notes.append(f"{where}: front-matter fields {', '.join(sorted(prompt.meta))} not written")
    return notes


def _tests(suite: Suite, files: dict[str, str], notes: list[str]) -> object:
    target = suite.cases_file
    if target is not None:
        reason = _case_file_refusal(suite, target)
        if reason is None:
            files[target.removeprefix("./")] = write_case_file(
                suite.cases, PurePosixPath(target).suffix
            )
            return f"file://{target}"
        notes.append(f"cases written inline, not to {target!r}: {reason}")
    if not suite.cases:
        return None
    return [test_to_mapping(case) for case in suite.cases]


def _case_file_refusal(suite: Suite, target: str) -> str | None:
    pure = PurePosixPath(target)
    if (
        not target.strip()
        or target != target.strip()
        or pure.is_absolute()
        or ".." in pure.parts
        or any(char in target for char in "\\\0*?[]{}:")
        or pure.name == CONFIG_FILE
        or pure.parts[0] == "prompts"
    ):
        return "the file name is not a plain relative path"
    if pure.suffix.lower() not in _CASE_FILE_SUFFIXES:
        return f"promptfoo reads no tests from {pure.suffix or 'suffix-less'} files"
    if not suite.cases:
        return "there are no cases"
    problems = case_file_problems(suite.cases, pure.suffix.lower())
    return "; ".join(problems) if problems else None
