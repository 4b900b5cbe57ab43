"""Which format a file is in, and one entry to read or write any of them.

Reading: a folder or `workbench.yaml` is a prompt set; `promptfooconfig.yaml` (or any YAML with
promptfoo's `providers`/`tests`) is a promptfoo suite; `.prompty`, `.prompt` (Dotprompt and
litellm), Langfuse JSON and OpenAI messages JSON are loose prompts, kept without a suite.
Writing picks the format from the output's name, or from `--to`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from workbench.domain import PromptTemplate
from workbench.errors import UsageError
from workbench.formats import dotprompt, langfuse, openai_messages, promptfoo
from workbench.prompt_set import (
    PromptSet,
    load_prompt_set,
    prompt_file_names,
    render_prompt_set,
    write_files,
)
from workbench.prompty import load_prompty
from workbench.prompty_writer import write_prompty
from workbench.suite import Suite
from workbench.suite_file import SUITE_FILE
from workbench.textfiles import read_user_text

_PROMPTFOO_KEYS = ("providers", "tests", "defaultTest", "scenarios")


def read_suite(path: Path) -> PromptSet:
    """What `workbench eval` takes: a prompt set or a promptfoo config (not a loose prompt)."""
    found = read_any(path)
    if not found.whole_suite:
        raise UsageError(
            f"{path}: not a suite; give a workbench.yaml, a prompt-set folder or a "
            "promptfooconfig.yaml"
        )
    return found


def read_any(path: Path) -> PromptSet:
    if path.is_dir():
        promptfoo_file = _promptfoo_in(path)
        if promptfoo_file is not None and not (path / SUITE_FILE).exists():
            return _from_promptfoo(promptfoo_file)
        return load_prompt_set(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _from_promptfoo(path) if _is_promptfoo(path) else load_prompt_set(path)
    if suffix == ".prompty":
        return _loose(path, [load_prompty(path)], [])
    if suffix == ".prompt":
        prompt, notes = dotprompt.read_dotprompt(path)
        return _loose(path, [prompt], notes)
    if suffix == ".json":
        return _from_json(path)
    raise UsageError(
        f"{path}: unknown kind of file; expected a folder, workbench.yaml, promptfooconfig.yaml, "
        ".prompty, .prompt or .json"
    )


def _promptfoo_in(folder: Path) -> Path | None:
    for name in ("promptfooconfig.yaml", "promptfooconfig.yml"):
        if (folder / name).is_file():
            return folder / name
    return None


def _is_promptfoo(path: Path) -> bool:
    if path.name.lower().startswith("promptfooconfig"):
        return True
    if path.name == SUITE_FILE:
        return False
    try:
        # The node tree only: its top-level keys decide, and aliases are never expanded here.
        node = yaml.compose(read_user_text(path), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False  # the suite reader names the line
    if not isinstance(node, yaml.MappingNode):
        return False
    return any(key.value in _PROMPTFOO_KEYS for key, _value in node.value)


def _from_promptfoo(path: Path) -> PromptSet:
    converted = promptfoo.read_promptfoo(path)
    suite = converted.suite
    return PromptSet(
        suite, prompt_file_names(suite.prompts), {}, tuple(converted.dropped), path.parent
    )


def _from_json(path: Path) -> PromptSet:
    text = read_user_text(path)
    if langfuse.looks_like_langfuse(openai_messages.load_json(text, path)):
        prompts, notes = langfuse.parse_langfuse(text, path)
        return _loose(path, prompts, notes)
    prompt, notes = openai_messages.parse_openai_messages(text, path)
    return _loose(path, [prompt], notes)


def _loose(path: Path, prompts: list[PromptTemplate], notes: list[str]) -> PromptSet:
    suite = Suite(name=path.stem, prompts=tuple(prompts))
    return PromptSet(
        suite, prompt_file_names(suite.prompts), {}, tuple(notes), path.parent, whole_suite=False
    )


# --- writing ---------------------------------------------------------------------------

Written = tuple[dict[str, str], list[str]]  # files relative to the output folder, dropped notes


def _set_files(prompt_set: PromptSet) -> Written:
    return render_prompt_set(prompt_set.suite, prompt_set.prompt_files, prompt_set.files), []


def _promptfoo_files(prompt_set: PromptSet) -> Written:
    return promptfoo.write_promptfoo(prompt_set.suite)


def _single(
    write: Callable[[PromptTemplate], str],
    dropped: Callable[[PromptTemplate], list[str]] = lambda _prompt: [],
) -> Callable[[PromptSet], Written]:
    def files(prompt_set: PromptSet) -> Written:
        prompts = prompt_set.suite.prompts
        if len(prompts) != 1:
            raise UsageError(
                f"this format holds one prompt and the input has {len(prompts)}; convert to a "
                "folder or promptfooconfig.yaml instead"
            )
        return {"": write(prompts[0])}, dropped(prompts[0])

    return files


WRITERS: dict[str, Callable[[PromptSet], Written]] = {
    "folder": _set_files,
    "promptfoo": _promptfoo_files,
    "prompty": _single(write_prompty),
    "dotprompt": _single(dotprompt.write_dotprompt, dotprompt.dropped_on_write),
    "litellm": _single(
        dotprompt.write_litellm_prompt, lambda p: dotprompt.dropped_on_write(p, "litellm")
    ),
    "openai": _single(openai_messages.write_openai_messages, openai_messages.dropped_on_write),
    "langfuse": _single(langfuse.write_langfuse, langfuse.dropped_on_write),
}


def format_of(target: Path) -> str:
    name = target.name.lower()
    if name.startswith("promptfooconfig"):
        return "promptfoo"
    if name.endswith(".langfuse.json"):
        return "langfuse"
    by_suffix = {".prompty": "prompty", ".prompt": "dotprompt", ".json": "openai"}
    if target.suffix.lower() in by_suffix:
        return by_suffix[target.suffix.lower()]
    if name == SUITE_FILE or target.is_dir() or not target.suffix:
        return "folder"
    raise UsageError(f"{target}: cannot tell the format from the name; give --to")


def write_any(
    prompt_set: PromptSet, target: Path, to: str | None = None
) -> tuple[list[str], list[str]]:
    """Write `prompt_set` as `target`'s format; the paths written and what was not carried."""
    kind = to or format_of(target)
    files, dropped = WRITERS[kind](prompt_set)
    if "" in files:  # one file: the target itself
        root, files = target.parent, {target.name: files[""]}
    elif kind == "promptfoo" and target.suffix:
        root = target.parent
        files = {target.name if k == "promptfooconfig.yaml" else k: v for k, v in files.items()}
    else:
        root = target.parent if target.name == SUITE_FILE else target
    written = write_files(root, files)
    return [str(root / name) for name in written], dropped
