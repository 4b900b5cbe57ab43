"""`workbench run`: prompts x models x cases, streamed, with a live progress bar and a summary."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from workbench.cases import load_cases
from workbench.cli.budget import add_budget_option
from workbench.cli.session import (
    Recording,
    add_offline_options,
    from_cache,
    offline_mode,
    offline_policy,
    options_record,
    run_cells,
)
from workbench.cli.store_loader import add_db_option, open_store, store_available
from workbench.cli.table import number, render_table, usd
from workbench.domain import CellResult, Message, ModelParams, ModelSpec, PromptTemplate
from workbench.errors import UsageError
from workbench.offline_guard import OfflinePolicy
from workbench.plan import build_plan
from workbench.pricing import priced_per_hour
from workbench.prompty import load_prompty
from workbench.records import RecordWriter
from workbench.retry import RetryPolicy
from workbench.runner import RunOptions
from workbench.secrets import KeyStore
from workbench.store_api import RunStore
from workbench.summary import GroupSummary, summarise


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run",
        help="run prompts against models and report honest readouts",
        description="Run every prompt against every model (and every case), streaming.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE.prompty")
    parser.add_argument(
        "--prompt",
        action="append",
        default=[],
        metavar="TEXT",
        help="an inline user prompt (repeatable)",
    )
    parser.add_argument("--system", metavar="TEXT", help="system message for inline prompts")
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        required=True,
        help="a litellm model string, e.g. openai/gpt-4o-mini (repeatable)",
    )
    parser.add_argument(
        "--api-base",
        metavar="URL",
        help="OpenAI-compatible base URL for the models, e.g. http://127.0.0.1:8080/v1",
    )
    parser.add_argument(
        "--transport",
        choices=("auto", "openai", "litellm"),
        default="auto",
        help="force a client: the lean OpenAI-compatible one or litellm (default: by model)",
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable (repeatable); NAME=@FILE reads the value from a file",
    )
    parser.add_argument(
        "--cases",
        type=Path,
        metavar="FILE.csv|.jsonl",
        help="one variable set per row; --var values fill in what a row lacks",
    )
    parser.add_argument("--repeat", type=_positive_int, default=1, metavar="N")
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=8,
        metavar="N",
        help="calls in flight at once, over all models (default 8)",
    )
    parser.add_argument(
        "--local-concurrency",
        type=_positive_int,
        default=1,
        metavar="N",
        help="calls in flight per local server (default 1: fair timings)",
    )
    add_local_options(parser)
    parser.add_argument("--temperature", type=float, metavar="X")
    parser.add_argument("--top-p", type=float, metavar="X")
    parser.add_argument("--max-tokens", type=_positive_int, metavar="N")
    parser.add_argument("--seed", type=int, metavar="N")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="give up on a call when the server sends nothing for S seconds",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        metavar="N",
        help="retries of a retryable failure (429, 5xx, connection), default 2",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE.jsonl|.csv", help="write one record per cell as it ends"
    )
    parser.add_argument("--no-store", action="store_true", help="do not keep this run in the store")
    parser.add_argument(
        "--cache",
        action="store_true",
        help="reuse the stored answer of an identical call (temperature 0 or a seed)",
    )
    add_budget_option(parser)
    add_offline_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=run_command)


def add_local_options(parser: argparse.ArgumentParser) -> None:
    """`--warm-up` and `--local-price-per-hour` (shared with `eval`)."""
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="before timing anything, send each local model one untimed call (loads the model)",
    )
    parser.add_argument(
        "--local-price-per-hour",
        type=_hourly_usd,
        metavar="USD",
        help="what running local models costs per hour (hardware, power); default: nothing",
    )


def _hourly_usd(text: str) -> float:
    try:
        value = float(text.strip().removeprefix("$"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected US dollars like 0.40, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_vars(items: Sequence[str]) -> dict[str, str]:
    variables: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var {item!r}: expected NAME=VALUE")
        if value.startswith("@"):
            path = Path(value[1:])
            try:
                value = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--var {name}: cannot read {path}: {exc.strerror}") from exc
        variables[name.strip()] = value
    return variables


def _prompts(args: argparse.Namespace) -> list[PromptTemplate]:
    prompts = [load_prompty(path) for path in args.files]
    for number_, text in enumerate(args.prompt, start=1):
        messages = [Message("user", text)]
        if args.system:
            messages.insert(0, Message("system", args.system))
        name = "inline" if len(args.prompt) == 1 else f"inline-{number_}"
        prompts.append(PromptTemplate(name=name, messages=tuple(messages)))
    if not prompts:
        raise UsageError("nothing to run: give FILE.prompty or --prompt TEXT")
    names = [p.name for p in prompts]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two prompts are named {duplicates[0]!r}: prompt names must differ")
    return prompts


def _models(args: argparse.Namespace) -> list[ModelSpec]:
    params = ModelParams(
        temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens, seed=args.seed
    )
    names = list(dict.fromkeys(args.model))  # the same model twice is one column
    return priced_per_hour(
        [
            ModelSpec(name=name, api_base=args.api_base, params=params, transport=args.transport)
            for name in names
        ],
        args.local_price_per_hour,
    )


def _variable_sets(args: argparse.Namespace) -> list[dict[str, str]]:
    base = parse_vars(args.var)
    if args.cases is None:
        return [base]
    cases, notes = load_cases(args.cases)
    for note in notes:
        print(f"workbench: {note}", file=sys.stderr)
    return [{**base, **case} for case in cases]


def run_command(args: argparse.Namespace, keys: KeyStore | None) -> int:
    with offline_mode(offline_policy(args)) as offline:
        return _run_command(args, keys, offline)


def _run_command(
    args: argparse.Namespace, keys: KeyStore | None, offline: OfflinePolicy | None
) -> int:
    cells = build_plan(_prompts(args), _models(args), _variable_sets(args), args.repeat)
    options = RunOptions(
        concurrency=args.concurrency,
        local_concurrency=args.local_concurrency,
        timeout_s=args.timeout,
        retry=RetryPolicy(max_attempts=max(1, args.retries + 1)),
        budget_usd=args.budget,
        offline=offline,
        warm_up=args.warm_up,
    )
    store = _store(args)
    writer = RecordWriter(args.out) if args.out else None
    try:
        reused, remaining = from_cache(store, cells) if store and args.cache else ([], cells)
        recording = None
        if store is not None:
            recording = Recording(store, store.start_run(cells, options_record(options)))
        results = run_cells(
            remaining, options, keys, total=len(cells), done=reused, writer=writer,
            recording=recording,
        )  # fmt: skip
    finally:
        if writer is not None:
            writer.close()
        if store is not None:
            store.close()
    report(results, sys.stdout, sys.stderr)
    if reused:
        print(f"{len(reused)} cells reused from the store (--cache): nothing sent", file=sys.stderr)
    if writer is not None:
        print(f"wrote {len(results)} records to {writer.path}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 1


def _store(args: argparse.Namespace) -> RunStore | None:
    """The store to keep this run in, or None with --no-store (or when none is installed)."""
    if args.no_store:
        if args.cache:
            raise UsageError("--cache reads the store: it cannot go with --no-store")
        return None
    if args.db is None and not args.cache and not store_available():
        print("workbench: no store is installed: this run is not kept", file=sys.stderr)
        return None
    return open_store(args.db)


def report(results: list[CellResult], out: TextIO, err: TextIO) -> None:
    summaries = summarise(results)
    print(render_table(*_summary_rows(summaries)), file=out)
    if any(s.tokens_estimated for s in summaries):
        print("~ token counts estimated with tiktoken: the provider reported no usage", file=out)
    failed = [r for r in results if not r.ok]
    for result in failed[:10]:
        cell = result.cell
        assert result.error is not None
        print(f"failed: {cell.prompt.name} x {cell.model.name}: {result.error.message}", file=err)
    if len(failed) > 10:
        print(f"... and {len(failed) - 10} more failures (see --out)", file=err)


def _summary_rows(
    summaries: list[GroupSummary],
) -> tuple[list[str], list[list[str]], set[int]]:
    headers = [
        "prompt",
        "model",
        "cells",
        "failed",
        "TTFT ms",
        "latency ms",
        "tok/s",
        "tokens in",
        "tokens out",
        "cost",
        "cost source",
    ]
    rows = []
    for s in summaries:
        mark = "~" if s.tokens_estimated else ""
        rows.append(
            [
                s.prompt,
                s.model,
                str(s.cells),
                str(s.failures),
                number(s.median_ttft_ms),
                number(s.median_latency_ms),
                number(s.median_tokens_per_s, 1),
                mark + number(s.input_tokens),
                mark + number(s.output_tokens),
                usd(s.cost_usd),
                ",".join(s.cost_sources) or "-",
            ]
        )
    return headers, rows, {2, 3, 4, 5, 6, 7, 8, 9}
