"""YAML as promptfoo reads it, with the file and line of every value for messages.

promptfoo parses YAML with js-yaml's core schema (YAML 1.2): `yes`, `no`, `on` and `1:20` are text
and `010` is ten. PyYAML follows YAML 1.1, where they are booleans and octal and sexagesimal
numbers, so a test var `answer: yes` would quietly become `true`. The loader here resolves plain
scalars the 1.2 way; the dumper quotes any text that either reading would take for something else.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from workbench.errors import UsageError
from workbench.textfiles import read_user_text

_STR = "tag:yaml.org,2002:str"
_CORE_RESOLVERS: tuple[tuple[str, re.Pattern[str], list[str]], ...] = (
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    (
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    ),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+.0123456789"),
    ),
    ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
)
_MAX_DEPTH = 200
_MAX_VALUES = 1_000_000
# What a broken or hostile file can make PyYAML raise besides YAMLError (bad explicit tags).
_PARSE_FAILURES = (
    yaml.YAMLError,
    ValueError,
    LookupError,
    ArithmeticError,
    AttributeError,
    TypeError,
    RecursionError,
)

Key = str | int


class _Loader(yaml.SafeLoader):
    """SafeLoader resolving plain scalars by YAML 1.2's core schema, as js-yaml does."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _CORE_RESOLVERS:
    _Loader.add_implicit_resolver(_tag, _pattern, _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        return int(text, 0) if text.lower().startswith(("0o", "0x", "0b")) else int(text, 10)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"not an integer: {text!r}", node.start_mark
        ) from exc


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()  # type: ignore[arg-type]
    special = {".inf": "inf", "+.inf": "inf", "-.inf": "-inf", ".nan": "nan"}
    try:
        return float(special.get(text, text))
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"not a number: {text!r}", node.start_mark
        ) from exc


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key, multi-line text as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(char in value for char in "\r\x85\u2028\u2029"):
        # A reader turns these into "\n" unless they are escaped: only double quotes escape.
        return dumper.represent_scalar(_STR, value, style='"')
    return dumper.represent_scalar(_STR, value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)
for _tag, _pattern, _first in _CORE_RESOLVERS:
    # Added to YAML 1.1's resolvers: a string either reading would misread gets quoted.
    _Dumper.add_implicit_resolver(_tag, _pattern, _first)


def dump_yaml(data: object) -> str:
    """Deterministic YAML: keys in the order given, no line folding, unicode as it is."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=10**9,
        default_flow_style=False,
    )
    return text


def dotted(keys: tuple[Key, ...]) -> str:
    """`tests[2].assert[0]` for ("tests", 2, "assert", 0)."""
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: Path
    data: object
    root: yaml.Node | None

    def line_of(self, keys: tuple[Key, ...]) -> int | None:
        """The line of the value at `keys`, or of the nearest enclosing one that exists."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for key in keys:
            found = _child(node, key)
            if found is None:
                break
            line, node = found
        return line


def _child(node: yaml.Node, key: Key) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node.start_mark.line + 1, value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item: yaml.Node = node.value[key]
        return item.start_mark.line + 1, item
    return None


@dataclass(frozen=True, slots=True)
class Where:
    """Where a value sits, for messages: `file:line: tests[2].vars`."""

    path: Path
    line: int | None = None
    doc: YamlDocument | None = None
    keys: tuple[Key, ...] = ()

    def __call__(self, *more: Key) -> str:
        keys = self.keys + more
        line = self.doc.line_of(keys) if self.doc is not None else self.line
        location = f"{self.path}:{line}" if line is not None else str(self.path)
        label = dotted(keys)
        return f"{location}: {label}" if label else location

    def child(self, *more: Key) -> Where:
        return replace(self, keys=self.keys + more)


def load_yaml(text: str, path: Path) -> YamlDocument:
    """Parse one YAML document into plain values; every failure is a UsageError with its line."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise UsageError(f"{path}{line}: invalid YAML: {problem}") from exc
    except _PARSE_FAILURES as exc:
        raise UsageError(f"{path}: invalid YAML: {exc}") from exc
    return YamlDocument(path, plain(data, Where(path), [0]), root)


def plain(value: object, where: Where, budget: list[int], depth: int = 0) -> object:
    """`value` as JSON would hold it (text keys); anything else is a UsageError."""
    budget[0] += 1
    if depth > _MAX_DEPTH or budget[0] > _MAX_VALUES:
        raise UsageError(f"{where()}: nested too deeply or too large")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()  # only an explicit !!timestamp tag makes one
    if isinstance(value, list):
        return [plain(item, where, budget, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {
            key_text(key, where): plain(item, where, budget, depth + 1)
            for key, item in value.items()
        }
    raise UsageError(f"{where()}: {type(value).__name__} values are not supported here")


def key_text(key: object, where: Where) -> str:
    """A mapping key as JavaScript would see it (`1: x` has the key "1")."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int | float):
        return str(key)
    raise UsageError(f"{where()}: a mapping key must be text, not {type(key).__name__}")


def read_referenced(path: Path, where: str) -> str:
    """A file the config names, with a failure message saying where it was named."""
    if "\0" in str(path):
        raise UsageError(f"{where}: {str(path)!r} is not a usable file name")
    try:
        return read_user_text(path)
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from exc
