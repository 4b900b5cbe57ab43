"""`workbench export-results RUN_ID --out FILE`: a kept run's records as CSV, JSONL or Parquet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.cli.store_loader import add_db_option, open_store
from workbench.errors import UsageError
from workbench.records import FIELDS, RecordWriter, to_record
from workbench.secrets import KeyStore

_FORMATS = (".csv", ".jsonl", ".parquet")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export-results",
        help="write a kept run's cells to CSV, JSONL or Parquet",
        description="One record per cell with the same fields as `workbench run --out`.",
    )
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.csv|.jsonl|.parquet")
    add_db_option(parser)
    parser.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    out: Path = args.out
    if out.suffix.lower() not in _FORMATS:
        raise UsageError(f"--out {out}: must end in .csv, .jsonl or .parquet")
    store = open_store(args.db)
    try:
        stored = store.load_run(args.run_id)
    finally:
        store.close()
    try:
        if out.suffix.lower() == ".parquet":
            _write_parquet(out, [to_record(result) for result in stored.results])
        else:
            # The same writer as `workbench run --out`: an export reads exactly like a live run.
            with RecordWriter(out) as writer:
                for result in stored.results:
                    writer.write(result)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write: {exc.strerror}") from exc
    print(f"wrote {len(stored.results)} records of run {args.run_id} to {out}", file=sys.stderr)
    return 0


def _write_parquet(out: Path, records: list[dict[str, Any]]) -> None:
    import pandas as pd  # pandas takes a second to import: only for Parquet

    frame = pd.DataFrame.from_records(records, columns=list(FIELDS))
    # Nested fields (vars, error, messages) as JSON text: a flat format stays flat.
    for column in ("vars", "error", "messages"):
        frame[column] = [None if v is None else json.dumps(v) for v in frame[column]]
    frame.to_parquet(out, index=False)
