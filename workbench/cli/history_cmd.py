"""`workbench history` and `workbench show RUN_ID`: what the store kept."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from workbench.cli.store_loader import add_db_option, open_store
from workbench.cli.table import number, render_table, usd
from workbench.errors import UsageError
from workbench.git_state import blob_at, blob_id
from workbench.records import to_record
from workbench.secrets import KeyStore
from workbench.store_api import HistoryQuery, RunInfo, RunStatus
from workbench.summary import summarise


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = sub.add_parser(
        "history",
        help="list kept runs, newest first",
        description="Runs in the store, newest first, filtered by prompt, model, text or status.",
    )
    history.add_argument("--prompt", metavar="NAME", help="only runs of this prompt")
    history.add_argument("--model", metavar="M", help="only runs with this model")
    history.add_argument(
        "--search", metavar="TEXT", help="only runs whose prompts or outputs contain TEXT"
    )
    history.add_argument("--status", choices=[s.value for s in RunStatus])
    history.add_argument("--since", metavar="DATE", help="only runs from DATE on (YYYY-MM-DD)")
    history.add_argument("--limit", type=int, default=20, metavar="N")
    history.add_argument("--json", action="store_true", help="one JSON object per run")
    history.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="every output this prompt file produced, as its bytes are now (or at --rev)",
    )
    history.add_argument(
        "--rev", metavar="REV", help="with --file: the file as of this git commit, tag or branch"
    )
    add_db_option(history)
    history.set_defaults(handler=history_command)

    show = sub.add_parser(
        "show", help="the cells of one run", description="The cells of one run, with readouts."
    )
    show.add_argument("run_id", type=int, metavar="RUN_ID")
    show.add_argument("--json", action="store_true", help="one record per cell, as --out writes")
    add_db_option(show)
    show.set_defaults(handler=show_command)


def history_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    if args.file is not None:
        return _file_history(args)
    if args.rev is not None:
        raise UsageError("--rev goes with --file")
    query = HistoryQuery(
        prompt=args.prompt,
        model=args.model,
        search=args.search,
        status=RunStatus(args.status) if args.status else None,
        since=args.since,
        limit=max(1, args.limit),
    )
    store = open_store(args.db)
    try:
        runs = store.history(query)
    finally:
        store.close()
    if args.json:
        for run in runs:
            print(json.dumps(asdict(run), ensure_ascii=False))
        return 0
    if not runs:
        print("no runs kept yet" if query == HistoryQuery(limit=query.limit) else "no runs match")
        return 0
    print(render_table(*_history_rows(runs)))
    return 0


def _history_rows(runs: list[RunInfo]) -> tuple[list[str], list[list[str]], set[int]]:
    headers = ["run", "when (UTC)", "status", "cells", "failed", "cost", "prompts", "models"]
    rows = [
        [
            str(run.id),
            _when(run.created_at),
            run.status.value,
            f"{run.finished + run.failed}/{run.cells}",
            str(run.failed),
            usd(run.cost_usd),
            ", ".join(run.prompts),
            ", ".join(run.models),
        ]
        for run in runs
    ]
    return headers, rows, {0, 3, 4, 5}


def show_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        stored = store.load_run(args.run_id)
    finally:
        store.close()
    if args.json:
        for result in stored.results:
            print(json.dumps(to_record(result), ensure_ascii=False))
        return 0
    info = stored.info
    print(f"run {info.id}, {_when(info.created_at)} UTC, {info.status.value}")
    rows = [
        [
            str(r.cell.index),
            r.cell.prompt.name,
            r.cell.model.name,
            "cached"
            if r.cached
            else ("ok" if r.ok else f"failed: {r.error.type if r.error else ''}"),
            number(r.timings.ttft_ms if r.timings else None),
            number(r.timings.latency_ms if r.timings else None),
            number(r.usage.output_tokens if r.usage else None),
            usd(r.cost.usd),
            _preview(r.output),
        ]
        for r in stored.results
    ]
    headers = ["cell", "prompt", "model", "status", "TTFT ms", "latency ms", "tok out", "cost"]
    print(render_table([*headers, "output"], rows, right={0, 4, 5, 6, 7}))
    if stored.missing:
        print(f"{len(stored.missing)} cells never ran: `workbench resume {info.id}` runs them")
    groups = summarise(stored.results)
    print(f"{len(stored.results)} cells in {len(groups)} prompt x model groups")
    return 0


def _file_history(args: argparse.Namespace) -> int:
    path: Path = args.file
    if args.rev is not None:
        blob = blob_at(path, args.rev)
        if blob is None:
            raise UsageError(f"{path}: not in git at {args.rev!r} (or not in a git repository)")
    else:
        try:
            blob = blob_id(path.read_bytes())
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    store = open_store(args.db)
    try:
        outputs = store.outputs_of_blob(blob)
    finally:
        store.close()
    if args.json:
        for found in outputs:
            print(json.dumps(asdict(found), ensure_ascii=False))
        return 0
    version = f"at {args.rev}" if args.rev else "as it is now"
    if not outputs:
        print(f"no kept run used {path} {version} (blob {blob[:10]})")
        return 0
    print(f"{len(outputs)} outputs of {path} {version} (blob {blob[:10]}):")
    rows = [
        [
            str(o.run_id),
            _when(o.created_at),
            (o.repo_commit or "-")[:10] + (" +changes" if o.dirty else ""),
            o.prompt,
            o.model,
            o.status,
            _preview(o.output),
        ]
        for o in outputs
    ]
    headers = ["run", "when (UTC)", "commit", "prompt", "model", "status", "output"]
    print(render_table(headers, rows, right={0}))
    return 0


def _when(iso: str) -> str:
    """A stored UTC timestamp to the second, as a person reads it."""
    return iso[:19].replace("T", " ")


def _preview(text: str, width: int = 48) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
