"""What a check handler receives and returns, shared by the `checks_*` modules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.checks_js import CheckValueError, js_string

__all__ = ["CheckValueError", "Outcome", "Params", "holds", "quote", "text_or_number"]

_QUOTE_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Params:
    """One check on one output: the value already rendered with the case's variables."""

    value: object
    output: str
    inverse: bool = False  # the check's type had promptfoo's "not-" prefix
    threshold: float | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    variables: Mapping[str, str] = field(default_factory=dict)  # the case's, for `python`


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    reason: str
    # 0..1 for types that measure (bleu, rouge, a python number); None scores 1 for a pass and
    # 0 for a fail. checks.evaluate clamps it into 0..1 and fails a score that is not finite.
    score: float | None = None


def holds(fact: bool, inverse: bool, yes: str, no: str) -> Outcome:
    """The verdict on `fact` ("not-" inverts it), with the sentence saying which way it went."""
    return Outcome(fact != inverse, yes if fact else no)


def quote(value: object) -> str:
    """A value as a reason shows it: quoted, escapes visible, long text shortened."""
    text = value if isinstance(value, str) else js_string(value)
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return repr(text)


def text_or_number(kind: str, value: object) -> str:
    """contains/icontains: a non-empty string or a number (not NaN), as JavaScript's String()."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
        return js_string(value)
    raise CheckValueError(f'"{kind}" needs a string or number value')
