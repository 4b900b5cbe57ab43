"""What the core needs from an experiment store, without knowing how it is stored.

`workbench` may not import `storage` (layers run ui -> storage -> workbench), so the command line
talks to this Protocol and finds the concrete store at run time through the `workbench.store`
entry point group (see `workbench/cli/store_loader.py`). The store takes and returns domain types.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from workbench.domain import Cell, CellResult, PromptTemplate
from workbench.judgements import Judgement
from workbench.prompt_set import PromptSet
from workbench.suite import Suite


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One run as history lists it."""

    id: int
    created_at: str  # ISO 8601, UTC
    status: RunStatus
    cells: int
    finished: int
    failed: int
    prompts: tuple[str, ...]
    models: tuple[str, ...]
    cost_usd: float | None


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A run with its cells: results for the ended ones, the plan for those still missing."""

    info: RunInfo
    options: Mapping[str, object]
    results: tuple[CellResult, ...]
    missing: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    prompt: str | None = None
    model: str | None = None
    search: str | None = None
    status: RunStatus | None = None
    since: str | None = None  # ISO date or timestamp, inclusive
    limit: int = 20


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Figures per prompt version (None when grouped by model only) and model."""

    prompt_version_id: str | None
    prompt: str | None
    model: str
    runs: int
    cells: int
    median_latency_ms: float | None
    median_ttft_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    failure_rate: float


@dataclass(frozen=True, slots=True)
class FileOutput:
    """One output a given prompt-file version produced."""

    run_id: int
    created_at: str
    index: int
    prompt: str
    model: str
    status: str
    output: str
    repo_commit: str | None
    dirty: bool | None


class RunStore(Protocol):
    """Keeps runs cell by cell, so a crash loses only the cells still in flight."""

    location: str

    def start_run(self, cells: Sequence[Cell], options: Mapping[str, object]) -> int:
        """Record the whole plan as pending cells and return the new run's id."""
        ...

    def save_cell(self, run_id: int, result: CellResult) -> None:
        """Commit one ended cell at once."""
        ...

    def finish_run(self, run_id: int, status: RunStatus) -> None: ...

    def reopen_run(self, run_id: int) -> StoredRun:
        """Mark a run running again under this process, for resuming it."""
        ...

    def find_cached(self, cell: Cell) -> CellResult | None:
        """A finished cell with the same rendered messages, model and parameters, if any."""
        ...

    def history(self, query: HistoryQuery) -> list[RunInfo]: ...

    def load_run(self, run_id: int) -> StoredRun: ...

    def aggregates(self, by_version: bool = True) -> list[Aggregate]:
        """Per prompt version and model (or per model): runs, medians, tokens, cost, failures."""
        ...

    def import_sets(self, sets: Sequence[PromptSet]) -> list[str]:
        """Keep every set's prompts (and whole suites by name) in one transaction; their names."""
        ...

    def suite_names(self) -> list[str]:
        """Kept suites, the most recently imported first."""
        ...

    def load_set(self, name: str) -> PromptSet: ...

    def latest_prompts(self, names: Sequence[str] | None = None) -> list[PromptTemplate]:
        """The newest version of each named prompt (all prompts when None), by name."""
        ...

    def outputs_of_blob(self, blob: str) -> Sequence[FileOutput]:
        """Every output produced from a prompt file with this git blob id, newest first."""
        ...

    def save_judgement(self, run_id: int, judgement: Judgement) -> None:
        """Keep a model's verdict on one check of one cell, replacing an earlier one."""
        ...

    def judgements(self, run_id: int) -> list[Judgement]:
        """A run's model judgements by cell, then check position."""
        ...

    def set_run_suite(self, run_id: int, suite: Suite) -> None:
        """Keep the suite (checks and cases) a run is judged with."""
        ...

    def run_suite(self, run_id: int) -> Suite | None: ...

    def output_tokens_history(self, models: Sequence[str], last: int = 200) -> dict[str, float]:
        """Mean output tokens of the `last` answered (finished, not cached) cells per model name;
        models with no history are left out. What the cost preflight expects an output to cost."""
        ...

    def close(self) -> None: ...


def cacheable(cell: Cell) -> bool:
    """Whether a stored answer stands in for a new one: only when sampling is deterministic."""
    params = cell.params
    return params.temperature == 0 or params.seed is not None
