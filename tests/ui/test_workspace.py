"""The workspace draft keeps cases, checks and repeats, and reads drafts written before them."""

from __future__ import annotations

import json

import pytest

from ui.workspace import OpenFolder, Workspace
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


def test_an_engine_models_gguf_file_round_trips_next_to_its_model() -> None:
    served = ModelSpec("tiny", api_base="http://127.0.0.1:41234/v1", transport="openai")
    hosted = ModelSpec("gpt-4o-mini")
    kept = Workspace(
        models=(served, hosted),
        gguf_files={"http://127.0.0.1:41234/v1": "/models/tiny.gguf"},
    )
    items = json.loads(kept.to_json())["models"]
    assert [item.get("gguf") for item in items] == ["/models/tiny.gguf", None]
    assert "gguf" not in items[1]  # other models' items read as they always did
    assert Workspace.from_json(kept.to_json()) == kept


def test_a_draft_from_before_gguf_files_opens_with_none() -> None:
    old = {
        "format": 1,
        "prompts": [],
        "models": [{"name": "tiny", "api_base": "http://127.0.0.1:41234/v1"}],
    }
    restored = Workspace.from_json(json.dumps(old))
    assert restored.models == (ModelSpec("tiny", api_base="http://127.0.0.1:41234/v1"),)
    assert restored.gguf_files == {}


@pytest.mark.parametrize(
    ("item", "why"),
    [
        ({"api_base": "http://127.0.0.1:1/v1", "gguf": "tiny.gguf"}, "not an absolute path"),
        ({"api_base": "http://127.0.0.1:1/v1", "gguf": 7}, "not an absolute path"),
        ({"api_base": None, "gguf": "/models/tiny.gguf"}, "no api_base"),
    ],
)
def test_a_damaged_gguf_file_is_a_clear_error(item: dict[str, object], why: str) -> None:
    broken = {"format": 1, "prompts": [], "models": [{"name": "tiny", **item}]}
    with pytest.raises(WorkbenchError, match=f"could not be read .*{why}"):
        Workspace.from_json(json.dumps(broken))


@pytest.mark.parametrize(("unsaved", "suite_unsaved"), [(True, False), (False, True), (True, True)])
def test_the_folders_two_unsaved_flags_round_trip_apart(unsaved: bool, suite_unsaved: bool) -> None:
    folder = OpenFolder("/sets/sentiment", ("a.prompty", None), unsaved, suite_unsaved)
    kept = Workspace(folder=folder)
    item = json.loads(kept.to_json())["folder"]
    assert (item["unsaved"], item["suite_unsaved"]) == (unsaved, suite_unsaved)
    assert Workspace.from_json(kept.to_json()).folder == folder


@pytest.mark.parametrize("unsaved", [True, False])
def test_a_folder_from_before_the_split_keeps_its_docks_as_it_did(unsaved: bool) -> None:
    # One flag then covered the prompts and the docks: an old draft's docks stay when it was set.
    old = {
        "format": 1,
        "prompts": [],
        "folder": {"path": "/sets/sentiment", "prompt_files": ["a.prompty"], "unsaved": unsaved},
    }
    folder = Workspace.from_json(json.dumps(old)).folder
    assert folder == OpenFolder("/sets/sentiment", ("a.prompty",), unsaved, unsaved)
