"""promptfoo assertions: the mapping form of `assert:` lists, and the one-line form of CSV columns.

The one-line form (`__expected` cells) follows promptfoo's `assertionFromString` (src/csv.ts) down
to its quirks: scored types such as `starts-with` get a default threshold, list types split on
commas, and text that names no type is an `equals`. Every type is kept, whether or not the
workbench can evaluate it: `workbench.checks` decides that later, by name, so nothing is lost here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal

from workbench.errors import UsageError
from workbench.formats.providers_map import model_from_provider, provider_id_for
from workbench.suite import Check

# promptfoo's BaseAssertionTypesSchema, in its order: the one-line syntax tries them in turn.
BASE_TYPES: tuple[str, ...] = (
    "answer-relevance",
    "bleu",
    "classifier",
    "contains",
    "contains-all",
    "contains-any",
    "contains-html",
    "contains-json",
    "contains-sql",
    "contains-xml",
    "context-faithfulness",
    "context-recall",
    "context-relevance",
    "conversation-relevance",
    "cost",
    "equals",
    "factuality",
    "finish-reason",
    "g-eval",
    "gleu",
    "guardrails",
    "icontains",
    "icontains-all",
    "icontains-any",
    "is-html",
    "is-json",
    "is-refusal",
    "is-sql",
    "is-valid-function-call",
    "is-valid-openai-function-call",
    "is-valid-openai-tools-call",
    "is-xml",
    "javascript",
    "latency",
    "levenshtein",
    "llm-rubric",
    "pi",
    "meteor",
    "model-graded-closedqa",
    "model-graded-factuality",
    "moderation",
    "perplexity",
    "perplexity-score",
    "python",
    "regex",
    "rouge-n",
    "ruby",
    "similar",
    "similar:cosine",
    "similar:dot",
    "similar:euclidean",
    "starts-with",
    "tool-call-f1",
    "skill-used",
    "trajectory:goal-success",
    "trajectory:tool-args-match",
    "trajectory:step-count",
    "trajectory:tool-sequence",
    "trajectory:tool-used",
    "trace-error-spans",
    "trace-span-count",
    "trace-span-duration",
    "search-rubric",
    "webhook",
    "word-count",
)
# Types whose one-line form always carries a threshold (promptfoo fills in a default).
THRESHOLD_TYPES = frozenset(
    {
        "answer-relevance",
        "classifier",
        "context-faithfulness",
        "context-recall",
        "context-relevance",
        "cost",
        "latency",
        "levenshtein",
        "perplexity-score",
        "perplexity",
        "rouge-n",
        "similar",
        "starts-with",
    }
)
_LIST_TYPES = frozenset({"contains-all", "contains-any", "icontains-all", "icontains-any"})
_UNTRIMMED_TYPES = frozenset({"contains-json", "is-json"})
_SIMILAR_DEFAULT = 0.8
_THRESHOLD_DEFAULT = 0.75
_JS_EXTENSIONS = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")

_ONE_LINE = re.compile(
    r"^(not-)?("
    + "|".join(re.escape(name) for name in BASE_TYPES)
    + r")(?:\(([0-9]+(?:\.[0-9]+)?)\))?(?::([\s\S]*))?\Z"
)
# What JavaScript's String.prototype.trim removes (Python's strip() removes a few more).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    return text.strip(_JS_SPACE)


def default_threshold(check_type: str) -> float | None:
    """The threshold promptfoo's one-line form gives a type when none is written."""
    base = check_type.removeprefix("not-")
    if base not in THRESHOLD_TYPES:
        return None
    return _SIMILAR_DEFAULT if base == "similar" else _THRESHOLD_DEFAULT


def check_from_mapping(raw: object, where: str) -> tuple[Check, list[str]]:
    """A check from one `assert:` entry, and notes naming the fields it could not carry."""
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: an assertion must be a mapping with a 'type'")
    kind = raw.get("type")
    if not isinstance(kind, str) or not kind:
        raise UsageError(f"{where}: an assertion needs a 'type' (text)")
    threshold = _threshold(raw.get("threshold"), where)
    notes = [
        f"{where}: assertion {kind!r} field {key!r} not carried over"
        for key in raw
        if key not in ("type", "value", "threshold", "assert", "provider")
    ]
    if kind == "assert-set":
        if "provider" in raw:
            notes.append(f"{where}: assertion {kind!r} field 'provider' not carried over")
        return _assert_set(raw, threshold, where, notes)
    if "assert" in raw:
        notes.append(f"{where}: assertion {kind!r} field 'assert' not carried over")
    provider = _judge(raw.get("provider"), kind, where, notes)
    return Check(kind, raw.get("value"), threshold, provider), notes


def _judge(raw: object, kind: str, where: str, notes: list[str]) -> str | None:
    """The judge model of an assertion's `provider`, as a litellm name, when one name says it.

    A provider with settings (config, a base URL) is more than a name: it is reported, not kept,
    and so is one the workbench cannot run; neither stops the import of everything else.
    """
    if raw is None:
        return None
    dropped = f"{where}: assertion {kind!r} field 'provider'"
    try:
        model, provider_notes = model_from_provider(raw, f"{where}.provider")
    except UsageError as exc:
        notes.append(f"{dropped} not carried over ({exc})")
        return None
    settings = model.params.as_request_fields()
    if settings or model.api_base is not None or model.api_key_name is not None:
        notes.append(f"{dropped} not carried over (a judge with settings; name a model instead)")
        return None
    notes.extend(provider_notes)
    return model.name


def _assert_set(
    raw: Mapping[object, object], threshold: float | None, where: str, notes: list[str]
) -> tuple[Check, list[str]]:
    members = raw.get("assert")
    if members is None:
        return Check("assert-set", None, threshold), notes
    if not isinstance(members, list):
        raise UsageError(f"{where}: an assert-set's 'assert' must be a list")
    value: list[object] = []
    for index, member in enumerate(members):
        check, member_notes = check_from_mapping(member, f"{where}.assert[{index}]")
        value.append(check_to_mapping(check))
        notes.extend(member_notes)
    if "value" in raw:
        notes.append(f"{where}: assertion 'assert-set' field 'value' not carried over")
    return Check("assert-set", value, threshold), notes


def _threshold(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: threshold must be a number, not {value!r}")
    number = float(value) if abs(value) < 1e308 else math.inf
    if not math.isfinite(number):
        raise UsageError(f"{where}: threshold must be a finite number")
    return number


def check_to_mapping(check: Check) -> dict[str, object]:
    """The `assert:` entry for a check: type, value, threshold, judge (unset ones left out)."""
    mapping: dict[str, object] = {"type": check.type}
    if check.value is not None:
        mapping["assert" if check.type == "assert-set" else "value"] = check.value
    if check.threshold is not None:
        mapping["threshold"] = check.threshold
    if check.provider is not None:
        mapping["provider"] = provider_id_for(check.provider)
    return mapping


def check_from_string(text: str, where: str) -> Check:
    """A check from promptfoo's one-line syntax (an `__expected` cell, already trimmed)."""
    if not text:
        raise UsageError(f"{where}: an empty assertion")
    scripted = _scripted(text)
    if scripted is not None:
        return scripted
    match = _ONE_LINE.match(text)
    if match is None:
        return Check("equals", text)
    negated, base, threshold_text, value = match.groups()
    kind = f"{negated or ''}{base}"
    if base in _LIST_TYPES:
        return Check(kind, [js_trim(part) for part in value.split(",")] if value else value)
    if base in _UNTRIMMED_TYPES:
        return Check(kind, value)
    trimmed = None if value is None else js_trim(value)
    if base in THRESHOLD_TYPES:
        threshold = float(threshold_text) if threshold_text else default_threshold(base)
        return Check(kind, trimmed, threshold)
    return Check(kind, trimmed)


def _scripted(text: str) -> Check | None:
    """The forms promptfoo checks before the type list: code, files of code, rubrics."""
    if text.startswith(("javascript:", "fn:", "eval:")):
        return Check("javascript", js_trim(text.partition(":")[2]))
    if text.startswith("file://") and text.endswith(_JS_EXTENSIONS):
        return Check("javascript", js_trim(text))
    if text.startswith(("grade:", "llm-rubric:")):
        return Check("llm-rubric", text.partition(":")[2])
    if text.startswith("python:"):
        return Check("python", js_trim(text.partition(":")[2]))
    if text.startswith("file://") and (text.endswith(".py") or ".py:" in text):
        return Check("python", js_trim(text.removeprefix("file://")))
    return None


def check_to_string(check: Check) -> str | None:
    """The one-line form of a check, or None when that syntax cannot say it exactly."""
    for candidate in _candidates(check):
        if candidate and candidate == js_trim(candidate) and _reads_as(candidate, check):
            return candidate
    return None


def _reads_as(text: str, check: Check) -> bool:
    parsed = check_from_string(text, "")
    return (
        parsed.type == check.type
        and type(parsed.value) is type(check.value)
        and parsed.value == check.value
        and parsed.threshold == check.threshold
        and parsed.provider == check.provider
    )


def _candidates(check: Check) -> list[str]:
    kind, value = check.type, check.value
    if kind in ("javascript", "python", "llm-rubric"):
        return [f"{kind}:{value}"] if isinstance(value, str) else []
    head = kind
    if check.threshold is not None:
        number = _plain_number(check.threshold)
        if number is None:
            return []
        head = f"{kind}({number})"
    if value is None:
        return [head]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [f"{head}:{','.join(value)}"]
    if not isinstance(value, str):
        return []
    plain = [value] if kind == "equals" else []
    return [*plain, f"{head}:{value}"]


def _plain_number(number: float) -> str | None:
    """A threshold as the one-line syntax writes it: digits, optionally a point and digits."""
    if not math.isfinite(number) or number < 0:
        return None
    text = format(Decimal(repr(float(number))), "f")
    return text.removesuffix(".0")
