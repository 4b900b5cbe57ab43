"""promptfoo's `prompts:` entries as the workbench's prompt templates, and the test for inline text.

promptfoo reads an entry as a file when it looks like a path (`file://`, a known extension, a `/`,
...) and as the prompt text otherwise. A prompt's text that parses as a JSON (or YAML) list of
`{role, content}` messages is a chat; any other text is one user message. `.txt` files hold
several prompts separated by `---` lines; `.prompty` files are read as the workbench reads them.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.domain import ROLES, Message, ModelParams, ModelSpec, PromptTemplate
from workbench.errors import UsageError
from workbench.formats.assertions import js_trim
from workbench.formats.promptfoo_yaml import Where, load_yaml, read_referenced
from workbench.formats.providers_map import params_from_config
from workbench.prompty import load_prompty

# promptfoo's VALID_FILE_EXTENSIONS: a prompt string ending in one is taken for a file.
_FILE_EXTENSIONS: tuple[str, ...] = (".cjs", ".cts", ".js", ".json", ".jsonl", ".mjs", ".mts")
_FILE_EXTENSIONS += (".py", ".ts", ".txt", ".yml", ".yaml")
_CODE_EXTENSIONS = (".cjs", ".cts", ".js", ".mjs", ".mts", ".py", ".ts", ".go", ".rb")
_GLOB_CHARS = "*?{}[]"
_READABLE = (".txt", ".md", ".json", ".jsonl", ".yaml", ".yml", ".prompty")
_PROMPT_FIELDS = ("id", "raw", "label", "config")


@dataclass(slots=True)
class _Entry:
    raw: str
    label: str | None
    config: Mapping[str, object]
    where: Where


@dataclass(slots=True)
class _Read:
    prompts: list[PromptTemplate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def maybe_file_path(text: str) -> bool:
    """Whether promptfoo takes a prompt string for a file path (its `maybeFilePath`)."""
    if any(bad in text for bad in ("\n", "portkey://", "langfuse://", "helicone://")):
        return False
    if text.startswith("file://") or any(char in text for char in "*/\\"):
        return True
    tokens = text.split(":")
    if any(
        tokens[-1].endswith(ext) or (len(tokens) > 1 and tokens[-2].endswith(ext))
        for ext in _FILE_EXTENSIONS
    ):
        return True
    return (len(text) >= 3 and text[-3] == ".") or (len(text) >= 4 and text[-4] == ".")


def read_prompts(raw: object, where: Where, base: Path) -> tuple[list[PromptTemplate], list[str]]:
    """The prompts of a `prompts:` value, each with a unique name, and notes."""
    result = _Read()
    entries = _entries(raw, where, result.notes)
    if not entries:
        raise UsageError(f"{where()}: there are no prompts")
    for position, entry in enumerate(entries, start=1):
        for prompt in _read_entry(entry, base, result.notes):
            # An inline prompt has no name in promptfoo (its label is its text): number it.
            result.prompts.append(replace(prompt, name=prompt.name or f"prompt-{position}"))
    if not result.prompts:
        raise UsageError(f"{where()}: none of the prompts could be read")
    return _unique(result.prompts, where, result.notes), result.notes


def _entries(raw: object, where: Where, notes: list[str]) -> list[_Entry]:
    if isinstance(raw, str):
        return [_Entry(raw, None, {}, where)]
    if isinstance(raw, list):
        return [_entry(item, where.child(index), notes) for index, item in enumerate(raw)]
    if isinstance(raw, Mapping):
        # The older form `prompts: {file.txt: label}`.
        return [
            _Entry(key, _text(label, where.child(key)), {}, where.child(key))
            for key, label in raw.items()
        ]
    raise UsageError(f"{where()}: prompts must be text, a list or a mapping")


def _entry(item: object, where: Where, notes: list[str]) -> _Entry:
    if isinstance(item, str):
        return _Entry(item, None, {}, where)
    if not isinstance(item, Mapping):
        raise UsageError(f"{where()}: a prompt must be text or a mapping with 'raw' or 'id'")
    raw = item.get("raw") or item.get("id")
    if not isinstance(raw, str):
        raise UsageError(f"{where()}: a prompt needs 'raw' or 'id' (text)")
    config = item.get("config") or {}
    if not isinstance(config, Mapping):
        raise UsageError(f"{where('config')}: config must be a mapping")
    notes += [
        f"{where()}: prompt field {key!r} not carried over"
        for key in item
        if key not in _PROMPT_FIELDS
    ]
    return _Entry(raw, _text(item.get("label"), where.child("label")), config, where)


def _text(value: object, where: Where) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise UsageError(f"{where()}: must be text")


def _read_entry(entry: _Entry, base: Path, notes: list[str]) -> list[PromptTemplate]:
    if not (entry.raw.startswith("file://") or maybe_file_path(entry.raw)):
        return _from_text(entry, entry.raw, None, notes)
    spec = entry.raw.removeprefix("file://")
    if "\0" in spec:
        raise UsageError(f"{entry.where()}: {spec!r} is not a usable file name")
    if any(char in spec for char in _GLOB_CHARS):
        try:
            # Not Path.glob: it refuses some patterns promptfoo takes ("a**b").
            matches = sorted(glob.glob(spec, root_dir=base))  # noqa: PTH207
        except (OSError, ValueError):
            matches = []
        if matches:
            return [p for match in matches for p in _from_file(entry, base / match, notes)]
        if entry.raw.startswith("file://"):
            raise UsageError(f"{entry.where()}: no file matches {spec!r}")
        # promptfoo's own fallback: a pattern that names no file is the prompt's text.
        return _from_text(entry, entry.raw, None, notes)
    readable = Path(spec).suffix.lower() in _READABLE or _is_code(spec)
    if not entry.raw.startswith("file://") and not readable:
        raise UsageError(
            f"{entry.where()}: promptfoo takes {entry.raw!r} for a file name (it has a '/', "
            "'\\' or a '.' near its end) and finds no prompt in it; put the prompt in a file"
        )
    return _from_file(entry, base / spec, notes)


def _from_file(entry: _Entry, path: Path, notes: list[str]) -> list[PromptTemplate]:
    suffix = path.suffix.lower()
    name = entry.label if entry.label is not None else path.stem
    if _is_code(path.name):
        notes.append(f"{entry.where()}: prompt {entry.raw!r} is code; not carried over")
        return []
    if suffix == ".prompty":
        return [_prompty(entry, path, name, notes)]
    if suffix not in _READABLE:
        raise UsageError(f"{entry.where()}: promptfoo reads no prompts from {path.name!r}")
    text = read_referenced(path, entry.where())
    if suffix in (".txt", ".md") and entry.config:
        notes.append(f"{entry.where()}: promptfoo ignores config for {suffix} prompts; dropped")
        entry = replace(entry, config={})
    named = replace(entry, label=name)
    if suffix in (".txt", ".jsonl"):
        # Several prompts in one file: `---` between them in .txt, one per line in .jsonl.
        if suffix == ".txt":
            pieces = [js_trim(piece) for piece in text.split("---")]
        else:
            pieces = text.split("\n")
        found = [
            p for piece in pieces if piece.strip() for p in _from_text(named, piece, path, notes)
        ]
        if len(found) == 1:
            return found
        return [replace(p, name=f"{name}-{number}") for number, p in enumerate(found, start=1)]
    if suffix in (".yaml", ".yml"):
        return _from_yaml(named, text, path, notes)
    return _from_text(named, text, path, notes)


def _is_code(name: str) -> bool:
    """A script promptfoo would run (`prompt.py`, `prompts.js:build`)."""
    return name.rsplit(":", 1)[0].lower().endswith(_CODE_EXTENSIONS)


def _prompty(entry: _Entry, path: Path, name: str, notes: list[str]) -> PromptTemplate:
    try:
        template = load_prompty(path)
    except UsageError as exc:
        raise UsageError(f"{entry.where()}: {exc}") from exc
    params, rest = params_from_config(entry.config, entry.where("config"))
    notes += _config_notes(entry, rest)
    label = entry.label if entry.label is not None else template.name or name
    return replace(template, name=label, params=template.params.merged(params))


def _from_yaml(entry: _Entry, text: str, path: Path, notes: list[str]) -> list[PromptTemplate]:
    try:
        data = load_yaml(text, path).data
    except UsageError:
        return _from_text(entry, text, path, notes)  # promptfoo, too, falls back to the text
    if isinstance(data, str):
        return _template(entry, (Message("user", data),), path, notes)
    return _from_text(entry, json.dumps(data, ensure_ascii=False), path, notes)


def _from_text(
    entry: _Entry, text: str, path: Path | None, notes: list[str]
) -> list[PromptTemplate]:
    messages = chat_messages(text, entry.where(), notes)
    if messages is None:
        return []
    return _template(entry, messages, path, notes)


def _template(
    entry: _Entry, messages: tuple[Message, ...], path: Path | None, notes: list[str]
) -> list[PromptTemplate]:
    params, rest = params_from_config(entry.config, entry.where("config"))
    notes += _config_notes(entry, rest)
    return [
        PromptTemplate(
            name=entry.label or "",
            messages=messages,
            params=params,
            source_path=None if path is None else str(path),
        )
    ]


def _config_notes(entry: _Entry, keys: list[str]) -> list[str]:
    return [
        f"{entry.where('config')}: prompt config field {key!r} not carried over" for key in keys
    ]


def chat_messages(text: str, where: str, notes: list[str]) -> tuple[Message, ...] | None:
    """A prompt's text as messages: a chat when it is a JSON or YAML message list."""
    stripped = js_trim(text)
    if stripped.startswith("- role:"):
        try:
            data = load_yaml(text, Path("prompt")).data
        except UsageError:
            notes.append(
                f"{where}: the prompt looks like a YAML chat but is not valid YAML before its "
                "variables are filled in; read as one user message"
            )
            return (Message("user", text),)
        return _message_list(data, where, notes)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        if chat_like(stripped):
            notes.append(
                f"{where}: the prompt looks like chat JSON but is not valid JSON before its "
                "variables are filled in; read as one user message"
            )
        return (Message("user", text),)
    if isinstance(data, list):
        return _message_list(data, where, notes)
    return (Message("user", text),)


def chat_like(stripped: str) -> bool:
    """Whether a prompt looks meant as a JSON message list (promptfoo's `looksLikeJson` for
    lists; `{...}` is left out, as most `{{var}} ... {{var}}` templates start and end so)."""
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return False
    after = stripped[1:].lstrip()
    return not after or after[0] in '"{[-0123456789' or after.startswith(("true", "false", "null"))


def _message_list(data: object, where: str, notes: list[str]) -> tuple[Message, ...] | None:
    if not isinstance(data, list) or not data:
        notes.append(f"{where}: the prompt is not a list of chat messages; not carried over")
        return None
    messages: list[Message] = []
    for index, item in enumerate(data):
        role = item.get("role") if isinstance(item, Mapping) else None
        content = item.get("content") if isinstance(item, Mapping) else None
        if role not in ROLES or not isinstance(content, str):
            notes.append(
                f"{where}: message {index + 1} is not a system, user or assistant message with "
                "text content; the prompt is not carried over"
            )
            return None
        extra = [key for key in item if key not in ("role", "content")]
        notes += [f"{where}: message {index + 1} field {key!r} not carried over" for key in extra]
        messages.append(Message(ROLES[ROLES.index(role)], content))
    return tuple(messages)


def _unique(prompts: list[PromptTemplate], where: Where, notes: list[str]) -> list[PromptTemplate]:
    seen: set[str] = set()
    unique: list[PromptTemplate] = []
    for prompt in prompts:
        name = prompt.name
        number = 2
        while name in seen:
            name = f"{prompt.name}-{number}"
            number += 1
        if name != prompt.name:
            notes.append(f"{where()}: a second prompt named {prompt.name!r} is named {name!r}")
        seen.add(name)
        unique.append(replace(prompt, name=name))
    return unique


def precedence_notes(
    prompts: Sequence[PromptTemplate],
    models: Sequence[ModelSpec],
) -> list[str]:
    """Where a prompt and a model set the same parameter, the two tools pick differently."""
    notes: list[str] = []
    for prompt in prompts:
        for model in models:
            shared = _set_fields(prompt.params) & _set_fields(model.params)
            notes += [
                f"prompt {prompt.name!r} and model {model.name!r} both set {name}: promptfoo "
                "uses the prompt's value, the workbench the model's"
                for name in sorted(shared)
            ]
    return notes


def _set_fields(params: ModelParams) -> set[str]:
    return set(params.as_request_fields())
