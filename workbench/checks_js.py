"""JavaScript's way with values, where promptfoo's verdicts depend on it.

promptfoo compares `String(value)` with the output, parses output with `JSON.parse`, deep-compares
with `util.isDeepStrictEqual`, splits comma lists with its `parseCommaSeparatedValues` and trims
with JavaScript's whitespace set. The helpers here do the same in Python, so a YAML value of `1.0`
is the string "1" (as in JavaScript), not "1.0".
"""

from __future__ import annotations

import json
import math

# JavaScript's `\s` and String.prototype.trim(): WhiteSpace and LineTerminator code points.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)


class CheckValueError(ValueError):
    """A check value promptfoo would refuse (its `invariant` fails); the message says why."""


def js_number(value: float) -> str:
    """`String(number)` as ECMAScript's Number::toString writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits, point = _shortest_digits(abs(value))
    size = len(digits)
    if size <= point <= 21:
        return sign + digits + "0" * (point - size)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    exponent = point - 1
    mark = f"e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
    return sign + (digits if size == 1 else digits[0] + "." + digits[1:]) + mark


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of `value` and where the decimal point falls in them."""
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    significant = all_digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(all_digits) - len(significant))
    return significant.rstrip("0") or "0", point


def js_string(value: object) -> str:
    """`String(value)` for the values a YAML or JSON file can hold."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) <= 2**53 else _big_int(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, list):
        return ",".join("" if item is None else js_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _big_int(value: int) -> str:
    try:
        return js_number(float(value))  # JavaScript numbers are doubles
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"


def js_truthy(value: object) -> bool:
    """JavaScript truthiness: empty strings, 0, NaN, null are false; [] and {} are true."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return not (value == 0 or math.isnan(value))
    return True


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> object:
    """`JSON.parse`: strict JSON (no NaN or Infinity); raises ValueError."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def json_equal(left: object, right: object) -> bool:
    """`util.isDeepStrictEqual` for JSON values: numbers by value, keys in any order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if is_number(left) and is_number(right):
        a, b = _as_double(left), _as_double(right)
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def _as_double(number: object) -> float:
    assert isinstance(number, int | float)
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def comma_values(text: str) -> list[str]:
    """promptfoo's `parseCommaSeparatedValues`: CSV-like fields, quotes keep commas.

    Unquoted fields are trimmed; repeated commas make no empty field; a quoted field takes
    `\\"`, `\\\\` and `""` escapes and must be followed by a comma or the end.
    """
    fields: list[str] = []
    i = 0
    while i < len(text):
        while i < len(text) and (text[i] in JS_SPACE or text[i] == ","):
            i += 1
        if i >= len(text):
            break
        if text[i] == '"':
            field, i = _quoted_field(text, i)
            while i < len(text) and text[i] in JS_SPACE:
                i += 1
            if i < len(text) and text[i] != ",":
                raise CheckValueError(
                    "Expected comma after quoted field in contains assertion value"
                )
        else:
            end = text.find(",", i)
            end = len(text) if end < 0 else end
            field, i = text[i:end].strip(JS_SPACE), end
        fields.append(field)
    return fields


def _quoted_field(text: str, start: int) -> tuple[str, int]:
    i = start + 1
    chars: list[str] = []
    while i < len(text):
        char = text[i]
        following = text[i + 1] if i + 1 < len(text) else ""
        if char == "\\" and following in ('"', "\\"):
            chars.append(following)
            i += 2
        elif char == '"' and following == '"':
            chars.append('"')
            i += 2
        elif char == '"':
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise CheckValueError("Unterminated quoted field in contains assertion value")
