"""`workbench resume RUN_ID`: run only the cells an interrupted or cancelled run never finished."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from workbench.cli.run_cmd import report
from workbench.cli.session import (
    Recording,
    add_offline_options,
    offline_mode,
    offline_policy,
    options_from_record,
    run_cells,
)
from workbench.cli.store_loader import add_db_option, open_store
from workbench.domain import CellResult
from workbench.secrets import KeyStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "resume",
        help="finish a run that was interrupted or cancelled",
        description="Run the cells of a kept run that never finished (or were cancelled), "
        "with the run's own options; cells that finished are not sent again.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    add_offline_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=resume_command)


def resume_command(args: argparse.Namespace, keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        stored = store.reopen_run(args.run_id)
        kept = [r for r in stored.results if not _cancelled(r)]
        todo = [*stored.missing, *(r.cell for r in stored.results if _cancelled(r))]
        todo.sort(key=lambda cell: cell.index)
        options = options_from_record(stored.options)
        # A run kept as offline resumes offline; --offline makes any run so.
        options = dataclasses.replace(options, offline=offline_policy(args, options.offline))
        with offline_mode(options.offline):
            print(
                f"run {args.run_id}: {len(todo)} of {stored.info.cells} cells to run",
                file=sys.stderr,
            )
            results = run_cells(
                todo, options, keys, total=len(todo), recording=Recording(store, args.run_id)
            )
    finally:
        store.close()
    everything = sorted([*kept, *results], key=lambda r: r.cell.index)
    report(everything, sys.stdout, sys.stderr)
    return 0 if all(r.ok for r in everything) else 1


def _cancelled(result: CellResult) -> bool:
    """Cells a person or a budget stopped: never answered, so resuming runs them."""
    return result.error is not None and result.error.type in ("cancelled", "budget_reached")
