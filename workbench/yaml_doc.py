"""YAML from a user's file, with the line of every key, so each complaint can name its line.

PyYAML's `safe_load` forgets positions and silently keeps the last of two equal keys; composing
the node tree first gives both the lines and a chance to refuse duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from workbench.errors import UsageError

KeyPath = tuple[str, ...]
_MAX_VALUES = 1_000_000  # far beyond any prompt file, far below what exhausts memory


@dataclass(frozen=True, slots=True)
class YamlDoc:
    data: object
    lines: Mapping[KeyPath, int]  # a key (or list item, by index) -> its 1-based line in the file
    path: Path

    def line(self, *keys: str | int) -> int:
        """The line of the deepest known key on the way to `keys` (1 when none is known)."""
        found = 1
        path: KeyPath = ()
        for key in keys:
            path = (*path, str(key))
            if path in self.lines:
                found = self.lines[path]
        return found

    def where(self, *keys: str | int) -> str:
        """ "file:line" for messages about the value at `keys`."""
        return f"{self.path}:{self.line(*keys)}"


def load_yaml(text: str, path: Path, first_line: int = 1) -> YamlDoc:
    """Parse `text` (which starts on `first_line` of `path`); every problem is a UsageError."""
    offset = first_line - 1
    try:
        # One parse: the node tree gives the lines, the same tree is built into values.
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            built = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        data = _plain(built, [_MAX_VALUES])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + offset if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UsageError(f"{path}:{line}: invalid YAML: {problem}") from exc
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # Values PyYAML parses but cannot build (a timestamp like 2024-13-45, deep nesting).
        raise UsageError(f"{path}:{first_line}: invalid YAML: {exc}") from exc
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _collect(node, (), lines, offset, path)
    return YamlDoc(data, lines, path)


def _collect(
    node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int], offset: int, path: Path
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1 + offset
            if key in seen:
                raise UsageError(f"{path}:{line}: key '{key}' repeats the one on line {seen[key]}")
            seen[key] = line
            lines[(*prefix, key)] = line
            _collect(value_node, (*prefix, key), lines, offset, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, str(index))] = item.start_mark.line + 1 + offset
            _collect(item, (*prefix, str(index)), lines, offset, path)


def _plain(value: object, budget: list[int]) -> object:
    """YAML's extra scalar types as JSON ones (a date becomes its ISO text), keys as strings.

    Aliases make PyYAML share one object many times; copying them out could grow a small file
    into billions of values ("billion laughs"), so the copy has a budget.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"the YAML expands to more than {_MAX_VALUES:,} values (aliases?)")
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    if isinstance(value, (list, set, tuple)):
        return [_plain(v, budget) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def unknown_keys(
    doc: YamlDoc, mapping: Mapping[str, object], allowed: tuple[str, ...], *at: str | int
) -> None:
    """Refuse a key outside `allowed`, naming its line and the keys that are allowed."""
    for key in mapping:
        if key not in allowed:
            raise UsageError(
                f"{doc.where(*at, key)}: unknown field '{key}' "
                f"(expected one of: {', '.join(allowed)})"
            )
