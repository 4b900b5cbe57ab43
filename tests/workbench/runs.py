"""Helpers for tests that drive the runner against the fake server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from workbench.domain import Cell, CellResult, Message, ModelSpec, PromptTemplate
from workbench.events import CellFailed, CellFinished, RunEvent
from workbench.plan import build_plan
from workbench.runner import Runner, RunOptions
from workbench.secrets import KeyStore

E = TypeVar("E", bound=RunEvent)

PROMPT = PromptTemplate("greet", (Message("system", "Be kind"), Message("user", "Hello {{who}}")))


@dataclass
class Outcome:
    events: list[tuple[float, RunEvent]] = field(default_factory=list)

    @property
    def results(self) -> list[CellResult]:
        ended = [e.result for _, e in self.events if isinstance(e, CellFinished | CellFailed)]
        return sorted(ended, key=lambda r: r.cell.index)

    def of(self, kind: type[E]) -> list[E]:
        return [e for _, e in self.events if isinstance(e, kind)]


def cells_for(models: Sequence[ModelSpec], repeats: int = 1, who: str = "Ada") -> list[Cell]:
    return build_plan([PROMPT], models, [{"who": who}], repeats)


def run(
    cells: Sequence[Cell],
    options: RunOptions | None = None,
    *,
    keys: KeyStore | None = None,
    environ: dict[str, str] | None = None,
    on_event: Callable[[Runner, RunEvent], None] | None = None,
) -> Outcome:
    outcome = Outcome()

    async def main() -> None:
        runner = Runner(options or RunOptions(), keys=keys, environ=environ or {})
        try:
            async for event in runner.run(cells):
                outcome.events.append((time.monotonic(), event))
                if on_event is not None:
                    on_event(runner, event)
        finally:
            await runner.aclose()

    asyncio.run(main())
    return outcome
