"""Checks agree with promptfoo: cases taken from promptfoo's own tests and source.

Comments name the promptfoo test each case comes from (test/assertions/<file>: "<test name>");
cases without one follow from the source (src/assertions/*.ts) as the module docstrings explain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.checks import (
    MODEL_GRADED,
    SUPPORTED_TYPES,
    Observed,
    evaluate,
    is_supported,
    needs_model,
    validate_check,
)
from workbench.checks_js import comma_values, js_number, js_string
from workbench.checks_text import utf16_distance
from workbench.errors import UsageError
from workbench.suite import Check, JsonValue

LAT_LONG_SCHEMA = {
    "required": ["latitude", "longitude"],
    "type": "object",
    "properties": {
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    },
}
LAT_LONG_YAML = """
required: [latitude, longitude]
type: object
properties:
  latitude: {type: number, minimum: -90, maximum: 90}
  longitude: {type: number, minimum: -180, maximum: 180}
"""
DATE_SCHEMA = {
    "type": "object",
    "properties": {"date": {"type": "string", "format": "date"}},
    "required": ["date"],
}


@dataclass(frozen=True)
class Case:
    type: str
    value: JsonValue
    output: str
    passed: bool
    threshold: float | None = None
    vars: dict[str, str] = field(default_factory=dict)
    latency_ms: float | None = None
    cost_usd: float | None = None


CASES = [
    # --- contains / icontains (test/assertions/contains.test.ts) ---
    # "should pass when output contains the expected string"
    Case("contains", "world", "hello world", True),
    # "should fail when output does not contain the expected string"
    Case("contains", "universe", "hello world", False),
    # "should handle inverse assertion correctly"
    Case("not-contains", "universe", "hello world", True),
    Case("not-contains", "world", "hello world", False),
    # "contains numeric values": "should return pass=$pass for 0"
    Case("contains", 0, "There are 0 errors", True),
    Case("contains", 0, "no digits here", False),
    # "supports Infinity": String(Infinity)
    Case("contains", math.inf, "Infinity", True),
    Case("icontains", -math.inf, "-infinity", True),
    # A YAML 1.0 is the JavaScript number 1: String(1.0) is "1".
    Case("contains", 1.0, "version 1 only", True),
    # "should pass when output contains the expected string case-insensitively"
    Case("icontains", "WORLD", "hello world", True),
    # "should handle mixed case in output and value"
    Case("icontains", "WoRlD", "Hello WORLD", True),
    Case("not-icontains", "WORLD", "hello world", False),
    # contains is case-sensitive; neither side is trimmed.
    Case("contains", "World", "hello world", False),
    Case("contains", "world ", "hello world", False),
    # --- contains-any / icontains-any ---
    # "should pass when output contains any of the expected strings"
    Case("contains-any", ["world", "universe"], "hello world", True),
    # "should handle comma-separated string input"
    Case("contains-any", "world,universe", "hello world", True),
    # "should handle quoted values with commas"
    Case("contains-any", '"hello, world",universe', "hello, world", True),
    # "should handle complex quoted values with commas and spaces"
    Case(
        "contains-any",
        '"hello, dear world", "goodbye, universe", simple',
        "hello, dear world is here",
        True,
    ),
    # "should handle empty quoted strings"
    Case("contains-any", '"",', "", True),
    # "should not create false-positive empty token from tab after quoted field"
    Case("contains-any", '"hello, world"\t,foo', "zzz", False),
    # "should handle non-space whitespace between fields"
    Case("contains-any", '"hello, world"\t,\t"foo"', "foo", True),
    # "should handle CSV-style doubled quotes as literal quote"
    Case("contains-any", '"a""b",c', 'a"b', True),
    # "should not false-positive on partial token from doubled quotes"
    Case("contains-any", '"a""b",c', "b", False),
    # "should handle escaped quotes and commas in quoted strings"
    Case("contains-any", '"hello\\"world,test", "another,test"', 'hello"world,test', True),
    # "should fail when escaped quote value does not match"
    Case("contains-any", '"hello\\"world,test", "another,test"', "something else", False),
    # "should handle regex match with complex escaping"
    Case("contains-any", '"test\\\\test"', "test\\test", True),
    Case("not-contains-any", ["zzz", "qqq"], "hello world", True),
    Case("not-contains-any", ["zzz", "world"], "hello world", False),
    # An empty list: no value is found ([] is truthy in JavaScript, so it is allowed).
    Case("contains-any", [], "anything", False),
    # "should handle escaped quotes with commas case-insensitively" (handleIContainsAny)
    Case("icontains-any", '"hello\\"world,test", "another,test"', "ANOTHER,TEST", True),
    # "should ignore empty entries in comma-separated list"
    Case("icontains-any", ",WORLD,,", "", False),
    # "should preserve quoted empty strings in comma-separated list"
    Case("icontains-any", '"",WORLD', "", True),
    # "should handle string value with spaces"
    Case("icontains-any", "  HELLO  ", "hello", True),
    # "should handle string value with multiple consecutive commas"
    Case("icontains-any", "HELLO,,,,WORLD", "hello", True),
    # "should handle string value with only spaces and commas"
    Case("icontains-any", "  ,  ,  ", "", False),
    # --- contains-all / icontains-all ---
    # "should handle quoted values with commas" (handleContainsAll)
    Case("contains-all", '"hello, world","foo"', "hello, world and foo", True),
    # "should fail when quoted value is missing"
    Case("contains-all", '"hello, world","bar"', "hello, world and foo", False),
    # "should handle single value without commas"
    Case("contains-all", "hello", "hello world", True),
    # "should handle escaped quotes in contains-all"
    Case(
        "contains-all",
        '"say \\"hello\\"", "another,phrase"',
        'say "hello" and another,phrase here',
        True,
    ),
    # "should fail when output is missing some expected strings"
    Case("contains-all", ["hello", "world", "universe"], "hello world", False),
    # An empty list: nothing is missing.
    Case("contains-all", [], "anything", True),
    Case("not-contains-all", ["hello", "zzz"], "hello world", True),
    Case("not-contains-all", ["hello", "world"], "hello world", False),
    # "should handle quoted values with commas case-insensitively" (handleIContainsAll)
    Case("icontains-all", '"Hello, World","Foo"', "HELLO, WORLD AND FOO", True),
    # "should handle empty string value"
    Case("icontains-all", '""', "hello", True),
    # test/assertions/index.test.ts: icontains-all with option4 missing fails
    Case(
        "icontains-all",
        ["option1", "option2", "option3", "option4"],
        "This output contains OPTION1, option2, and opTiOn3",
        False,
    ),
    # List items that are numbers compare as String(item).
    Case("contains-all", [1, 2.0, True], "1 2 true", True),
    # --- equals (test/assertions/equals.test.ts) ---
    # "passes equals for matching primitive values"
    Case("equals", "hello world", "hello world", True),
    # "fails equals for different primitive values"
    Case("equals", "goodbye world", "hello world", False),
    # "fails not-equals for matching primitive values"
    Case("not-equals", "hello world", "hello world", False),
    # "passes not-equals for different primitive values"
    Case("not-equals", "goodbye world", "hello world", True),
    # "passes equals when an object value matches valid JSON output"
    Case("equals", {"foo": "bar"}, '{"foo":"bar"}', True),
    # "fails equals when an object value does not match valid JSON output"
    Case("equals", {"foo": "bar"}, '{"foo":"baz"}', False),
    # "fails equals when an object value does not match non-JSON output"
    Case("equals", {"foo": "bar"}, "hello world", False),
    # "passes not-equals when an object value cannot equal non-JSON output"
    Case("not-equals", {"foo": "bar"}, "hello world", True),
    # JSON comparison ignores key order and spacing; 1 and 1.0 are the same number.
    Case("equals", {"a": 1, "b": [1, 2]}, '{ "b": [1, 2.0], "a": 1.0 }', True),
    Case("equals", ["a", 1], '["a", 1]', True),
    Case("equals", ["a", 1], '[1, "a"]', False),
    # true is not 1.
    Case("equals", {"ok": True}, '{"ok": 1}', False),
    # String(value) against the untrimmed output.
    Case("equals", "Paris", "Paris\n", False),
    Case("equals", 42, "42", True),
    Case("equals", 1.0, "1", True),
    Case("equals", 0.5, "0.5", True),
    Case("equals", True, "true", True),
    Case("equals", True, "True", False),
    # --- starts-with (test/assertions/index.test.ts) ---
    # "should pass when the starts-with assertion passes"
    Case("starts-with", "Expected", "Expected output", True),
    # "should fail when the starts-with assertion fails"
    Case("starts-with", "Expected", "Different output", False),
    Case("not-starts-with", "Expected", "Different output", True),
    Case("starts-with", "Expected", " Expected output", False),  # no trimming
    # --- regex (test/assertions/index.test.ts) ---
    # "should pass when the regex assertion passes"
    Case("regex", r"\d{3}-\d{2}-\d{4}", "This output contains 123-45-6789", True),
    # "should fail when the regex assertion fails"
    Case("regex", r"\d{3}-\d{2}-\d{4}", "This output does not contain the pattern", False),
    Case("not-regex", r"\d{3}-\d{2}-\d{4}", "This output does not contain the pattern", True),
    Case("not-regex", r"\d{3}-\d{2}-\d{4}", "This output contains 123-45-6789", False),
    # No flags: case-sensitive, `$` is the very end (JavaScript), `.` stops at \r as at \n.
    Case("regex", "hello", "Hello", False),
    Case("regex", "^yes$", "yes\n", False),
    Case("regex", "^yes$", "yes", True),
    Case("regex", "a.c", "a\rc", False),
    # \d and \w are ASCII in JavaScript; \s includes the no-break space.
    Case("regex", r"^\d+$", "١٢٣", False),
    Case("regex", r"a\sb", "a\u00a0b", True),
    # JavaScript's named groups and back references.
    Case("regex", r"(?<y>\d{4})-\k<y>", "2024-2024", True),
    # regex.ts: an invalid pattern fails the check, with or without "not-".
    Case("regex", "(unclosed", "anything", False),
    Case("not-regex", "(unclosed", "anything", False),
    # Python-only syntax is as invalid as in JavaScript.
    Case("regex", "a*+", "aaa", False),
    Case("not-regex", "(?i)yes", "no", False),
    # --- is-json (test/assertions/is-json.test.ts) ---
    # "should pass when the is-json assertion passes"
    Case("is-json", None, '{"key":"value"}', True),
    # "should fail when the is-json assertion fails"
    Case("is-json", None, "Not valid JSON", False),
    # "should pass when the is-json assertion passes with schema"
    Case("is-json", LAT_LONG_SCHEMA, '{"latitude": 80.123, "longitude": -1}', True),
    # "should fail when the is-json assertion fails with schema"
    Case("is-json", LAT_LONG_SCHEMA, '{"latitude": "high", "longitude": [-1]}', False),
    # "... with schema YAML string" (pass and fail)
    Case("is-json", LAT_LONG_YAML, '{"latitude": 80.123, "longitude": -1}', True),
    Case("is-json", LAT_LONG_YAML, '{"latitude": "high", "longitude": [-1]}', False),
    # "should validate JSON with formats using ajv-formats" (and "- failure")
    Case("is-json", DATE_SCHEMA, '{"date": "2021-08-29"}', True),
    Case("is-json", DATE_SCHEMA, '{"date": "not a date"}', False),
    Case("is-json", DATE_SCHEMA, '{"date": "2021-02-29"}', False),
    # JSON.parse: whitespace around is fine; any other text, NaN and comments are not.
    Case("is-json", None, " \n[1, 2]\n", True),
    Case("is-json", None, "null", True),
    Case("is-json", None, 'Here: {"a": 1}', False),
    Case("is-json", None, '{"a": NaN}', False),
    Case("is-json", None, "", False),
    # A schema's minimum/required apply to the parsed output.
    Case("is-json", LAT_LONG_SCHEMA, '{"latitude": 91, "longitude": 0}', False),
    Case("is-json", LAT_LONG_SCHEMA, '{"latitude": 1}', False),
    # not-is-json
    Case("not-is-json", None, "plain text", True),
    Case("not-is-json", None, '{"a":1}', False),
    Case("not-is-json", LAT_LONG_SCHEMA, '{"latitude": "high", "longitude": 0}', True),
    # --- contains-json (test/assertions/contains-json.test.ts, test/util/json.test.ts) ---
    # "should pass when the contains-json assertion passes"
    Case(
        "contains-json",
        None,
        'stuff \n\n {"key": "value", "key2": {"key3": "value2", "key4": ["v3", "v4"]}} \n\n blah',
        True,
    ),
    # "should fail when the contains-json assertion fails"
    Case("contains-json", None, "Not valid JSON", False),
    # "should pass when the contains-json assertion passes with schema"
    Case(
        "contains-json",
        LAT_LONG_SCHEMA,
        'here is the answer\n\n```{"latitude": 80.123, "longitude": -1}```',
        True,
    ),
    # "should fail contains-json assertion with predefined schema and invalid data"
    Case(
        "contains-json",
        LAT_LONG_SCHEMA,
        'here is the answer\n\n```{"latitude": "medium", "longitude": -1}```',
        False,
    ),
    # extractJsonObjects: "should handle comments", "should handle incomplete JSON",
    # "should handle YAML-style unquoted strings", "should handle JSON with trailing commas"
    Case("contains-json", None, '{\n "reason": "all good",\n "score": 1.0 // perfect\n}', True),
    Case("contains-json", None, '{\n  "incomplete": "object"', True),
    Case("contains-json", None, "{key: value, another_key: another value}", True),
    Case("contains-json", None, '{\n  "key1": "value1",\n  "key2": "value2",\n}', True),
    # "should ignore YAML arrays and scalars": only objects count
    Case("contains-json", None, "[1, 2, 3] plain: string 42", False),
    # Any one conforming object passes with a schema.
    Case(
        "contains-json",
        {"type": "object", "required": ["b"]},
        'first {"a": 1} then {"b": 2}',
        True,
    ),
    Case("not-contains-json", None, "plain text", True),
    Case("not-contains-json", None, '{"ok":true}', False),
    # --- levenshtein (test/assertions/levenshtein.test.ts) ---
    # "should pass when strings are identical"
    Case("levenshtein", "test", "test", True),
    # "should pass when distance is within default threshold"
    Case("levenshtein", "test", "tast", True),
    # "should pass when distance is within custom threshold"
    Case("levenshtein", "test", "tist", True, threshold=2),
    # "should fail when distance exceeds default threshold"
    Case("levenshtein", "test", "completely different", False),
    # "should fail when distance exceeds custom threshold" (threshold 0 is 0: `?? 5`)
    Case("levenshtein", "test", "tast", False, threshold=0),
    # "should handle empty strings"
    Case("levenshtein", "", "", True),
    Case("levenshtein", "kitten", "sitting", True, threshold=3),
    # fastest-levenshtein counts UTF-16 units: an emoji is two edits.
    Case("levenshtein", "ab", "a😀b", False, threshold=1),
    # --- latency and cost (test/assertions/cost-latency-threshold-edge-cases.test.ts) ---
    # "should pass when latency equals threshold=0", "should fail when latency exceeds threshold=0"
    Case("latency", None, "x", True, threshold=0, latency_ms=0),
    Case("latency", None, "x", False, threshold=0, latency_ms=1),
    Case("latency", None, "x", True, threshold=500, latency_ms=500),
    Case("not-latency", None, "x", True, threshold=500, latency_ms=501),
    Case("not-latency", None, "x", False, threshold=500, latency_ms=499),
    # "should throw error when latencyMs is undefined": fails here, with the reason
    Case("latency", None, "x", False, threshold=500),
    # "should pass when cost equals threshold=0", "should fail when cost exceeds threshold=0"
    Case("cost", None, "x", True, threshold=0, cost_usd=0),
    Case("cost", None, "x", False, threshold=0, cost_usd=0.01),
    Case("not-cost", None, "x", True, threshold=0.001, cost_usd=0.01),
    Case("cost", None, "x", False, threshold=0.01),
    # --- values rendered with the case's variables (index.ts: nunjucks.renderString) ---
    Case("contains", "{{ city }}", "The capital is Paris.", True, vars={"city": "Paris"}),
    Case("not-contains", "{{ city }}", "The capital is Paris.", False, vars={"city": "Paris"}),
    Case("contains-any", ["{{ a }}", "zzz"], "has b", True, vars={"a": "b"}),
    Case("equals", "{{ a }}-{{ b }}", "1-2", True, vars={"a": "1", "b": "2"}),
    Case("regex", "^{{ word }}$", "hello", True, vars={"word": "hello"}),
    Case("icontains-all", "{{ a }},{{ b }}", "X and Y", True, vars={"a": "x", "b": "y"}),
    # An undefined variable fails the check (nunjucks would render "" and pass differently).
    Case("contains", "{{ missing }}", "anything", False),
    # Object values are not rendered, as in promptfoo.
    Case("equals", {"a": "{{ x }}"}, '{"a": "{{ x }}"}', True, vars={"x": "y"}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.type}:{c.value!r}:{c.output!r}"[:80])
def test_verdict_agrees_with_promptfoo(case: Case) -> None:
    check = Check(case.type, case.value, case.threshold)
    observed = Observed(case.output, latency_ms=case.latency_ms, cost_usd=case.cost_usd)
    verdict = evaluate(check, observed, case.vars)
    assert verdict.passed is case.passed, verdict.reason
    assert verdict.score == (1.0 if case.passed else 0.0)
    assert verdict.check == check
    assert verdict.reason


def _reason(check_type: str, value: JsonValue, output: str, **observed: float) -> str:
    return evaluate(Check(check_type, value), Observed(output, **observed), {}).reason


def test_reasons_say_what_happened_in_words() -> None:
    assert _reason("contains", "Paris", "Rome") == "output does not contain 'Paris'"
    assert _reason("not-contains", "Paris", "Paris!") == "output contains 'Paris'"
    assert _reason("contains-all", ["a", "b", "c"], "a") == "output is missing 'b', 'c'"
    assert (
        _reason("equals", {"a": 1}, "x") == """output is not JSON, so it cannot equal '{"a":1}'"""
    )
    schema_reason = _reason("is-json", LAT_LONG_SCHEMA, '{"latitude": "high", "longitude": 1}')
    # ajv's wording, as promptfoo's tests expect it: "data/latitude must be number"
    assert schema_reason.endswith("data/latitude must be number")
    date_reason = _reason("is-json", DATE_SCHEMA, '{"date": "not a date"}')
    assert date_reason.endswith('data/date must match format "date"')
    assert "more than the threshold 5" in _reason("levenshtein", "test", "completely different")


def test_template_errors_and_refused_values_fail_with_the_reason() -> None:
    undefined = _reason("contains", "{{ city }}", "Paris")
    assert "'city' is undefined" in undefined
    assert "refused by the sandbox" in _reason("contains", "{{ ''.__class__ }}", "x")
    assert "file://" in _reason("contains", "file://answer.txt", "x")
    assert "Unterminated quoted field" in _reason("contains-any", '"open', "x")
    assert "needs a string or number value" in _reason("contains", "", "x")
    assert "needs a string or number value" in _reason("contains", math.nan, "NaN")
    assert "Invalid regex pattern" in _reason("regex", "[", "x")
    assert "Invalid JSON schema" in _reason("is-json", {"type": "objekt"}, "{}")
    assert "not measured" in evaluate(Check("latency", None, 5), Observed("x"), {}).reason


def test_an_invalid_schema_fails_even_with_not() -> None:
    # json.ts returns the "Invalid JSON schema" failure before looking at `inverse`.
    for check_type in ("is-json", "not-is-json"):
        verdict = evaluate(Check(check_type, {"type": "nope"}), Observed("{}"), {})
        assert not verdict.passed
        assert verdict.reason.startswith("Invalid JSON schema")


def test_schema_keywords_answer_like_ajv() -> None:
    def conforms(schema: JsonValue, output: str) -> bool:
        return evaluate(Check("is-json", schema), Observed(output), {}).passed

    assert conforms({"type": "integer"}, "3.0")  # JSON.parse gives the number 3
    assert not conforms({"type": "integer"}, "3.5")
    assert not conforms({"type": "number"}, "true")
    assert not conforms({"type": "number"}, "1e400")  # Infinity fails ajv's strictNumbers
    assert conforms({"enum": [1, "a"]}, "1.0")
    assert not conforms({"const": {"a": [1]}}, '{"a": [2]}')
    assert conforms({"additionalProperties": False, "properties": {"a": {}}}, '{"a": 1}')
    assert not conforms({"additionalProperties": False, "properties": {"a": {}}}, '{"b": 1}')
    assert not conforms({"items": {"type": "string"}, "minItems": 1}, '["a", 2]')
    assert not conforms({"uniqueItems": True}, "[1, 2, 1.0]")
    assert conforms({"pattern": "^\\d+$"}, '"123"')
    assert not conforms({"maxLength": 2}, '"abc"')
    assert conforms({"minLength": 1, "maxLength": 1}, '"😀"')  # code points, as ajv counts
    assert not conforms({"multipleOf": 0.1}, "0.3")  # 0.3 / 0.1 is not an integer in doubles
    assert conforms({"anyOf": [{"type": "string"}, {"type": "null"}]}, "null")
    assert not conforms({"oneOf": [{"minimum": 0}, {"maximum": 10}]}, "5")
    assert not conforms({"not": {"type": "string"}}, '"x"')
    assert conforms(True, "[1]")
    assert not conforms(False, "[1]")
    assert conforms({"format": "email"}, '"ada@example.com"')
    assert not conforms({"format": "date-time"}, '"2024-01-01T10:00:00"')  # a zone is required
    assert conforms({"$schema": "http://json-schema.org/draft-07/schema#"}, "{}")


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (Check("regex", "(unclosed"), "Invalid regex pattern"),
        (Check("regex", ""), "needs a string value"),
        (Check("contains", None), "needs a string or number value"),
        (Check("contains", ""), "needs a string or number value"),
        (Check("contains", True), "needs a string or number value"),
        (Check("contains-any", 5), "needs a list value"),
        (Check("contains-any", ""), "needs a value"),
        (Check("contains-all", {"a": 1}), "needs a list value"),
        (Check("icontains-any", '"open'), "Unterminated quoted field"),
        (Check("contains-any", '"a" b'), "Expected comma after quoted field"),
        (Check("starts-with", 5), "needs a string value"),
        (Check("equals"), "needs a value"),
        (Check("levenshtein", 5), "needs a string value"),
        (Check("latency"), "needs a threshold"),
        (Check("not-cost"), "needs a threshold"),
        (Check("latency", None, math.nan), "must be a number"),
        (Check("is-json", {"type": "objekt"}), "Invalid JSON schema"),
        (Check("is-json", {"typo": "object"}), 'unknown keyword: "typo"'),
        (Check("is-json", {"$ref": "#/definitions/a"}), "not supported"),
        (Check("is-json", {"format": "uri"}), "not supported"),
        (Check("is-json", {"format": "colour"}), "unknown format"),
        (Check("is-json", {"pattern": "("}), "invalid regular expression"),
        (Check("contains-json", "type: [object"), "Invalid JSON schema"),
        (Check("contains-json", 5), "Invalid JSON schema"),
        (Check("contains", "file://expected.txt"), "file://"),
        (Check("contains-any", ["ok", "file://x.txt"]), "file://"),
        (Check("contains", "{{ broken"), "template syntax error"),
        (Check("javascript", "output.length > 3"), "not supported"),
        (Check("not-levenshtein", "abc"), "not supported"),
        (Check("not-llm-rubric", "is polite"), "not supported"),
        (Check("llm-rubric", ""), "needs a value: the rubric"),
        (Check("llm-rubric", None), "needs a value: the rubric"),
        (Check("llm-rubric", "is polite", 1.5), "between 0 and 1"),
    ],
    ids=lambda item: item.type if isinstance(item, Check) else "",
)
def test_validate_refuses_bad_values_with_where(check: Check, message: str) -> None:
    with pytest.raises(UsageError, match=r"^suite\.yaml:12: ") as info:
        validate_check(check, "suite.yaml:12")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "check",
    [
        Check("contains", "Paris"),
        Check("contains", 0),
        Check("not-icontains", "x"),
        Check("contains-any", 'a, b, "c, d"'),
        Check("contains-all", []),
        Check("equals", {"a": [1, 2]}),
        Check("regex", r"^\d+$"),
        Check("regex", "{{ prefix }}("),  # templated: judged after rendering
        Check("contains-any", ["{{ a }}", "b"]),
        Check("is-json"),
        Check("is-json", LAT_LONG_YAML),
        Check("contains-json", DATE_SCHEMA),
        Check("levenshtein", "abc", 2),
        Check("latency", None, 0),
        Check("not-cost", None, 0.5),
    ],
    ids=lambda check: check.type,
)
def test_validate_accepts_good_checks(check: Check) -> None:
    validate_check(check, "suite.yaml:3")


def test_supported_types_and_not_prefix() -> None:
    assert {"contains", "regex", "is-json", "latency", "levenshtein"} <= SUPPORTED_TYPES
    assert all(not t.startswith("not-") for t in SUPPORTED_TYPES)
    assert is_supported("not-contains-json")
    assert is_supported("not-cost")
    # promptfoo ignores the "not-" of levenshtein (judges it as levenshtein): refused here.
    assert not is_supported("not-levenshtein")
    for unsupported in ("javascript", "similar", "not-llm-rubric", "rouge-s", ""):
        assert not is_supported(unsupported)
    for measured in ("bleu", "not-bleu", "rouge-n", "not-rouge-l", "python", "not-length"):
        assert is_supported(measured)


def test_evaluating_an_unsupported_type_raises() -> None:
    with pytest.raises(UsageError, match="'javascript' is not supported"):
        evaluate(Check("javascript", "output.length > 3"), Observed("x"), {})


def test_model_graded_types_are_supported_but_judged_elsewhere() -> None:
    assert sorted(MODEL_GRADED) == ["llm-rubric"]
    assert is_supported("llm-rubric") and needs_model("llm-rubric")
    assert not needs_model("contains") and not needs_model("python")
    validate_check(Check("llm-rubric", "is polite", 0.8), "suite.yaml:3")
    validate_check(Check("llm-rubric", "answers {{ question }}"), "suite.yaml:3")
    with pytest.raises(UsageError, match="'llm-rubric' is judged by a model: see llm_judge"):
        evaluate(Check("llm-rubric", "be nice"), Observed("x"), {})


def test_evaluate_never_raises_on_deep_output() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert not evaluate(Check("is-json", {"type": "array"}), Observed(deep), {}).passed
    assert evaluate(Check("contains", "["), Observed(deep), {}).passed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (-2.5, "-2.5"),
        (123456.789, "123456.789"),
        (math.inf, "Infinity"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(value: float, text: str) -> None:
    assert js_number(value) == text


def test_js_string_of_other_values() -> None:
    assert js_string(None) == "null"
    assert js_string(False) == "false"
    assert js_string([1, None, "a"]) == "1,,a"
    assert js_string(2**60) == "1152921504606847000"  # a double, printed as JavaScript does


def test_comma_values_follow_parse_comma_separated_values() -> None:
    assert comma_values(' a , b,,"c, d" ,"e""f"') == ["a", "b", "c, d", 'e"f']
    assert comma_values("  ,  ") == []


def _naive_distance(left: str, right: str) -> int:
    a, b = left.encode("utf-16-le"), right.encode("utf-16-le")
    units_a = [a[i : i + 2] for i in range(0, len(a), 2)]
    units_b = [b[i : i + 2] for i in range(0, len(b), 2)]
    row = list(range(len(units_b) + 1))
    for i, unit in enumerate(units_a, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(units_b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (unit != other))
    return row[-1]


@given(st.text(alphabet="ab😀 ", max_size=12), st.text(alphabet="ab😀 ", max_size=12))
def test_levenshtein_distance_matches_the_textbook_algorithm(left: str, right: str) -> None:
    assert utf16_distance(left, right) == _naive_distance(left, right)


@given(st.text(max_size=40), st.text(max_size=20))
def test_contains_is_substring_and_not_contains_its_opposite(output: str, value: str) -> None:
    check = Check("contains", value)
    opposite = Check("not-contains", value)
    verdict = evaluate(check, Observed(output), {})
    if value == "" or value.startswith(("file://", "package:")):
        return  # values promptfoo refuses or loads from files: refused here
    if any(mark in value for mark in ("{{", "{%", "{#")):
        return  # template marks are rendered first
    assert verdict.passed is (value in output)
    assert evaluate(opposite, Observed(output), {}).passed is not verdict.passed


# --- length (the workbench's own check) -------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "output", "passed", "reason"),
    [
        (
            Check("length", 1000),
            "x" * 1234,
            False,
            "output is 1,234 characters, over the maximum 1,000",
        ),
        (Check("length", 5), "12345", True, "output is 5 characters, within the maximum 5"),
        (Check("length", {"min": 3}), "ab", False, "output is 2 characters, under the minimum 3"),
        (Check("length", {"min": 2}), "ab", True, "output is 2 characters, at least the minimum 2"),
        (
            Check("length", {"min": 1, "max": 3}),
            "abc",
            True,
            "output is 3 characters, within 1 to 3",
        ),
        (Check("length", {"min": 0, "max": 0}), "", True, "output is 0 characters, within 0 to 0"),
        (Check("length", {"max": 1}), "😀", True, "output is 1 character, within the maximum 1"),
        (
            Check("length", {"max": None, "min": 1}),
            " \n",
            True,
            "output is 2 characters, at least the minimum 1",
        ),
        (Check("not-length", 3), "abcd", True, "output is 4 characters, over the maximum 3"),
        (
            Check("not-length", {"min": 1, "max": 9}),
            "abc",
            False,
            "output is 3 characters, within 1 to 9",
        ),
    ],
)
def test_length_counts_characters_within_bounds(
    check: Check, output: str, passed: bool, reason: str
) -> None:
    verdict = evaluate(check, Observed(output), {})
    assert (verdict.passed, verdict.reason) == (passed, reason)
    assert verdict.score == (1.0 if passed else 0.0)


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (Check("length"), "needs {min: N, max: N}"),
        (Check("length", "100"), "needs {min: N, max: N}"),
        (Check("length", -1), "0 or more"),
        (Check("length", 2.5), "needs {min: N, max: N}"),
        (Check("length", True), "needs {min: N, max: N}"),
        (Check("length", {}), "needs min, max or both"),
        (Check("length", {"min": None}), "needs min, max or both"),
        (Check("length", {"maximum": 3}), "takes min and max, not maximum"),
        (Check("length", {"min": 5, "max": 2}), "min 5 is more than max 2"),
        (Check("length", {"min": 1.5}), "min must be a whole number"),
        (Check("not-length", {"max": False}), "max must be a whole number"),
        (Check("length", 10, 0.5), "takes no threshold"),
    ],
    ids=lambda item: item.type if isinstance(item, Check) else "",
)
def test_validate_refuses_bad_length_values(check: Check, message: str) -> None:
    with pytest.raises(UsageError, match=r"^suite\.yaml:5: ") as info:
        validate_check(check, "suite.yaml:5")
    assert message in str(info.value)


def test_a_bad_length_value_fails_the_check_when_evaluated() -> None:
    verdict = evaluate(Check("length", {"min": 5, "max": 2}), Observed("abc"), {})
    assert not verdict.passed and "is more than max" in verdict.reason
