"""promptfoo's `promptfooconfig.yaml` as a suite, and a suite as promptfoo's files.

Read: prompts (inline, `file://` .txt/.md/.json/.jsonl/.yaml/.prompty, `{id, label, raw}`),
providers (as litellm model names, see providers_map), tests (inline, or from CSV/JSONL/YAML
files), and `defaultTest` (its assertions become the suite's checks, its vars sit under every
case's). Whatever the workbench cannot carry (scenarios, transforms, extensions, ...) comes back
in `Converted.dropped`, by name. Writing is in promptfoo_write.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from workbench.domain import ModelSpec
from workbench.errors import UsageError
from workbench.formats.promptfoo_prompts import precedence_notes, read_prompts
from workbench.formats.promptfoo_test_files import read_default_test, read_tests
from workbench.formats.promptfoo_write import name_from_description, write_promptfoo
from workbench.formats.promptfoo_yaml import Where, load_yaml, read_referenced
from workbench.formats.providers_map import model_from_provider
from workbench.suite import Converted, Suite
from workbench.textfiles import read_user_text

__all__ = ["CONFIG_NAMES", "read_promptfoo", "write_promptfoo"]

CONFIG_NAMES = ("promptfooconfig.yaml", "promptfooconfig.yml", "promptfooconfig.json")
_CARRIED = ("description", "prompts", "providers", "targets", "tests", "defaultTest", "metadata")
# promptfoo fields the workbench has no counterpart for; named in the notes when present.
_NOT_CARRIED = (
    "tags",
    "scenarios",
    "outputPath",
    "sharing",
    "nunjucksFilters",
    "env",
    "derivedMetrics",
    "extensions",
    "redteam",
    "writeLatestResults",
    "tracing",
    "evaluateOptions",
    "commandLineOptions",
)


def read_promptfoo(path: Path) -> Converted:
    """A promptfoo config (or a folder holding one) as a suite, with what was not carried."""
    path = _config_file(path)
    base = path.parent
    doc = load_yaml(read_user_text(path), path)
    data = doc.data
    where = Where(path, doc=doc)
    if not isinstance(data, Mapping):
        raise UsageError(f"{where()}: a promptfoo config is a mapping (prompts, providers, tests)")
    notes = _top_level_notes(data, where)
    if "providers" in data and "targets" in data:
        raise UsageError(f"{where()}: has both 'providers' and 'targets' (promptfoo takes one)")
    if "prompts" not in data:
        raise UsageError(f"{where()}: has no 'prompts'")
    prompts, prompt_notes = read_prompts(data["prompts"], where.child("prompts"), base)
    notes += prompt_notes
    key = "targets" if "targets" in data else "providers"
    models = _models(data.get(key), where.child(key), base, notes)
    default_vars, checks = read_default_test(
        data.get("defaultTest"), where.child("defaultTest"), base, notes
    )
    cases, cases_file = read_tests(
        data.get("tests"), where.child("tests"), base, default_vars, notes
    )
    description = _text(data.get("description"), where.child("description"))
    name = _name(data.get("metadata"), description, path, where.child("metadata"), notes)
    notes += precedence_notes(prompts, models)
    suite = Suite(
        name=name,
        prompts=tuple(prompts),
        models=tuple(models),
        cases=tuple(cases),
        checks=checks,
        description=description,
        cases_file=cases_file,
    )
    return Converted(suite, tuple(notes))


def _config_file(path: Path) -> Path:
    try:
        is_folder = path.is_dir()
    except (OSError, ValueError):
        is_folder = False
    if not is_folder:
        return path
    for name in CONFIG_NAMES:
        if (path / name).is_file():
            return path / name
    raise UsageError(f"{path}: no promptfooconfig.yaml in this folder")


def _top_level_notes(data: Mapping[str, object], where: Where) -> list[str]:
    notes: list[str] = []
    for key in data:
        if key in _NOT_CARRIED:
            notes.append(f"{where(key)}: promptfoo field {key!r} not carried over")
        elif key not in _CARRIED:
            notes.append(f"{where(key)}: unknown field {key!r} not carried over")
    return notes


def _text(value: object, where: Where) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(f"{where()}: must be text")
    return value


def _name(metadata: object, description: str, path: Path, where: Where, notes: list[str]) -> str:
    if metadata is not None and not isinstance(metadata, Mapping):
        raise UsageError(f"{where()}: metadata must be a mapping")
    metadata = metadata or {}
    notes += [
        f"{where(key)}: metadata {key!r} not carried over" for key in metadata if key != "name"
    ]
    name = metadata.get("name")
    if name is not None and not isinstance(name, str):
        raise UsageError(f"{where('name')}: must be text")
    return name or name_from_description(description) or path.resolve().parent.name or "promptfoo"


def _models(raw: object, where: Where, base: Path, notes: list[str]) -> list[ModelSpec]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise UsageError(f"{where()}: providers must be an id or a list of providers")
    models: list[ModelSpec] = []
    for index, item in enumerate(items):
        if isinstance(item, str) and item.startswith("file://"):
            models += _models_from_file(item, where(index), base, notes)
            continue
        model, model_notes = model_from_provider(item, where(index))
        models.append(model)
        notes += model_notes
    return models


def _models_from_file(spec: str, where: str, base: Path, notes: list[str]) -> list[ModelSpec]:
    path = base / spec.removeprefix("file://")
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise UsageError(f"{where}: provider {spec!r} is code the workbench cannot run")
    doc = load_yaml(read_referenced(path, where), path)
    items = doc.data if isinstance(doc.data, list) else [doc.data]
    file_where = Where(path, doc=doc)
    models: list[ModelSpec] = []
    for index, item in enumerate(items):
        item_where = file_where(index) if isinstance(doc.data, list) else file_where()
        model, model_notes = model_from_provider(item, item_where)
        models.append(model)
        notes += model_notes
    return models
