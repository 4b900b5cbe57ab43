"""Reading `.prompty` files: YAML front matter, then a Jinja2 body with role markers.

---
name: summarise
description: One-line summary
model:
  parameters: {temperature: 0.2, max_tokens: 200}
inputs:
  text: {type: string, default: "..."}
sample:
  text: "Prompt engineering is ..."
---
system:
You summarise in one line.

user:
{{text}}

Front-matter fields of the Prompty spec the workbench does not act on (authors, tags,
model.configuration, ...) are kept in `PromptTemplate.meta` and written back; a field outside the
spec is refused with its line, since it is most likely a typo that would otherwise do nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2

from workbench.domain import ROLES, Message, ModelParams, PromptTemplate, Role
from workbench.errors import UsageError
from workbench.textfiles import read_user_text
from workbench.yaml_doc import YamlDoc, load_yaml, unknown_keys

ROLE_LINE = re.compile(r"^\s*(system|user|assistant)\s*:\s*$", re.IGNORECASE)
_FENCE = "---"
_N = TypeVar("_N", int, float)
_SYNTAX = jinja2.Environment(autoescape=False)  # noqa: S701 - parses, never renders

# The Prompty spec's fields, in the order the writer puts them.
TOP_FIELDS = (
    "$schema",
    "name",
    "description",
    "version",
    "authors",
    "tags",
    "base",
    "model",
    "inputs",
    "outputs",
    "sample",
    "template",
)
MODEL_FIELDS = ("api", "configuration", "parameters", "response")
PARAM_FIELDS = ("temperature", "top_p", "max_tokens", "seed", "stop")


@dataclass(frozen=True, slots=True)
class _Body:
    messages: tuple[Message, ...]
    first_lines: tuple[int, ...]  # the file line each message's text starts on


def load_prompty(path: Path) -> PromptTemplate:
    """Read one `.prompty` file; every problem is a UsageError naming the file and line."""
    return parse_prompty(read_user_text(path), path)


def parse_prompty(text: str, path: Path) -> PromptTemplate:
    header, body_text, body_line = _split_front_matter(text, path)
    doc = load_yaml(header, path, first_line=2) if header.strip() else YamlDoc({}, {}, path)
    meta = _mapping(doc.data, doc, "front matter")
    unknown_keys(doc, meta, TOP_FIELDS)
    body = _parse_body(body_text, body_line, path)
    _check_templates(body, path)
    model = _mapping(meta.get("model"), doc, "model", "model")
    unknown_keys(doc, model, MODEL_FIELDS, "model")
    raw_params = _mapping(model.get("parameters"), doc, "model.parameters", "model", "parameters")
    # Sample values live on as `defaults` (the writer puts them back); a sample kept in a
    # separate file stays a reference.
    own = ("name", "description", "model") + (("sample",) if _is_map(meta.get("sample")) else ())
    kept = {k: v for k, v in meta.items() if k not in own}
    kept_model = {k: v for k, v in model.items() if k != "parameters"}
    extra_params = {k: v for k, v in raw_params.items() if k not in PARAM_FIELDS}
    if extra_params:
        # Parameters the workbench does not send (penalties, response_format) stay in the file.
        kept_model["parameters"] = extra_params
    if kept_model:
        kept["model"] = kept_model
    return PromptTemplate(
        name=_text(meta.get("name"), doc, "name") or path.stem,
        description=_text(meta.get("description"), doc, "description"),
        messages=body.messages,
        params=_params(raw_params, doc),
        defaults=_defaults(meta, doc),
        source_path=str(path),
        meta=kept,
    )


def _is_map(value: object) -> bool:
    return isinstance(value, Mapping)


def _split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        return "", text, 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == _FENCE:
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    raise UsageError(f"{path}:1: front matter opened with '---' is never closed")


def _mapping(value: object, doc: YamlDoc, what: str, *at: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(f"{doc.where(*at)}: {what} must be a mapping, not {type(value).__name__}")
    return cast("Mapping[str, Any]", value)


def _text(value: object, doc: YamlDoc, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise UsageError(f"{doc.where(key)}: {key} must be text, not {type(value).__name__}")
    return str(value)


def _params(raw: Mapping[str, Any], doc: YamlDoc) -> ModelParams:
    at = ("model", "parameters")
    stop = raw.get("stop")
    if stop is None:
        stops: tuple[str, ...] = ()
    elif isinstance(stop, str):
        stops = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        stops = tuple(stop)
    else:
        raise UsageError(f"{doc.where(*at, 'stop')}: stop must be text or a list of texts")
    return ModelParams(
        temperature=_number(raw.get("temperature"), float, doc, *at, "temperature"),
        top_p=_number(raw.get("top_p"), float, doc, *at, "top_p"),
        max_tokens=_number(raw.get("max_tokens"), int, doc, *at, "max_tokens"),
        seed=_number(raw.get("seed"), int, doc, *at, "seed"),
        stop=stops,
    )


def _number(value: object, kind: type[_N], doc: YamlDoc, *at: str) -> _N | None:
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int and ok and isinstance(value, float) and not value.is_integer():
        ok = False
    if not ok or (isinstance(value, float) and not math.isfinite(value)):
        raise UsageError(f"{doc.where(*at)}: bad model parameter {at[-1]}: {value!r}")
    return kind(cast("float", value))


def _defaults(meta: Mapping[str, Any], doc: YamlDoc) -> dict[str, str]:
    """Sample values, then input defaults over them: what a run uses when given nothing."""
    values: dict[str, str] = {}
    sample = meta.get("sample")
    if isinstance(sample, str):
        sample = _load_sample_file(doc.path.parent / sample, doc)
    for key, value in _mapping(sample, doc, "sample", "sample").items():
        values[str(key)] = as_text(value)
    for key, spec in _mapping(meta.get("inputs"), doc, "inputs", "inputs").items():
        if isinstance(spec, Mapping) and "default" in spec:
            values[str(key)] = as_text(spec["default"])
    return values


def _load_sample_file(sample_path: Path, doc: YamlDoc) -> object:
    try:
        return json.loads(sample_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{doc.where('sample')}: cannot read sample file {sample_path.name}: {exc}"
        ) from exc


def as_text(value: object) -> str:
    """A variable's value as templates see it: text as is, anything else as its JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _parse_body(body: str, first_line: int, path: Path) -> _Body:
    messages: list[Message] = []
    starts: list[int] = []
    role: Role | None = None
    chunk: list[str] = []
    chunk_line = first_line

    def flush() -> None:
        content = "".join(chunk)
        if role is not None and content.strip():
            # Blank lines around a message separate it from the markers; they are not content.
            leading = len(content) - len(content.lstrip("\n"))
            messages.append(Message(role, content.strip("\n")))
            starts.append(chunk_line + leading)

    for number, line in enumerate(body.splitlines(keepends=True), start=first_line):
        match = ROLE_LINE.match(line)
        if match:
            flush()
            role = _role(match.group(1).lower())
            chunk, chunk_line = [], number + 1
        elif role is None and line.strip():
            if any(ROLE_LINE.match(rest) for rest in body.splitlines()):
                raise UsageError(
                    f"{path}:{number}: text before the first role marker (system:/user:)"
                )
            # A body with no markers at all is one user message.
            role, chunk, chunk_line = "user", [line], number
        else:
            chunk.append(line)
    flush()
    if not messages:
        raise UsageError(f"{path}: the prompt has no messages")
    return _Body(tuple(messages), tuple(starts))


def _check_templates(body: _Body, path: Path) -> None:
    for message, first in zip(body.messages, body.first_lines, strict=True):
        try:
            # Parsing only (nothing runs); the sandbox renders it later with the same syntax.
            _SYNTAX.parse(message.content)
        except jinja2.TemplateSyntaxError as exc:
            line = first + (exc.lineno or 1) - 1
            raise UsageError(f"{path}:{line}: template syntax error: {exc.message}") from exc


def _role(name: str) -> Role:
    for role in ROLES:
        if role == name:
            return role
    raise AssertionError(name)  # the regex admits only the three roles
