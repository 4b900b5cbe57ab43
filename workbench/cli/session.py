"""Running cells for `run` and `resume`: the runner's events to progress, --out and the store.

Also `--offline`, shared by the commands that call models: the policy the runner refuses routes
by, and the socket guard held for the whole command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from workbench import offline_guard
from workbench.cli.progress import Progress
from workbench.domain import Cell, CellResult
from workbench.errors import UsageError, WorkbenchError
from workbench.events import CellFailed, CellFinished, ModelWarmed
from workbench.offline_guard import OfflinePolicy
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
        "offline": list(options.offline.endpoints) if options.offline is not None else None,
    }


def options_from_record(kept: Mapping[str, object]) -> RunOptions:
    """The options `options_record` kept; defaults for any a store does not have."""
    defaults = RunOptions()

    def whole(name: str, default: int) -> int:
        value = kept.get(name, default)
        return value if isinstance(value, int) else default

    timeout = kept.get("timeout_s")
    offline = kept.get("offline")
    return RunOptions(
        concurrency=whole("concurrency", defaults.concurrency),
        local_concurrency=whole("local_concurrency", defaults.local_concurrency),
        hosted_concurrency=whole("hosted_concurrency", defaults.hosted_concurrency),
        timeout_s=float(timeout) if isinstance(timeout, int | float) else defaults.timeout_s,
        retry=RetryPolicy(max_attempts=whole("max_attempts", defaults.retry.max_attempts)),
        offline=(
            OfflinePolicy(tuple(str(url) for url in offline)) if isinstance(offline, list) else None
        ),
    )


def add_offline_options(parser: argparse.ArgumentParser, *, endpoints: bool = True) -> None:
    """`--offline`, and with `endpoints` the repeatable `--allow-endpoint URL`."""
    parser.add_argument(
        "--offline",
        action="store_true",
        help="contact only this machine and local endpoints you added (--api-base"
        + (", --allow-endpoint" if endpoints else "")
        + "); other models fail as offline_refused with nothing sent",
    )
    if endpoints:
        parser.add_argument(
            "--allow-endpoint",
            action="append",
            default=[],
            metavar="URL",
            help="with --offline, also allow this endpoint on the local network (repeatable)",
        )


def offline_policy(
    args: argparse.Namespace, kept: OfflinePolicy | None = None
) -> OfflinePolicy | None:
    """The policy `--offline` asks for (`--api-base` and `--allow-endpoint` allowed), or None.

    `kept` is a resumed run's own policy: it holds without `--offline`, and the flags add to it.
    """
    api_base: str | None = getattr(args, "api_base", None)
    allowed: list[str] = getattr(args, "allow_endpoint", [])
    if not getattr(args, "offline", False) and kept is None:
        if allowed:
            raise UsageError("--allow-endpoint goes with --offline")
        return None
    added = [api_base] if api_base else []
    endpoints = [*(kept.endpoints if kept is not None else ()), *added, *allowed]
    return OfflinePolicy(tuple(dict.fromkeys(endpoints)))


@contextlib.contextmanager
def offline_mode(policy: OfflinePolicy | None) -> Iterator[OfflinePolicy | None]:
    """Hold the socket guard for `policy` (none when None), saying so once on stderr."""
    if policy is None:
        yield None
        return
    print(f"workbench: offline mode: {policy.describe()}", file=sys.stderr)
    for url in policy.ignored_endpoints():
        print(
            f"workbench: offline mode: {url} is not on this machine or the local network: "
            "it stays refused",
            file=sys.stderr,
        )
    offline_guard.activate(policy)
    try:
        yield policy
    finally:
        offline_guard.deactivate()


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
                elif isinstance(event, ModelWarmed):
                    progress.model_warmed(event)
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
