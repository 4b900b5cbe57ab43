"""`workbench stats`: how each prompt version and model has done over every kept run."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from workbench.cli.store_loader import add_db_option, open_store
from workbench.cli.table import number, render_table, usd
from workbench.secrets import KeyStore


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "stats",
        help="figures per prompt version and model over all kept runs",
        description="Runs, median latency and TTFT, tokens, total cost and failure rate per "
        "prompt version and model (or per model with --by-model), over every run in the store.",
    )
    parser.add_argument("--by-model", action="store_true", help="one row per model")
    parser.add_argument("--prompt", metavar="NAME", help="only this prompt's versions")
    parser.add_argument("--model", metavar="M", help="only this model")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")
    add_db_option(parser)
    parser.set_defaults(handler=stats_command)


def stats_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        rows = store.aggregates(by_version=not args.by_model)
    finally:
        store.close()
    if args.prompt and not args.by_model:
        rows = [r for r in rows if r.prompt == args.prompt]
    if args.model:
        rows = [r for r in rows if r.model == args.model]
    rows.sort(key=lambda r: (r.prompt or "", r.prompt_version_id or "", r.model))
    if args.json:
        for row in rows:
            print(json.dumps(asdict(row)))
        return 0
    headers = ["prompt", "version", "model", "runs", "cells", "TTFT ms", "latency ms",
               "tokens in", "tokens out", "cost", "failed"]  # fmt: skip
    table = [
        [
            row.prompt or "(all)",
            (row.prompt_version_id or "")[:10] or "-",
            row.model,
            str(row.runs),
            str(row.cells),
            number(row.median_ttft_ms),
            number(row.median_latency_ms),
            number(row.input_tokens),
            number(row.output_tokens),
            usd(row.cost_usd),
            f"{row.failure_rate:.0%}",
        ]
        for row in rows
    ]
    print(render_table(headers, table, right={3, 4, 5, 6, 7, 8, 9, 10}))
    return 0
