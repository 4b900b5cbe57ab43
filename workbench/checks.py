"""Checks on outputs, in promptfoo's assertion vocabulary, with promptfoo's verdicts.

A suite's `Check(type, value, threshold)` is judged here as promptfoo would judge the same
assertion, so a suite gives the same pass/fail in `workbench eval` and in promptfoo CI. Followed,
from github.com/promptfoo/promptfoo: src/assertions/index.ts (runAssertion: a "not-" prefix
inverts; string values, and strings inside list values, are rendered with the case's variables;
the output is never trimmed), contains.ts, equals.ts, startsWith.ts, regex.ts, levenshtein.ts,
json.ts, latency.ts, cost.ts, bleu.ts, rouge.ts, python.ts, src/util/json.ts,
src/util/parseCommaSeparatedValues.ts, and their tests under test/assertions/. Each `checks_*`
module says how its types decide: checks_text (equals, contains, icontains and their -any/-all,
starts-with, regex, levenshtein), checks_json (is-json, contains-json), checks_similarity (bleu,
rouge-n, and the workbench's own rouge-l), checks_length (the workbench's own length),
checks_python (python, run by a whitelisting interpreter, never eval), and latency and cost here.

A verdict carries a score in 0..1: the metric for bleu, rouge and a python number, else 1 for a
pass and 0 for a fail (as promptfoo); a score that is not a finite number fails the check.
`llm-rubric` is supported but judged by a model, after the run (workbench.llm_judge): `evaluate`
refuses it, and `needs_model` tells such types apart.

Where the workbench differs, it says so rather than guess: values are rendered with the Jinja2
sandbox (an undefined variable fails the check; promptfoo's nunjucks renders it as ""), values
that load files or scripts (`file://`, `package:`) are refused, and `not-levenshtein` and
`not-llm-rubric` are unsupported (promptfoo ignores the "not-" of levenshtein; the judge here
does not invert). Other types (javascript, similar, factuality, ...) are unsupported and named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from workbench import checks_json, checks_length, checks_python, checks_similarity, checks_text
from workbench.checks_base import CheckValueError, Outcome, Params, holds, text_or_number
from workbench.checks_js import is_number, js_number
from workbench.domain import Message
from workbench.errors import TemplateError, UsageError
from workbench.suite import Check, JsonValue
from workbench.templating import render_text, variables_in

_NOT = "not-"
# promptfoo treats string values starting with these as files or scripts to load.
_LOADED_PREFIXES = ("file://", "package:")
_TEMPLATE_MARKS = ("{{", "{%", "{#")


@dataclass(frozen=True, slots=True)
class Observed:
    """What a cell produced."""

    output: str
    latency_ms: float | None = None
    cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    check: Check
    passed: bool
    score: float  # 0..1: a metric's value, or 1 for a pass and 0 for a fail, as promptfoo
    reason: str  # a sentence a person understands: "output does not contain 'Paris'"


def _latency(p: Params) -> Outcome:
    limit = _threshold("latency", p.threshold)
    if p.latency_ms is None:
        raise CheckValueError("latency was not measured for this output")
    shown = f"latency {p.latency_ms:,.0f} ms"
    return holds(
        p.latency_ms <= limit,
        p.inverse,
        f"{shown} is within the threshold {js_number(limit)} ms",
        f"{shown} is over the threshold {js_number(limit)} ms",
    )


def _cost(p: Params) -> Outcome:
    limit = _threshold("cost", p.threshold)
    if p.cost_usd is None:
        raise CheckValueError("the model reported no cost for this output")
    shown = f"cost ${p.cost_usd:.2g}"
    return holds(
        p.cost_usd <= limit,
        p.inverse,
        f"{shown} is within the threshold ${js_number(limit)}",
        f"{shown} is over the threshold ${js_number(limit)}",
    )


def _threshold(kind: str, threshold: float | None) -> float:
    if threshold is None:
        raise CheckValueError(f'"{kind}" needs a threshold')
    return threshold


@dataclass(frozen=True, slots=True)
class _Kind:
    judge: Callable[[Params], Outcome]
    # Checks a value before any rendering (for validate_check); raises CheckValueError.
    check_value: Callable[[JsonValue], object]
    invertible: bool = True


def _any_value(_value: JsonValue) -> None:
    return None


def _list_value(kind: str) -> Callable[[JsonValue], object]:
    return lambda value: checks_text.list_value(kind, value)


def _rouge_value(kind: str) -> Callable[[JsonValue], object]:
    return lambda value: checks_similarity.rouge_value(kind, value)


def _rubric_value(value: JsonValue) -> object:
    """A rubric: non-empty text (a structured one, an object or list, is sent as its JSON)."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, dict | list) and value:
        return value
    raise CheckValueError('"llm-rubric" needs a value: the rubric the output is graded by')


def _judged_by_model(p: Params) -> Outcome:
    raise AssertionError("model-graded checks never reach a judge here: evaluate refuses them")


_KINDS: Mapping[str, _Kind] = {
    "equals": _Kind(checks_text.equals, checks_text.equals_value),
    "contains": _Kind(checks_text.contains, lambda v: text_or_number("contains", v)),
    "icontains": _Kind(checks_text.icontains, lambda v: text_or_number("icontains", v)),
    "contains-any": _Kind(checks_text.contains_any, _list_value("contains-any")),
    "contains-all": _Kind(checks_text.contains_all, _list_value("contains-all")),
    "icontains-any": _Kind(checks_text.icontains_any, _list_value("icontains-any")),
    "icontains-all": _Kind(checks_text.icontains_all, _list_value("icontains-all")),
    "starts-with": _Kind(checks_text.starts_with, checks_text.start_value),
    "regex": _Kind(checks_text.regex, checks_text.valid_regex),
    "levenshtein": _Kind(checks_text.levenshtein, checks_text.levenshtein_value, invertible=False),
    "is-json": _Kind(checks_json.is_json, checks_json.schema_of),
    "contains-json": _Kind(checks_json.contains_json, checks_json.schema_of),
    "latency": _Kind(_latency, _any_value),
    "cost": _Kind(_cost, _any_value),
    "bleu": _Kind(checks_similarity.bleu, checks_similarity.bleu_value),
    "rouge-n": _Kind(checks_similarity.rouge_n, _rouge_value("rouge-n")),
    "rouge-l": _Kind(checks_similarity.rouge_l, _rouge_value("rouge-l")),
    "length": _Kind(checks_length.length, checks_length.length_value),
    "python": _Kind(checks_python.python, checks_python.python_value),
    "llm-rubric": _Kind(_judged_by_model, _rubric_value, invertible=False),
}

SUPPORTED_TYPES: frozenset[str] = frozenset(_KINDS)
# Judged by a model after the run (workbench.llm_judge), never by `evaluate`.
MODEL_GRADED: frozenset[str] = frozenset({"llm-rubric"})
_THRESHOLD_REQUIRED = frozenset({"latency", "cost"})
_THRESHOLD_UNIT = frozenset({"bleu", "rouge-n", "rouge-l", "llm-rubric"})  # between 0 and 1
_NO_THRESHOLD = frozenset({"length"})


def _split(check_type: str) -> tuple[str, bool]:
    if check_type.startswith(_NOT):
        return check_type[len(_NOT) :], True
    return check_type, False


def is_supported(check_type: str) -> bool:
    """Whether the workbench judges `check_type` (a base name, or "not-" + one that inverts)."""
    base, inverse = _split(check_type)
    kind = _KINDS.get(base)
    return kind is not None and (kind.invertible or not inverse)


def needs_model(check_type: str) -> bool:
    """Whether `check_type` is judged by a model (workbench.llm_judge) rather than `evaluate`."""
    return _split(check_type)[0] in MODEL_GRADED


def is_judged(check: Check) -> bool:
    """Whether the workbench judges this check: a supported type, and not a script file to run.

    A `python` check that names a file (imported from promptfoo's `file://x.py`) is reported
    and left out like an unsupported type, rather than refusing the whole suite that holds it.
    """
    return is_supported(check.type) and not (
        _split(check.type)[0] == "python" and checks_python.names_a_file(check.value)
    )


def _kind(check_type: str, where: str) -> _Kind:
    if not is_supported(check_type):
        supported = ", ".join(sorted(SUPPORTED_TYPES))
        single = " and ".join(sorted(name for name, kind in _KINDS.items() if not kind.invertible))
        raise UsageError(
            f"{where}check type {check_type!r} is not supported (the workbench judges {supported},"
            f" each also with not- except {single})"
        )
    return _KINDS[_split(check_type)[0]]


def _has_template(text: str) -> bool:
    return any(mark in text for mark in _TEMPLATE_MARKS)


def validate_check(check: Check, where: str) -> None:
    """Refuse a check whose value or threshold promptfoo would refuse: UsageError "where: ..."."""
    kind = _kind(check.type, f"{where}: ")
    base = _split(check.type)[0]
    if check.threshold is not None and not (
        is_number(check.threshold) and math.isfinite(check.threshold)
    ):
        raise UsageError(f"{where}: the threshold of {check.type!r} must be a number")
    if base in _THRESHOLD_REQUIRED and check.threshold is None:
        raise UsageError(f"{where}: {check.type!r} needs a threshold ({_threshold_unit(base)})")
    if base in _THRESHOLD_UNIT and check.threshold is not None and not 0 <= check.threshold <= 1:
        raise UsageError(f"{where}: the threshold of {check.type!r} must be between 0 and 1")
    if base in _NO_THRESHOLD and check.threshold is not None:
        raise UsageError(f"{where}: {check.type!r} takes no threshold: its value sets the bounds")
    try:
        static = _static_value(check.value, where)
        if static is not _TEMPLATED:
            kind.check_value(static)
    except CheckValueError as exc:
        raise UsageError(f"{where}: {check.type!r}: {exc}") from exc


def _threshold_unit(base: str) -> str:
    return "milliseconds" if base == "latency" else "US dollars"


_TEMPLATED = object()
_PLACEHOLDER = "x"


def _static_value(value: JsonValue, where: str) -> object:
    """The value as far as it is known before rendering: templates checked, not rendered."""
    if isinstance(value, str):
        _refuse_loaded(value)
        if not _has_template(value):
            return value
        _check_template(value, where)
        return _TEMPLATED
    if isinstance(value, list):
        static = [_static_value(item, where) for item in value]
        return [_PLACEHOLDER if item is _TEMPLATED else item for item in static]
    return value


def _check_template(text: str, where: str) -> None:
    try:
        variables_in([Message("user", text)], where=where)
    except TemplateError as exc:
        raise UsageError(str(exc)) from exc


def _refuse_loaded(text: str) -> None:
    for prefix in _LOADED_PREFIXES:
        if text.startswith(prefix):
            raise CheckValueError(f"values that load a file or script ({prefix}) are not supported")


def _rendered(value: JsonValue, variables: Mapping[str, str], where: str) -> object:
    if isinstance(value, str):
        _refuse_loaded(value)
        return render_text(value, variables, where) if _has_template(value) else value
    if isinstance(value, list):
        return [
            _rendered(item, variables, where) if isinstance(item, str) else item for item in value
        ]
    return value


def evaluate(check: Check, observed: Observed, variables: Mapping[str, str]) -> Verdict:
    """Judge `observed` by `check` as promptfoo would; never raises for a supported type that
    `evaluate` judges.

    A value that cannot be rendered or that promptfoo would refuse fails the check, with why.
    An unsupported type raises UsageError (see is_supported), and so does a model-graded one
    (see needs_model): a judge model grades those.
    """
    kind = _kind(check.type, "")
    if needs_model(check.type):
        raise UsageError(f"check type {check.type!r} is judged by a model: see llm_judge")
    inverse = _split(check.type)[1]
    try:
        value = _rendered(check.value, variables, f"check {check.type!r}")
        outcome = kind.judge(
            Params(
                value=value,
                output=observed.output,
                inverse=inverse,
                threshold=check.threshold,
                latency_ms=observed.latency_ms,
                cost_usd=observed.cost_usd,
                variables=variables,
            )
        )
    except (TemplateError, CheckValueError) as exc:
        return Verdict(check, False, 0.0, str(exc))
    except RecursionError:
        return Verdict(check, False, 0.0, "the output or the schema is nested too deeply")
    return _verdict(check, outcome)


def _verdict(check: Check, outcome: Outcome) -> Verdict:
    """The outcome's verdict, its score within 0..1 (a score that is not finite fails)."""
    if outcome.score is None:
        return Verdict(check, outcome.passed, 1.0 if outcome.passed else 0.0, outcome.reason)
    if not math.isfinite(outcome.score):
        shown = js_number(outcome.score)
        return Verdict(check, False, 0.0, f"{outcome.reason}; a score of {shown} fails the check")
    return Verdict(check, outcome.passed, min(max(outcome.score, 0.0), 1.0), outcome.reason)
