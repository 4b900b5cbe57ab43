"""Validating JSON against a schema that `checks_schema.check_schema` accepted, as ajv does.

ajv (allErrors off) checks `type` first, then the keywords that apply to any value (const, enum,
not, anyOf, oneOf, allOf, if), then those for numbers, strings, arrays and objects, each group in
its vocabulary's order, and stops at the first failure; `first_error` does the same and words
the failure as ajv's `errorsText` does ("data/latitude must be number").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from workbench.checks_js import is_number, js_string, json_equal
from workbench.checks_jsregex import compile_js_regex
from workbench.checks_schema import FORMATS

Problem = tuple[str, str] | None  # (instance path, message)
Schema = Mapping[str, Any]


def first_error(schema: object, data: object) -> str | None:
    """The first way `data` breaks `schema`, in ajv's words, or None when it conforms."""
    problem = _problem(schema, data, "")
    return None if problem is None else f"data{problem[0]} {problem[1]}"


def _problem(schema: object, data: object, path: str) -> Problem:
    if isinstance(schema, bool):
        return None if schema else (path, "boolean schema is false")
    assert isinstance(schema, Mapping)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(name, data) for name in names):
            return path, f"must be {','.join(names)}"
    for group in (_any_value, _numeric, _textual, _array, _object):
        found = group(schema, data, path)
        if found:
            return found
    return None


def _finite(data: object) -> bool:  # ajv's strictNumbers: Infinity is not a number
    return is_number(data) and math.isfinite(_double(data))


def _double(number: Any) -> float:
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


_TYPE_TESTS: Mapping[str, Callable[[object], bool]] = {
    "string": lambda data: isinstance(data, str),
    "number": _finite,
    "integer": lambda data: _finite(data) and _double(data).is_integer(),
    "boolean": lambda data: isinstance(data, bool),
    "object": lambda data: isinstance(data, dict),
    "array": lambda data: isinstance(data, list),
    "null": lambda data: data is None,
}


def _is_type(name: str, data: object) -> bool:
    return _TYPE_TESTS[name](data)


def _pointer(path: str, key: object) -> str:
    return f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _any_value(schema: Schema, data: object, path: str) -> Problem:
    if "const" in schema and not json_equal(schema["const"], data):
        return path, "must be equal to constant"
    if "enum" in schema and not any(json_equal(value, data) for value in schema["enum"]):
        return path, "must be equal to one of the allowed values"
    if "not" in schema and _problem(schema["not"], data, path) is None:
        return path, "must NOT be valid"
    if "anyOf" in schema and all(_problem(sub, data, path) for sub in schema["anyOf"]):
        return path, "must match a schema in anyOf"
    if "oneOf" in schema and sum(_problem(s, data, path) is None for s in schema["oneOf"]) != 1:
        return path, "must match exactly one schema in oneOf"
    for sub in schema.get("allOf", ()):
        found = _problem(sub, data, path)
        if found:
            return found
    if "if" in schema:
        branch = "then" if _problem(schema["if"], data, path) is None else "else"
        if branch in schema and _problem(schema[branch], data, path):
            return path, f'must match "{branch}" schema'
    return None


_LIMITS: tuple[tuple[str, str, Callable[[float, float], bool]], ...] = (
    ("maximum", "<=", lambda value, limit: value <= limit),
    ("minimum", ">=", lambda value, limit: value >= limit),
    ("exclusiveMaximum", "<", lambda value, limit: value < limit),
    ("exclusiveMinimum", ">", lambda value, limit: value > limit),
)


def _numeric(schema: Schema, data: object, path: str) -> Problem:
    if not _finite(data):
        return None
    value = _double(data)
    for keyword, sign, holds in _LIMITS:
        if keyword in schema and not holds(value, _double(schema[keyword])):
            return path, f"must be {sign} {js_string(schema[keyword])}"
    if "multipleOf" in schema:
        ratio = value / _double(schema["multipleOf"])
        # ajv tests `ratio !== parseInt(ratio)`; parseInt reads 1e21 and up as "1e+21", so 1.
        if not (math.isfinite(ratio) and ratio == math.trunc(ratio) and abs(ratio) < 1e21):
            return path, f"must be multiple of {js_string(schema['multipleOf'])}"
    return None


def _textual(schema: Schema, data: object, path: str) -> Problem:
    if not isinstance(data, str):
        return None
    if "maxLength" in schema and len(data) > schema["maxLength"]:
        return path, f"must NOT have more than {schema['maxLength']} characters"
    if "minLength" in schema and len(data) < schema["minLength"]:
        return path, f"must NOT have fewer than {schema['minLength']} characters"
    pattern = schema.get("pattern")
    if pattern is not None and not compile_js_regex(pattern, unicode=True).search(data):
        return path, f'must match pattern "{pattern}"'
    name = schema.get("format")
    if name is not None and not FORMATS[name](data):
        return path, f'must match format "{name}"'
    return None


def _array(schema: Schema, data: object, path: str) -> Problem:
    if not isinstance(data, list):
        return None
    if "maxItems" in schema and len(data) > schema["maxItems"]:
        return path, f"must NOT have more than {schema['maxItems']} items"
    if "minItems" in schema and len(data) < schema["minItems"]:
        return path, f"must NOT have fewer than {schema['minItems']} items"
    if schema.get("uniqueItems") is True:
        for i in range(len(data) - 1, 0, -1):
            for j in range(i - 1, -1, -1):
                if json_equal(data[i], data[j]):
                    return (
                        path,
                        f"must NOT have duplicate items (items ## {j} and {i} are identical)",
                    )
    items = schema.get("items", True)
    positional = items if isinstance(items, list) else []
    rest = schema.get("additionalItems", True) if positional else items
    if positional and rest is False and len(data) > len(positional):
        return path, f"must NOT have more than {len(positional)} items"
    for index, item in enumerate(data):
        sub = positional[index] if index < len(positional) else rest
        found = _problem(sub, item, _pointer(path, index))
        if found:
            return found
    if "contains" in schema and all(_problem(schema["contains"], item, path) for item in data):
        return path, "must contain at least 1 valid item(s)"
    return None


def _object(schema: Schema, data: object, path: str) -> Problem:  # noqa: PLR0911, PLR0912
    if not isinstance(data, dict):
        return None
    if "maxProperties" in schema and len(data) > schema["maxProperties"]:
        return path, f"must NOT have more than {schema['maxProperties']} properties"
    if "minProperties" in schema and len(data) < schema["minProperties"]:
        return path, f"must NOT have fewer than {schema['minProperties']} properties"
    for name in schema.get("required", ()):
        if name not in data:
            return path, f"must have required property '{name}'"
    for name, needs in schema.get("dependencies", {}).items():
        if name not in data:
            continue
        if isinstance(needs, list):
            missing = [need for need in needs if need not in data]
            if missing:
                return path, f"must have property {missing[0]} when property {name} is present"
        elif found := _problem(needs, data, path):
            return found
    if "propertyNames" in schema:
        for key in data:
            if _problem(schema["propertyNames"], key, path):
                return path, "property name must be valid"
    patterns = [
        (compile_js_regex(pattern, unicode=True), sub)
        for pattern, sub in schema.get("patternProperties", {}).items()
    ]
    known = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in data.items():
        if key in known or any(regex.search(key) for regex, _ in patterns):
            continue
        if extra is False:
            return path, "must NOT have additional properties"
        if found := _problem(extra, value, _pointer(path, key)):
            return found
    for key, sub in known.items():
        if key in data and (found := _problem(sub, data[key], _pointer(path, key))):
            return found
    for regex, sub in patterns:
        for key, value in data.items():
            if regex.search(key) and (found := _problem(sub, value, _pointer(path, key))):
                return found
    return None
