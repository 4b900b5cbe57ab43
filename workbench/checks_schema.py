"""A small JSON Schema validator that answers as promptfoo's ajv does for `is-json`/`contains-json`.

Draft-07 keywords: type, enum, const, not, anyOf, oneOf, allOf, if/then/else, minimum, maximum,
exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, format (date, time,
date-time, duration, email, hostname, ipv4, ipv6, uuid, regex), minItems, maxItems, uniqueItems,
items, additionalItems, contains, minProperties, maxProperties, required, properties,
patternProperties, additionalProperties, propertyNames, dependencies; annotations are ignored.
As in ajv's strict mode a keyword nobody knows makes the schema invalid; `$ref` and the formats
above not listed are refused as unsupported here. Errors read like ajv's ("data/age must be
integer"), and as ajv (allErrors off) validation stops at the first one.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping

from workbench.checks_js import is_number
from workbench.checks_jsregex import JsRegexError, compile_js_regex

_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
_ANNOTATIONS = frozenset(
    [
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentMediaType",
        "contentEncoding",
        "definitions",
    ]
)
_UNSUPPORTED = frozenset(
    ["$ref", "$defs", "$anchor", "$dynamicRef", "$recursiveRef", "discriminator"]
)
_SCHEMA_VALUED = ("not", "if", "then", "else", "contains", "propertyNames", "additionalItems")
_LISTS_OF_SCHEMAS = ("allOf", "anyOf", "oneOf")
_MAPS_OF_SCHEMAS = ("properties", "patternProperties")
_COUNTS = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_DATE = re.compile(r"(\d\d\d\d)-(\d\d)-(\d\d)", re.ASCII)
_TIME = re.compile(
    r"(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?", re.ASCII | re.IGNORECASE
)
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PATTERN_FORMATS = {
    "duration": r"P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)",
    "email": r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?",
    "hostname": r"(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?",
    "ipv4": r"(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)",
    "uuid": r"(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}",
}
# Formats ajv-formats knows that the workbench does not check: refused rather than ignored.
_OTHER_AJV_FORMATS = frozenset(
    [
        "uri",
        "uri-reference",
        "uri-template",
        "url",
        "iri",
        "iri-reference",
        "idn-email",
        "idn-hostname",
        "json-pointer",
        "json-pointer-uri-fragment",
        "relative-json-pointer",
        "int32",
        "int64",
        "float",
        "double",
        "password",
        "binary",
        "byte",
        "iso-time",
        "iso-date-time",
    ]
)


class SchemaError(ValueError):
    """A schema ajv would not compile (or one using what the workbench does not support)."""


Checker = Callable[[str], bool]


def _date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    if not match:
        return False
    year, month, day = map(int, match.groups())
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 and leap else _DAYS[month])


def _time(text: str) -> bool:  # ajv-formats 3: a time zone is required
    match = _TIME.fullmatch(text)
    if not match or not match.group(5):
        return False
    hour, minute, second = map(int, match.groups()[:3])
    return (hour <= 23 and minute <= 59 and second <= 59) or (hour, minute, second) == (23, 59, 60)


def _date_time(text: str) -> bool:
    parts = re.split(r"[tT\s]", text)
    return len(parts) == 2 and _date(parts[0]) and _time(parts[1])


def _ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text


def _regex(text: str) -> bool:
    try:
        compile_js_regex(text)
    except JsRegexError:
        return False
    return True


def _pattern_checker(pattern: str) -> Checker:
    compiled = re.compile(pattern, re.ASCII | re.IGNORECASE)
    return lambda text: compiled.fullmatch(text) is not None


FORMATS: Mapping[str, Checker] = {
    "date": _date,
    "time": _time,
    "date-time": _date_time,
    "ipv6": _ipv6,
    "regex": _regex,
    **{name: _pattern_checker(pattern) for name, pattern in _PATTERN_FORMATS.items()},
}


def check_schema(schema: object, path: str = "#") -> None:
    """Raise SchemaError for a schema ajv (strict) would refuse, or the workbench cannot check."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise SchemaError(f"schema at {path} must be an object or a boolean")
    for keyword, value in schema.items():
        where = f"{path}/{keyword}"
        if keyword in _UNSUPPORTED:
            raise SchemaError(f"{keyword} (at {where}) is not supported by the workbench")
        if keyword == "$schema" and not str(value).startswith("http://json-schema.org/draft-07/"):
            raise SchemaError(f'no schema with key or ref "{value}"')
        if keyword in _ANNOTATIONS or keyword == "const":
            continue
        check = _KEYWORD_CHECKS.get(keyword)
        if check is None:
            raise SchemaError(f'strict mode: unknown keyword: "{keyword}"')
        check(value, where)


def _type(value: object, where: str) -> None:
    names = value if isinstance(value, list) else [value]
    if not names or any(name not in _TYPES for name in names):
        raise SchemaError(f"{where} must be one of {', '.join(_TYPES)} (or a list of them)")


def _items(value: object, where: str) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_schema(item, f"{where}/{index}")
    else:
        check_schema(value, where)


def _schema_list(value: object, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise SchemaError(f"{where} must be a non-empty array of schemas")
    for index, item in enumerate(value):
        check_schema(item, f"{where}/{index}")


def _schema_map(value: object, where: str) -> None:
    if not isinstance(value, dict):
        raise SchemaError(f"{where} must be an object")
    for name, item in value.items():
        if where.endswith("/patternProperties"):
            _pattern(name, where)
        if not (where.endswith("/dependencies") and _is_names(item)):
            check_schema(item, f"{where}/{name}")


def _names(value: object, where: str) -> None:
    if not _is_names(value):
        raise SchemaError(f"{where} must be an array of property names")


def _enum(value: object, where: str) -> None:
    if not isinstance(value, list):
        raise SchemaError(f"{where} must be an array")


def _count(value: object, where: str) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise SchemaError(f"{where} must be a non-negative integer")


def _number(value: object, where: str) -> None:
    if not is_number(value):
        raise SchemaError(f"{where} must be a number")


def _positive(value: object, where: str) -> None:
    if not (isinstance(value, int | float) and is_number(value) and value > 0):
        raise SchemaError(f"{where} must be a number > 0")


def _boolean(value: object, where: str) -> None:
    if not isinstance(value, bool):
        raise SchemaError(f"{where} must be a boolean")


def _pattern(value: object, where: str) -> None:
    if not isinstance(value, str):
        raise SchemaError(f"{where} must be a string")
    try:
        compile_js_regex(value, unicode=True)
    except JsRegexError as exc:
        raise SchemaError(f"{where}: invalid regular expression /{value}/: {exc}") from exc


def _format(value: object, where: str) -> None:
    if value in FORMATS:
        return
    if value in _OTHER_AJV_FORMATS:
        raise SchemaError(f'format "{value}" (at {where}) is not supported by the workbench')
    raise SchemaError(f'unknown format "{value}" ignored in schema at path "{where}"')


def _is_names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


_KEYWORD_CHECKS: Mapping[str, Callable[[object, str], None]] = {
    "type": _type,
    "enum": _enum,
    "items": _items,
    "required": _names,
    "pattern": _pattern,
    "format": _format,
    "uniqueItems": _boolean,
    "multipleOf": _positive,
    **dict.fromkeys((*_SCHEMA_VALUED, "additionalProperties"), check_schema),
    **dict.fromkeys(_LISTS_OF_SCHEMAS, _schema_list),
    **dict.fromkeys((*_MAPS_OF_SCHEMAS, "dependencies"), _schema_map),
    **dict.fromkeys(_COUNTS, _count),
    **dict.fromkeys(_NUMBERS, _number),
}
