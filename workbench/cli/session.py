"""Running cells for `run` and `resume`: the runner's events to progress, --out and the store."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench.cli.progress import Progress
from workbench.domain import Cell, CellResult
from workbench.errors import WorkbenchError
from workbench.events import CellFailed, CellFinished
from workbench.records import RecordWriter
from workbench.retry import RetryPolicy
from workbench.runner import Runner, RunOptions
from workbench.secrets import KeyStore
from workbench.store_api import RunStatus, RunStore, cacheable


@dataclass
class Recording:
    """Where a run is kept: the store and the run's id there."""

    store: RunStore
    run_id: int
    failed: bool = False  # the store stopped taking writes (disk full, say): run on without it

    def save(self, result: CellResult) -> None:
        if self.failed:
            return
        try:
            self.store.save_cell(self.run_id, result)
        except WorkbenchError as exc:
            # Losing the store must not lose the run: the summary and --out still get every cell.
            self.failed = True
            print(f"workbench: {exc}; the rest of this run is not kept", file=sys.stderr)


def options_record(options: RunOptions) -> dict[str, object]:
    """The run options as the store keeps them (what `resume` runs the missing cells with)."""
    return {
        "concurrency": options.concurrency,
        "local_concurrency": options.local_concurrency,
        "hosted_concurrency": options.hosted_concurrency,
        "timeout_s": options.timeout_s,
        "max_attempts": options.retry.max_attempts,
        "budget_usd": options.budget_usd,
    }


def options_from_record(kept: Mapping[str, object]) -> RunOptions:
    """The options `options_record` kept; defaults for any a store does not have."""
    defaults = RunOptions()

    def whole(name: str, default: int) -> int:
        value = kept.get(name, default)
        return value if isinstance(value, int) else default

    timeout = kept.get("timeout_s")
    return RunOptions(
        concurrency=whole("concurrency", defaults.concurrency),
        local_concurrency=whole("local_concurrency", defaults.local_concurrency),
        hosted_concurrency=whole("hosted_concurrency", defaults.hosted_concurrency),
        timeout_s=float(timeout) if isinstance(timeout, int | float) else defaults.timeout_s,
        retry=RetryPolicy(max_attempts=whole("max_attempts", defaults.retry.max_attempts)),
    )


def from_cache(store: RunStore, cells: Sequence[Cell]) -> tuple[list[CellResult], list[Cell]]:
    """Cells answered by an identical earlier call in the store, and the cells still to run."""
    reused: list[CellResult] = []
    remaining: list[Cell] = []
    for cell in cells:
        hit = store.find_cached(cell) if cacheable(cell) else None
        if hit is None:
            remaining.append(cell)
        else:
            reused.append(hit)
    return reused, remaining


def run_cells(
    cells: Sequence[Cell],
    options: RunOptions,
    keys: KeyStore | None,
    *,
    total: int,
    done: Sequence[CellResult] = (),
    writer: RecordWriter | None = None,
    recording: Recording | None = None,
) -> list[CellResult]:
    """Run `cells` (after the already `done` ones) and return every result, `done` included."""
    progress = Progress(total)
    results = list(done)
    for result in done:
        progress.cell_ended(result.ok, result.cost.usd)
        _keep(result, writer, recording)
    cancelled = False

    def cancel(runner: Runner) -> None:
        nonlocal cancelled
        cancelled = True
        runner.cancel()

    async def execute() -> None:
        runner = Runner(options, keys=keys)
        loop = asyncio.get_running_loop()
        # Ctrl+C cancels the cells, so the summary, --out and the store keep what finished.
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows, or not main
            loop.add_signal_handler(signal.SIGINT, cancel, runner)
        try:
            async for event in runner.run(cells):
                if isinstance(event, CellFinished | CellFailed):
                    results.append(event.result)
                    _keep(event.result, writer, recording)
                    progress.cell_ended(event.result.ok, event.result.cost.usd)
        finally:
            await runner.aclose()

    try:
        asyncio.run(execute())
    finally:
        progress.close()
    if recording is not None and not recording.failed:
        status = RunStatus.CANCELLED if cancelled else RunStatus.FINISHED
        recording.store.finish_run(recording.run_id, status)
        print(f"kept as run {recording.run_id} in {recording.store.location}", file=sys.stderr)
    return results


def _keep(result: CellResult, writer: RecordWriter | None, recording: Recording | None) -> None:
    if writer is not None:
        writer.write(result)
    if recording is not None:
        recording.save(result)
