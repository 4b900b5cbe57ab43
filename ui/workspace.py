"""The editor's whole state as one JSON draft: prompts, variables, models, cases, checks, folder.

The window autosaves this to the store's drafts table a moment after every edit and on close,
and restores it at start, so typed text survives a crash or a closed window. Pure data: no Qt.

A model the window serves from a GGUF file carries that file's absolute path (`"gguf"`), because
its api_base names a port that dies with the window: a restart serves the file again and points
the model at the new port.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from storage import codec, suite_codec
from workbench.domain import ModelSpec, PromptTemplate
from workbench.errors import WorkbenchError
from workbench.prompty import load_prompty
from workbench.suite import Case, Check

DRAFT_KEY = "workspace"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class OpenFolder:
    """The prompt-set folder the editor works on, so a restart opens it again."""

    path: str
    prompt_files: tuple[str | None, ...]  # per prompt column: the file it came from (None: new)
    # Edits not written back yet (a crash), apart for the prompts and for the Cases and Checks
    # docks: a restart keeps the draft's part only where it held edits, and shows the files'
    # other part as it is now (a pull since then is never written back over by a stale copy).
    unsaved: bool = False  # the prompts
    suite_unsaved: bool = False  # the cases and checks


@dataclass(frozen=True, slots=True)
class Workspace:
    prompts: tuple[PromptTemplate, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    models: tuple[ModelSpec, ...] = ()
    folder: OpenFolder | None = None
    cases: tuple[Case, ...] = ()
    checks: tuple[Check, ...] = ()
    repeats: int = 1
    # api_base of a model a window engine serves -> the GGUF file it serves (absolute path)
    gguf_files: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _FORMAT,
                "prompts": [_prompt_json(prompt) for prompt in self.prompts],
                "variables": dict(self.variables),
                "models": [_model_json(model, self.gguf_files) for model in self.models],
                **({"folder": _folder_json(self.folder)} if self.folder else {}),
                "cases": [suite_codec.case_json(case) for case in self.cases],
                "checks": [suite_codec.check_json(check) for check in self.checks],
                "repeats": self.repeats,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Workspace:
        """The workspace a draft holds; a damaged draft raises WorkbenchError (never half-read)."""
        try:
            data = json.loads(text)
            prompts = tuple(_prompt_of(item) for item in data["prompts"])
            variables = {str(k): str(v) for k, v in dict(data.get("variables", {})).items()}
            items = data.get("models", [])
            models = tuple(
                codec.model_of(str(item["name"]), item.get("api_base"), item) for item in items
            )
            gguf_files = _gguf_files_of(items)
            folder = _folder_of(data["folder"]) if data.get("folder") else None
            cases = tuple(suite_codec.case_of(item) for item in data.get("cases", []))
            checks = tuple(suite_codec.check_of(item) for item in data.get("checks", []))
            repeats = max(1, int(data.get("repeats", 1)))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise WorkbenchError(f"the saved workspace could not be read ({exc})") from exc
        return cls(prompts, variables, models, folder, cases, checks, repeats, gguf_files)


def samples(folder: Path) -> Workspace:
    """The sample prompts a first start opens with, their sample values filled in."""
    prompts = [load_prompty(path) for path in sorted(folder.glob("*.prompty"))]
    variables: dict[str, str] = {}
    for prompt in prompts:
        for name, value in prompt.defaults.items():
            variables.setdefault(name, value)
    return Workspace(tuple(prompts), variables, ())


def _model_json(model: ModelSpec, gguf_files: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": model.name,
        "api_base": model.api_base,
        **codec.model_options(model),
    }
    gguf = gguf_files.get(model.api_base) if model.api_base is not None else None
    if gguf is not None:  # only for an engine's model: other items read as before
        item["gguf"] = gguf
    return item


def _gguf_files_of(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each engine model's api_base -> its file; a key that cannot be served again is damage."""
    files: dict[str, str] = {}
    for item in items:
        if "gguf" not in item:
            continue
        path, api_base = item["gguf"], item.get("api_base")
        if not isinstance(path, str) or not PurePath(path).is_absolute():
            raise ValueError(f"the GGUF file of model {item['name']!r} is not an absolute path")
        if not isinstance(api_base, str):
            raise ValueError(f"model {item['name']!r} has a GGUF file but no api_base")
        if files.setdefault(api_base, path) != path:
            raise ValueError(f"two GGUF files for the one api_base {api_base}")
    return files


def _folder_json(folder: OpenFolder) -> dict[str, Any]:
    return {
        "path": folder.path,
        "prompt_files": list(folder.prompt_files),
        "unsaved": folder.unsaved,
        "suite_unsaved": folder.suite_unsaved,
    }


def _folder_of(item: Mapping[str, Any]) -> OpenFolder:
    files = tuple(None if name is None else str(name) for name in item["prompt_files"])
    unsaved = bool(item.get("unsaved", False))
    # A draft from before the split had one flag for both parts, and kept the docks with it.
    suite_unsaved = bool(item.get("suite_unsaved", unsaved))
    return OpenFolder(str(item["path"]), files, unsaved, suite_unsaved)


def _prompt_json(prompt: PromptTemplate) -> dict[str, Any]:
    return {
        "name": prompt.name,
        "description": prompt.description,
        "messages": codec.messages_json(prompt.messages),
        "params": codec.params_json(prompt.params),
        "defaults": dict(prompt.defaults),
    }


def _prompt_of(item: Mapping[str, Any]) -> PromptTemplate:
    return PromptTemplate(
        name=str(item["name"]),
        messages=codec.messages_of(item["messages"]),
        description=str(item.get("description", "")),
        params=codec.params_of(item.get("params", {})),
        defaults={str(k): str(v) for k, v in dict(item.get("defaults", {})).items()},
    )


def unique_name(wanted: str, taken: Sequence[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... so prompts in one run never share a name."""
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"
