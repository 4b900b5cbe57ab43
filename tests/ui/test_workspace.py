"""The workspace draft keeps cases, checks and repeats, and reads drafts written before them."""

from __future__ import annotations

import json

import pytest

from ui.workspace import Workspace
from workbench.domain import Message, ModelSpec, PromptTemplate
from workbench.errors import WorkbenchError
from workbench.suite import Case, Check


def test_cases_checks_and_repeats_round_trip() -> None:
    kept = Workspace(
        prompts=(PromptTemplate("p", (Message("user", "Hi {{who}}"),)),),
        variables={"who": "Ada"},
        models=(ModelSpec("fake-a"),),
        cases=(
            Case({"who": "Ada", "hidden": "kept"}, (Check("contains", "Ada"),), "first"),
            Case({"who": "Bo"}),
        ),
        checks=(
            Check("equals", "yes"),
            Check("llm-rubric", "is polite", 0.7, provider="judge-model"),
            Check("is-json", {"type": "object"}),
        ),
        repeats=3,
    )
    assert Workspace.from_json(kept.to_json()) == kept


def test_a_draft_from_before_cases_opens_with_none() -> None:
    old = {"format": 1, "prompts": [], "variables": {"x": "1"}, "models": []}
    restored = Workspace.from_json(json.dumps(old))
    assert (restored.cases, restored.checks, restored.repeats) == ((), (), 1)


def test_a_damaged_case_is_a_clear_error() -> None:
    broken = {"format": 1, "prompts": [], "cases": [{"checks": []}]}
    with pytest.raises(WorkbenchError, match="could not be read"):
        Workspace.from_json(json.dumps(broken))
