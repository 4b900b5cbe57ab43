"""Checks on the output's text, as promptfoo's src/assertions/contains.ts, equals.ts,
startsWith.ts, regex.ts and levenshtein.ts decide them.

The output is never trimmed. The `i` variants lower-case both sides (JavaScript's toLowerCase,
which Python's lower() matches; not casefold). A string value of the -any/-all types is a comma
list split by promptfoo's parseCommaSeparatedValues. `equals` with an object or array value
compares JSON (isDeepStrictEqual); otherwise `String(value)` must equal the output exactly.
`regex` runs the pattern as `new RegExp(value)` (no flags) and an invalid pattern fails the check
whatever its "not-". `levenshtein` counts UTF-16 code units as fastest-levenshtein does, passes at
distance <= threshold (default 5, `threshold ?? 5`), and ignores "not-": see checks.py.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable

from workbench.checks_base import (
    CheckValueError,
    Outcome,
    Params,
    holds,
    quote,
    text_or_number,
)
from workbench.checks_js import comma_values, js_string, js_truthy, json_equal, parse_json
from workbench.checks_jsregex import JsRegexError, compile_js_regex

DEFAULT_LEVENSHTEIN_THRESHOLD = 5.0


def contains(p: Params) -> Outcome:
    value = text_or_number("contains", p.value)
    found = value in p.output
    return holds(
        found,
        p.inverse,
        f"output contains {quote(value)}",
        f"output does not contain {quote(value)}",
    )


def icontains(p: Params) -> Outcome:
    value = text_or_number("icontains", p.value)
    found = value.lower() in p.output.lower()
    yes, no = "output contains", "output does not contain"
    return holds(
        found,
        p.inverse,
        f"{yes} {quote(value)} (ignoring case)",
        f"{no} {quote(value)} (ignoring case)",
    )


def list_value(kind: str, value: object) -> list[str]:
    """-any/-all values: a list, or a string promptfoo splits at commas (quotes keep commas)."""
    if not js_truthy(value):
        raise CheckValueError(f'"{kind}" needs a value')
    items = comma_values(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise CheckValueError(f'"{kind}" needs a list value (or a comma-separated string)')
    return [js_string(item) for item in items]


def _any(kind: str, fold: Callable[[str], str]) -> Callable[[Params], Outcome]:
    def check(p: Params) -> Outcome:
        values = list_value(kind, p.value)
        output = fold(p.output)
        found = next((value for value in values if fold(value) in output), None)
        listed = ", ".join(map(quote, values))
        return holds(
            found is not None,
            p.inverse,
            f"output contains {quote(found)}",
            f"output contains none of {listed}" if values else "the list of values is empty",
        )

    return check


def _all(kind: str, fold: Callable[[str], str]) -> Callable[[Params], Outcome]:
    def check(p: Params) -> Outcome:
        values = list_value(kind, p.value)
        output = fold(p.output)
        missing = [value for value in values if fold(value) not in output]
        return holds(
            not missing,
            p.inverse,
            f"output contains all of {', '.join(map(quote, values))}",
            f"output is missing {', '.join(map(quote, missing))}",
        )

    return check


def _lower(text: str) -> str:
    return text.lower()


def _same(text: str) -> str:
    return text


contains_any = _any("contains-any", _same)
icontains_any = _any("icontains-any", _lower)
contains_all = _all("contains-all", _same)
icontains_all = _all("icontains-all", _lower)


def equals_value(value: object) -> object:
    if value is None:
        raise CheckValueError('"equals" needs a value')
    return value


def equals(p: Params) -> Outcome:
    expected = equals_value(p.value)
    if isinstance(expected, dict | list):
        shown = quote(json.dumps(expected, separators=(",", ":"), ensure_ascii=False))
        try:
            parsed = parse_json(p.output)
        except ValueError:
            return holds(False, p.inverse, "", f"output is not JSON, so it cannot equal {shown}")
        same = json_equal(expected, parsed)
    else:
        shown = quote(js_string(expected))
        same = js_string(expected) == p.output
    return holds(
        same,
        p.inverse,
        f"output equals {shown}",
        f"output {quote(p.output)} does not equal {shown}",
    )


def start_value(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise CheckValueError('"starts-with" needs a string value')
    return value


def starts_with(p: Params) -> Outcome:
    prefix = start_value(p.value)
    return holds(
        p.output.startswith(prefix),
        p.inverse,
        f"output starts with {quote(prefix)}",
        f"output does not start with {quote(prefix)}",
    )


def regex_pattern(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise CheckValueError('"regex" needs a string value')
    return value


def valid_regex(value: object) -> None:
    """For validation: the pattern must compile (evaluating an invalid one fails the check)."""
    pattern = regex_pattern(value)
    try:
        compile_js_regex(pattern)
    except JsRegexError as exc:
        raise CheckValueError(f"Invalid regex pattern /{pattern}/: {exc}") from exc


def regex(p: Params) -> Outcome:
    pattern = regex_pattern(p.value)
    try:
        compiled = compile_js_regex(pattern)
    except JsRegexError as exc:
        return Outcome(False, f"Invalid regex pattern /{pattern}/: {exc}")
    found = compiled.search(p.output) is not None
    return holds(
        found, p.inverse, f"output matches /{pattern}/", f"output does not match /{pattern}/"
    )


def levenshtein_value(value: object) -> str:
    if not isinstance(value, str):
        raise CheckValueError('"levenshtein" needs a string value')
    return value


def levenshtein(p: Params) -> Outcome:
    expected = levenshtein_value(p.value)
    limit = DEFAULT_LEVENSHTEIN_THRESHOLD if p.threshold is None else p.threshold
    distance = utf16_distance(p.output, expected)
    within = distance <= limit
    verdict = (
        f"is within the threshold {js_string(limit)}"
        if within
        else f"is more than the threshold {js_string(limit)}"
    )
    return Outcome(within, f"edit distance {distance} to {quote(expected)} {verdict}")


def _utf16(text: str) -> array[int]:
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


def utf16_distance(left: str, right: str) -> int:
    """Levenshtein distance over UTF-16 code units (Hyyrö's bit-parallel algorithm)."""
    a, b = _utf16(left), _utf16(right)
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    masks: dict[int, int] = {}
    for index, unit in enumerate(b):
        masks[unit] = masks.get(unit, 0) | (1 << index)
    full, top = (1 << len(b)) - 1, 1 << (len(b) - 1)
    plus, minus, score = full, 0, len(b)
    for unit in a:
        equal = masks.get(unit, 0)
        vertical = equal | minus
        horizontal = (((equal & plus) + plus) ^ plus) | equal
        h_plus = minus | (~(horizontal | plus) & full)
        h_minus = plus & horizontal
        if h_plus & top:
            score += 1
        elif h_minus & top:
            score -= 1
        h_plus = ((h_plus << 1) | 1) & full
        h_minus = (h_minus << 1) & full
        plus = h_minus | (~(vertical | h_plus) & full)
        minus = h_plus & vertical
    return score
