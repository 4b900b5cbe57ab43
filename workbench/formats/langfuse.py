"""Reading and writing Langfuse prompt exports (the prompt object of Langfuse's API).

{"name": "movie-critic", "version": 3, "type": "chat",
 "prompt": [{"role": "system", "content": "You are a {{criticLevel}} critic."},
            {"type": "placeholder", "name": "history"}],
 "config": {"model": "gpt-4o", "temperature": 0.5},
 "labels": ["production"], "tags": ["movies"], "commitMessage": "..."}

A file holds one such object or a list of them. A text prompt becomes one user message; a chat
prompt's messages keep their roles (OpenAI's rules for `developer`, `tool` and content parts).
`{{name}}` is a Langfuse variable and becomes a Jinja2 one. `config` temperature, top_p,
max_tokens, seed and stop become the prompt's parameters; `config.model` goes to `meta["model"]`,
the rest of `config` to `meta["config"]`, and labels, tags, version and commitMessage to `meta`
under their own names: kept for writing back, named in the notes because runs do not use them.
Placeholders (slots for a conversation filled in at run time) have no equivalent and are named.

Several versions of one prompt in a list are told apart as `name.v3` (litellm's spelling).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from workbench.domain import Message, ModelParams, PromptTemplate
from workbench.errors import UsageError
from workbench.formats.jinja_text import Notes
from workbench.formats.openai_messages import (
    OPENAI_PARAMS,
    chat_message,
    checked_text,
    failing,
    has_comments,
    jinja_to_mustache,
    line_of,
    load_json,
    mustache_to_jinja,
    plain,
    read_params,
)
from workbench.textfiles import read_user_text

_KEPT = ("version", "labels", "tags", "commitMessage")
# What Langfuse's API adds to a prompt it returns: kept for writing back, one note for them all.
_SERVER_FIELDS = (
    "id",
    "createdAt",
    "updatedAt",
    "createdBy",
    "projectId",
    "isActive",
    "resolutionGraph",
)


def looks_like_langfuse(data: object) -> bool:
    """Whether parsed JSON is a Langfuse prompt object or a list of them."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(
        isinstance(item, Mapping) and "prompt" in item and ("name" in item or "type" in item)
        for item in items
    )


def read_langfuse(path: Path) -> tuple[list[PromptTemplate], list[str]]:
    """Every prompt in a Langfuse export, and what was not carried over."""
    return parse_langfuse(read_user_text(path), path)


def parse_langfuse(text: str, path: Path) -> tuple[list[PromptTemplate], list[str]]:
    data = load_json(text, path)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise UsageError(f"{path}: the list holds no prompts")
    several = isinstance(data, list) and len(items) > 1
    read = [_prompt(item, index, several, path) for index, item in enumerate(items, start=1)]
    prompts = _distinct_names([prompt for prompt, _notes in read])
    notes: list[str] = []
    for (first, item_notes), prompt in zip(read, prompts, strict=True):
        if prompt.name != first.name:
            notes.append(
                f"langfuse prompt {first.name!r} has several versions: read as {prompt.name!r}"
            )
        prefix = f"prompt {prompt.name!r}: " if several else ""
        notes.extend(prefix + note for note in item_notes.as_list())
    return prompts, notes


def _prompt(raw: object, index: int, several: bool, path: Path) -> tuple[PromptTemplate, Notes]:
    fail = failing(path, line_of(raw))
    if not isinstance(raw, Mapping):
        fail(f"prompt {index} must be a Langfuse prompt object")
    notes = Notes()
    name = raw.get("name")
    if name is None:
        name = f"{path.stem}-{index}" if several else path.stem
    if not isinstance(name, str) or not name.strip():
        fail("'name' must be non-empty text")
    kind = raw.get("type")
    body = raw.get("prompt")
    if kind is None:
        kind = "text" if isinstance(body, str) else "chat"
    if kind not in ("text", "chat"):
        fail(f"'type' must be 'text' or 'chat', not {kind!r}")
    meta: dict[str, object] = {}
    if kind == "text":
        if not isinstance(body, str) or not body.strip():
            fail("a text prompt's 'prompt' must be non-empty text")
        content = mustache_to_jinja(checked_text(body, fail, "prompt"), notes)
        messages: tuple[Message, ...] = (Message("user", content),)
    else:
        messages = _chat(body, path, notes, line_of(raw))
        if len(messages) == 1 and messages[0].role == "user":
            meta["type"] = "chat"  # else it would be written back as a text prompt
    params, config_meta = _config(raw.get("config"), path, line_of(raw), notes)
    meta.update(config_meta)
    for key, value in raw.items():
        if key in ("name", "type", "prompt", "config"):
            continue
        meta[key] = plain(value, fail, key)
        _note_field(key, value, notes)
    server = [key for key in raw if key in _SERVER_FIELDS]
    if server:
        notes.add(f"langfuse fields {', '.join(server)} not carried over")
    prompt = PromptTemplate(
        checked_text(name, fail, "name"),
        messages,
        params=params,
        source_path=str(path),
        meta=meta,
    )
    return prompt, notes


def _note_field(key: str, value: object, notes: Notes) -> None:
    if key in ("labels", "tags") and isinstance(value, list):
        for item in value:
            notes.add(f"langfuse {key[:-1]} {item!r} not carried over")
    elif key == "version":
        notes.add(f"langfuse version {value!r} not carried over")
    elif key == "commitMessage":
        if value:
            notes.add("langfuse commitMessage not carried over")
    elif key not in _SERVER_FIELDS:
        notes.add(f"langfuse field '{key}' not carried over")


def _chat(body: object, path: Path, notes: Notes, line: int | None) -> tuple[Message, ...]:
    fail = failing(path, line)
    if not isinstance(body, list):
        fail("a chat prompt's 'prompt' must be a list of messages")
    messages = []
    for index, entry in enumerate(body, start=1):
        if isinstance(entry, Mapping) and entry.get("type") == "placeholder":
            label = entry.get("name")
            notes.add(f"langfuse placeholder {label!r} (message {index}) not carried over")
            continue
        if isinstance(entry, Mapping) and entry.get("type") not in (None, "chatmessage", "message"):
            failing(path, line_of(entry) or line)(
                f"message {index} has an unknown type {entry.get('type')!r}"
            )
        message = chat_message(entry, index, path, notes, line)
        if message is not None:
            messages.append(message)
    if not messages:
        fail("the prompt has no messages")
    return tuple(messages)


def _config(
    raw: object, path: Path, line: int | None, notes: Notes
) -> tuple[ModelParams, dict[str, object]]:
    fail = failing(path, line_of(raw) or line)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        fail("'config' must be an object")
    params = read_params(raw, OPENAI_PARAMS, lambda _key: fail, "config.")
    meta: dict[str, object] = {}
    extras: dict[str, object] = {}
    for key, value in raw.items():
        if key in OPENAI_PARAMS:
            continue
        if key == "model" and isinstance(value, str):
            meta["model"] = checked_text(value, fail, "config.model")
            notes.add(f"model {value!r} not carried over (runs use the models you choose)")
        else:
            extras[key] = plain(value, fail, f"config.{key}")
            notes.add(f"langfuse config '{key}' not carried over")
    if extras:
        meta["config"] = extras
    return params, meta


def _distinct_names(prompts: list[PromptTemplate]) -> list[PromptTemplate]:
    counts = Counter(prompt.name for prompt in prompts)
    seen: Counter[str] = Counter()
    out = []
    for prompt in prompts:
        if counts[prompt.name] == 1:
            out.append(prompt)
            continue
        seen[prompt.name] += 1
        version = prompt.meta.get("version")
        suffix = f".v{version}" if isinstance(version, int) else f".{seen[prompt.name]}"
        out.append(_renamed(prompt, prompt.name + suffix))
    taken = Counter(prompt.name for prompt in out)
    if any(count > 1 for count in taken.values()):  # the same version twice: number them
        return [_renamed(p, f"{p.name}.{i}") for i, p in enumerate(out, start=1)]
    return out


def _renamed(prompt: PromptTemplate, name: str) -> PromptTemplate:
    return PromptTemplate(
        name,
        prompt.messages,
        prompt.description,
        prompt.params,
        prompt.defaults,
        prompt.source_path,
        prompt.meta,
    )


# --- writing ----------------------------------------------------------------------------------


def write_langfuse(prompts: PromptTemplate | Sequence[PromptTemplate]) -> str:
    """One prompt object, or a list of them when given a list."""
    if isinstance(prompts, PromptTemplate):
        data: object = _prompt_object(prompts)
    else:
        data = [_prompt_object(prompt) for prompt in prompts]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _prompt_object(prompt: PromptTemplate) -> dict[str, object]:
    meta = prompt.meta
    what = f"prompt {prompt.name!r}"
    out: dict[str, object] = {"name": prompt.name}
    if isinstance(meta.get("version"), int):
        out["version"] = meta["version"]
    messages = prompt.messages
    if len(messages) == 1 and messages[0].role == "user" and meta.get("type") != "chat":
        out["type"] = "text"
        out["prompt"] = jinja_to_mustache(messages[0].content, what)
    else:
        out["type"] = "chat"
        out["prompt"] = [
            {"role": m.role, "content": jinja_to_mustache(m.content, f"{what} message {n}")}
            for n, m in enumerate(messages, start=1)
        ]
    config: dict[str, object] = {}
    if isinstance(meta.get("model"), str):
        config["model"] = meta["model"]
    config.update(prompt.params.as_request_fields())
    extras = meta.get("config")
    if isinstance(extras, Mapping):
        config.update({str(k): v for k, v in extras.items() if k not in config})
    out["config"] = config
    for key in (*_KEPT[1:], *_SERVER_FIELDS):
        if key in meta:
            out[key] = meta[key]
    return out


def dropped_on_write(prompt: PromptTemplate) -> list[str]:
    """What `write_langfuse` leaves out of `prompt`."""
    dropped = []
    if prompt.description:
        dropped.append("description not written (Langfuse prompts have none)")
    if prompt.defaults:
        names = ", ".join(sorted(prompt.defaults))
        dropped.append(f"default values not written (Langfuse prompts have none): {names}")
    written = {"model", "config", "type", *_KEPT, *_SERVER_FIELDS}
    dropped.extend(
        f"field '{key}' not written (not a Langfuse prompt field)"
        for key in sorted(prompt.meta)
        if key not in written
    )
    if any(has_comments(message.content) for message in prompt.messages):
        dropped.append("template comments not written")
    return dropped
