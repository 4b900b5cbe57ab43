"""What a run will cost before it starts: calls, tokens and dollars per model.

Input tokens are counted with tiktoken on the rendered messages, so they are estimates like every
tiktoken figure. Output is unknown until a model answers, so each call is expected to produce what
this model produced on average before (`history`), else its `max_tokens` (a ceiling, so the
figure errs high), else `DEFAULT_OUTPUT_TOKENS`. Cells the store could answer from its cache are
counted like any other: which ones hit is only known once the run looks them up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from workbench import pricing, tokens
from workbench.domain import Cell, Message, ModelSpec

# A guess for a call with no history and no max_tokens: a few paragraphs, the usual length of a
# chat answer. It only has to put the cost in the right order of magnitude, and the basis says
# the figure is a guess.
DEFAULT_OUTPUT_TOKENS = 256

OutputBasis = Literal["history", "max_tokens", "default"]
_BASIS_PRECEDENCE: tuple[OutputBasis, ...] = ("history", "max_tokens", "default")


@dataclass(frozen=True, slots=True)
class ModelEstimate:
    """One model's share of a run."""

    model: str  # label
    calls: int
    input_tokens: int  # tiktoken on the rendered messages of every cell of this model
    output_tokens: int  # expected: the sum of each call's expectation
    # Where the expectation came from. When some calls have max_tokens and others have nothing
    # (prompts with different parameters), "max_tokens": part of the figure is a ceiling.
    output_basis: OutputBasis
    cost_usd: float | None  # input and expected output priced; None when the price is unknown
    cost_source: str  # pricing's source: "litellm-price-map", "user-price", "local", "unknown"


@dataclass(frozen=True, slots=True)
class Preflight:
    """A run's expected size and cost, one entry per model in the order the plan first uses it."""

    models: tuple[ModelEstimate, ...]

    @property
    def calls(self) -> int:
        return sum(item.calls for item in self.models)

    @property
    def input_tokens(self) -> int:
        return sum(item.input_tokens for item in self.models)

    @property
    def output_tokens(self) -> int:
        return sum(item.output_tokens for item in self.models)

    @property
    def cost_usd(self) -> float | None:
        """The whole run's expected cost; None when any model's price is unknown."""
        if self.unknown_models:
            return None
        return self.known_cost_usd

    @property
    def known_cost_usd(self) -> float:
        """The expected cost of the models whose price is known (a floor when some are not)."""
        return sum(item.cost_usd for item in self.models if item.cost_usd is not None)

    @property
    def unknown_models(self) -> tuple[str, ...]:
        return tuple(item.model for item in self.models if item.cost_usd is None)


def preflight(cells: Sequence[Cell], history: Mapping[str, float] | None = None) -> Preflight:
    """Estimate `cells`; `history` maps a model name to its mean output tokens per call so far."""
    past = history or {}
    # A plan repeats each rendered message list for every model and repeat: count it once per
    # encoding, not once per cell.
    counted: dict[tuple[str, tuple[Message, ...]], int] = {}
    groups: dict[ModelSpec, _Tally] = {}
    for cell in cells:
        name = cell.model.name
        key = (tokens.encoding_name_for(name), cell.messages)
        count = counted.get(key)
        if count is None:
            count = counted[key] = tokens.count_messages(cell.messages, name)
        tally = groups.setdefault(cell.model, _Tally())
        expected, basis = _expected_output(cell, past.get(name))
        tally.add(count, expected, basis)
    return Preflight(tuple(tally.estimate(model) for model, tally in groups.items()))


def _expected_output(cell: Cell, mean: float | None) -> tuple[float, OutputBasis]:
    ceiling = cell.params.max_tokens
    if mean is not None:
        # The model cannot answer past max_tokens, however long it answered before.
        return (mean if ceiling is None else min(mean, float(ceiling))), "history"
    if ceiling is not None:
        return float(ceiling), "max_tokens"
    return float(DEFAULT_OUTPUT_TOKENS), "default"


class _Tally:
    """One model's running totals while the cells are walked."""

    __slots__ = ("bases", "calls", "input_tokens", "output_tokens")

    def __init__(self) -> None:
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0.0
        self.bases: set[OutputBasis] = set()

    def add(self, input_tokens: int, output_tokens: float, basis: OutputBasis) -> None:
        self.calls += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.bases.add(basis)

    def estimate(self, model: ModelSpec) -> ModelEstimate:
        output = round(self.output_tokens)
        cost = pricing.cost_of(model, self.input_tokens, output)
        return ModelEstimate(
            model=model.label,
            calls=self.calls,
            input_tokens=self.input_tokens,
            output_tokens=output,
            output_basis=_basis(self.bases),
            cost_usd=cost.usd,
            cost_source=cost.source.value,
        )


def _basis(bases: set[OutputBasis]) -> OutputBasis:
    return next(basis for basis in _BASIS_PRECEDENCE if basis in bases)
