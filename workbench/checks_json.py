"""`is-json` and `contains-json`, as promptfoo's src/assertions/json.ts and src/util/json.ts
(extractJsonObjectsWithMeta, convertSlashCommentsToHash) decide them.

`is-json`: the whole output must parse as strict JSON (`JSON.parse`: surrounding whitespace is
fine, NaN or comments are not). `contains-json`: from each "{" promptfoo reads to where the braces
balance (adding missing "}" at the end of the output), turns `//` comments into `#`, and loads
the span as YAML in JSON mode; each object that loads counts, so `{a: 1}` does too. Either check
may carry a JSON Schema (an object, or a YAML/JSON string): is-json passes when the parsed output
conforms, contains-json when any found object does. A "not-" inverts the verdict, but a schema
that does not compile fails the check either way.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from workbench.checks_base import CheckValueError, Outcome, Params, holds
from workbench.checks_js import JS_SPACE, parse_json
from workbench.checks_schema import SchemaError, check_schema
from workbench.checks_schema_rules import first_error

_MAX_SPAN = 100_000  # promptfoo's maxJsonLength: stop reading an object after this many chars
_FAILED = object()


class _CoreLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.2 core schema, as js-yaml reads: only true/false are booleans, no sexagesimals,
    and dates stay strings (js-yaml would make Date objects; no check here tells the two apart)."""


_OLD_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")}
_CoreLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _OLD_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    return float(text.replace(".inf", "inf").replace(".nan", "nan"))


def _bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


_CoreLoader.add_constructor("tag:yaml.org,2002:int", _int)
_CoreLoader.add_constructor("tag:yaml.org,2002:float", _float)
_CoreLoader.add_constructor("tag:yaml.org,2002:bool", _bool)


def load_yaml(text: str) -> Any:
    """Load one YAML document as js-yaml would, or raise ValueError."""
    try:
        return yaml.load(text, Loader=_CoreLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def slash_comments_to_hash(text: str) -> str:
    """promptfoo's convertSlashCommentsToHash: `// note` outside quotes becomes `# note`."""
    return "\n".join(_line_without_slashes(line) for line in text.split("\n"))


def _line_without_slashes(line: str) -> str:
    state, out, i = "normal", [], 0
    while i < len(line):
        char = line[i]
        before = line[i - 1] if i else ""
        after = line[i + 1] if i + 1 < len(line) else None
        out.append(char)
        if state == "single":
            # JavaScript tests the letter regex on `undefined` past the end: it matches.
            letter_after = after is None or (after.isascii() and after.isalpha())
            if char == "'" and not _escaped(line, i) and not letter_after:
                state = "normal"
        elif state == "double":
            if char == '"' and not _escaped(line, i):
                state = "normal"
        elif char == "'" and not (before.isascii() and before.isalpha()):
            state = "single"
        elif char == '"':
            state = "double"
        elif char == "/" and after == "/":
            token_start = next((j + 1 for j in range(i - 1, -1, -1) if line[j] in JS_SPACE), 0)
            if "://" not in line[token_start : i + 2]:  # not a URL's scheme
                slashes = len(line[i:]) - len(line[i:].lstrip("/"))
                return "".join(out[:-1]) + "#" * (slashes // 2) + line[i + slashes :]
        i += 1
    return "".join(out)


def _escaped(line: str, index: int) -> bool:
    backslashes = len(line[:index]) - len(line[:index].rstrip("\\"))
    return backslashes % 2 == 1


def extract_json_objects(text: str) -> list[Any]:
    """The objects promptfoo's extractJsonObjects finds in `text`, in order."""
    found: list[Any] = []
    i = 0
    while i < len(text):
        if text[i] == "{":
            end = _object_at(text, i, found)
            if end is not None:
                i = end - 1
        i += 1
    return found


def _object_at(text: str, start: int, found: list[Any]) -> int | None:
    opened, closed, j = 1, 0, start + 1
    stop = min(start + _MAX_SPAN, len(text))
    while j < stop and opened > closed:
        opened += text[j] == "{"
        closed += text[j] == "}"
        j += 1
        if opened == closed or j in (len(text), start + _MAX_SPAN):
            span = text[start:j] + "}" * (opened - closed)
            parsed = _load_span(span)
            if isinstance(parsed, dict | list):
                found.append(parsed)
                return j
            if parsed is _FAILED and opened == closed:
                return None
    return None


def _load_span(span: str) -> Any:
    try:
        return load_yaml(slash_comments_to_hash(span))
    except ValueError:
        return _FAILED


def schema_of(value: object) -> object | None:
    """The JSON Schema a check's value gives (None when it gives none); a bad one raises."""
    if value is None or value == "":
        return None
    schema = value
    try:
        if isinstance(value, str):
            schema = load_yaml(value)
        check_schema(schema)
    except (ValueError, SchemaError) as exc:
        raise CheckValueError(f"Invalid JSON schema: {exc}") from exc
    return schema


def is_json(p: Params) -> Outcome:
    try:
        parsed = parse_json(p.output)
    except ValueError:
        return holds(False, p.inverse, "", "output is not valid JSON")
    schema = schema_of(p.value)
    if schema is None:
        return holds(True, p.inverse, "output is valid JSON", "")
    error = first_error(schema, parsed)
    return holds(
        error is None,
        p.inverse,
        "output is JSON that conforms to the schema",
        f"output JSON does not conform to the schema: {error}",
    )


def contains_json(p: Params) -> Outcome:
    objects = extract_json_objects(p.output)
    if not objects:
        return holds(False, p.inverse, "", "output contains no JSON object")
    schema = schema_of(p.value)
    if schema is None:
        return holds(True, p.inverse, "output contains a JSON object", "")
    errors = [first_error(schema, found) for found in objects]
    return holds(
        None in errors,
        p.inverse,
        "output contains JSON that conforms to the schema",
        f"no JSON in the output conforms to the schema: {errors[-1]}",
    )
