"""`workbench resume RUN_ID`: run only the cells an interrupted or cancelled run never finished."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from workbench.cli.run_cmd import report
from workbench.cli.session import Recording, run_cells
from workbench.cli.store_loader import add_db_option, open_store
from workbench.domain import CellResult
from workbench.retry import RetryPolicy
from workbench.runner import RunOptions
from workbench.secrets import KeyStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "resume",
        help="finish a run that was interrupted or cancelled",
        description="Run the cells of a kept run that never finished (or were cancelled), "
        "with the run's own options; cells that finished are not sent again.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    add_db_option(parser)
    parser.set_defaults(handler=resume_command)


def resume_command(args: argparse.Namespace, keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        stored = store.reopen_run(args.run_id)
        kept = [r for r in stored.results if not _cancelled(r)]
        todo = [*stored.missing, *(r.cell for r in stored.results if _cancelled(r))]
        todo.sort(key=lambda cell: cell.index)
        print(
            f"run {args.run_id}: {len(todo)} of {stored.info.cells} cells to run", file=sys.stderr
        )
        results = run_cells(
            todo,
            _options(stored.options),
            keys,
            total=len(todo),
            recording=Recording(store, args.run_id),
        )
    finally:
        store.close()
    everything = sorted([*kept, *results], key=lambda r: r.cell.index)
    report(everything, sys.stdout, sys.stderr)
    return 0 if all(r.ok for r in everything) else 1


def _cancelled(result: CellResult) -> bool:
    return result.error is not None and result.error.type == "cancelled"


def _options(kept: Mapping[str, object]) -> RunOptions:
    def whole(name: str, default: int) -> int:
        value = kept.get(name, default)
        return value if isinstance(value, int) else default

    timeout = kept.get("timeout_s", 60.0)
    return RunOptions(
        concurrency=whole("concurrency", 8),
        local_concurrency=whole("local_concurrency", 2),
        hosted_concurrency=whole("hosted_concurrency", 16),
        timeout_s=float(timeout) if isinstance(timeout, int | float) else 60.0,
        retry=RetryPolicy(max_attempts=whole("max_attempts", 3)),
    )
