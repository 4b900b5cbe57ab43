"""Plans and results for store tests, without running a model."""

from __future__ import annotations

from workbench.domain import (
    Cell,
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    Timings,
    TokensSource,
    Usage,
)
from workbench.plan import build_plan

PROMPT = PromptTemplate(
    "greet",
    (Message("system", "Be kind"), Message("user", "Hello {{who}}")),
    params=ModelParams(temperature=0),
)


def plan(
    prompt: PromptTemplate = PROMPT, models: tuple[str, ...] = ("m1", "m2"), cases: int = 2
) -> list[Cell]:
    specs = [ModelSpec(name, api_base="http://127.0.0.1:9/v1") for name in models]
    return build_plan([prompt], specs, [{"who": f"person {i}"} for i in range(cases)])


def finished(cell: Cell, output: str = "a purple answer", latency: float = 20.0) -> CellResult:
    return CellResult(
        cell=cell,
        output=output,
        finish_reason="stop",
        usage=Usage(12, 3, TokensSource.REPORTED),
        cost=Cost(0.001, CostSource.PRICE_MAP),
        timings=Timings(5.0, latency, latency - 5.0),
        attempts=1,
    )


def failed(cell: Cell, kind: str = "server_error") -> CellResult:
    return CellResult(
        cell=cell,
        output="",
        finish_reason=None,
        usage=None,
        cost=Cost(None, CostSource.UNKNOWN),
        timings=None,
        attempts=3,
        error=CellError(kind, "the provider had an internal error", True),
    )
