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
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import yaml

from workbench.domain import ROLES, Message, ModelParams, PromptTemplate, Role
from workbench.errors import UsageError
from workbench.textfiles import read_user_text

_ROLE_LINE = re.compile(r"^\s*(system|user|assistant)\s*:\s*$", re.IGNORECASE)
_FENCE = "---"


def load_prompty(path: Path) -> PromptTemplate:
    """Read one `.prompty` file; every problem is a UsageError naming the file and line."""
    return parse_prompty(read_user_text(path), path)


def parse_prompty(text: str, path: Path) -> PromptTemplate:
    header, body, body_line = _split_front_matter(text, path)
    meta = _parse_header(header, path)
    messages = _parse_body(body, body_line, path)
    name = str(meta.get("name") or path.stem)
    model = _mapping(meta.get("model", {}), path, "model")
    params = _params(_mapping(model.get("parameters", {}), path, "model.parameters"), path)
    return PromptTemplate(
        name=name,
        description=str(meta.get("description") or ""),
        messages=messages,
        params=params,
        defaults=_defaults(meta, path),
        source_path=str(path),
    )


def _split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        return "", text, 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == _FENCE:
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    raise UsageError(f"{path}:1: front matter opened with '---' is never closed")


def _parse_header(header: str, path: Path) -> Mapping[str, Any]:
    if not header.strip():
        return {}
    try:
        loaded = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # +2: the header starts on the line after the opening fence.
        line = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UsageError(f"{path}{line}: invalid YAML front matter: {problem}") from exc
    return _mapping(loaded, path, "front matter")


def _mapping(value: object, path: Path, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(f"{path}: {what} must be a mapping, not {type(value).__name__}")
    return cast("Mapping[str, Any]", value)


def _params(raw: Mapping[str, Any], path: Path) -> ModelParams:
    try:
        stop = raw.get("stop") or ()
        return ModelParams(
            temperature=_opt_float(raw.get("temperature")),
            top_p=_opt_float(raw.get("top_p")),
            max_tokens=_opt_int(raw.get("max_tokens")),
            seed=_opt_int(raw.get("seed")),
            stop=(stop,) if isinstance(stop, str) else tuple(str(s) for s in stop),
        )
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: bad model parameter: {exc}") from exc


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _defaults(meta: Mapping[str, Any], path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    sample = meta.get("sample")
    if isinstance(sample, str):
        sample = _load_sample_file(path.parent / sample, path)
    for key, value in _mapping(sample, path, "sample").items():
        values[str(key)] = _as_text(value)
    for key, spec in _mapping(meta.get("inputs"), path, "inputs").items():
        if isinstance(spec, Mapping) and "default" in spec:
            values[str(key)] = _as_text(spec["default"])
    return values


def _load_sample_file(sample_path: Path, path: Path) -> object:
    try:
        return json.loads(sample_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read sample file {sample_path.name}: {exc}") from exc


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _parse_body(body: str, first_line: int, path: Path) -> tuple[Message, ...]:
    messages: list[Message] = []
    role: Role | None = None
    chunk: list[str] = []

    def flush() -> None:
        content = "".join(chunk).strip("\n")
        if role is not None and content.strip():
            messages.append(Message(role, content))

    for number, line in enumerate(body.splitlines(keepends=True), start=first_line):
        match = _ROLE_LINE.match(line)
        if match:
            flush()
            role = _role(match.group(1).lower())
            chunk = []
        elif role is None and line.strip():
            if any(_ROLE_LINE.match(rest) for rest in body.splitlines()):
                raise UsageError(
                    f"{path}:{number}: text before the first role marker (system:/user:)"
                )
            # A body with no markers at all is one user message.
            role = "user"
            chunk = [line]
        else:
            chunk.append(line)
    flush()
    if not messages:
        raise UsageError(f"{path}: the prompt has no messages")
    return tuple(messages)


def _role(name: str) -> Role:
    for role in ROLES:
        if role == name:
            return role
    raise AssertionError(name)  # the regex admits only the three roles
