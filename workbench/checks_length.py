"""`length`: the workbench's own check on how long the output is (promptfoo has no such type).

The value is `{min: N, max: N}` (either may be left out) or a plain integer, which is the maximum.
Bounds are non-negative integers and inclusive. Length counts characters as Python does (code
points: an emoji is one, where JavaScript's `length` would count two). The output is not trimmed,
like every other check. A "not-" prefix inverts the verdict: `not-length` passes when the output
is outside the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.checks_base import CheckValueError, Outcome, Params, holds

_KEYS = ("min", "max")


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int | None
    high: int | None


def _count(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CheckValueError(
            f'"length": {key} must be a whole number of characters, 0 or more (not {value!r})'
        )
    return value


def length_value(value: object) -> Bounds:
    """The bounds a `length` value gives; CheckValueError names what is wrong with it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Bounds(None, _count("the maximum", value))
    if not isinstance(value, dict):
        raise CheckValueError(
            '"length" needs {min: N, max: N} (either may be left out) or a number, the maximum'
        )
    unknown = [str(key) for key in value if key not in _KEYS]
    if unknown:
        raise CheckValueError(f'"length" takes min and max, not {", ".join(unknown)}')
    if not value:
        raise CheckValueError('"length" needs min, max or both')
    low = None if value.get("min") is None else _count("min", value["min"])
    high = None if value.get("max") is None else _count("max", value["max"])
    if low is None and high is None:
        raise CheckValueError('"length" needs min, max or both')
    if low is not None and high is not None and low > high:
        raise CheckValueError(f'"length": min {low:,} is more than max {high:,}')
    return Bounds(low, high)


def _within(bounds: Bounds) -> str:
    if bounds.low is not None and bounds.high is not None:
        return f"within {bounds.low:,} to {bounds.high:,}"
    if bounds.high is not None:
        return f"within the maximum {bounds.high:,}"
    return f"at least the minimum {bounds.low:,}"


def length(p: Params) -> Outcome:
    bounds = length_value(p.value)
    size = len(p.output)
    shown = f"output is {size:,} character{'' if size == 1 else 's'}"
    if bounds.high is not None and size > bounds.high:
        return holds(False, p.inverse, "", f"{shown}, over the maximum {bounds.high:,}")
    if bounds.low is not None and size < bounds.low:
        return holds(False, p.inverse, "", f"{shown}, under the minimum {bounds.low:,}")
    return holds(True, p.inverse, f"{shown}, {_within(bounds)}", "")
