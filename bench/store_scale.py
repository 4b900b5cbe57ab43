"""How the experiment store holds up after years of use: 100,000 cells, 1,000 prompt versions.

Fills a fresh store (bulk inserts through the same tables and FTS triggers the app uses: 10
prompts x 100 versions, 1,000 runs of 100 cells over 4 models, outputs drawn from a 2,000-word
vocabulary with a rare marker word in about 1 % of them), then times what the app does with it:

- open:       `SqlRunStore.open` on the filled file, in this process and in a new one (the
              latter includes importing SQLAlchemy);
- list:       the newest 100 runs with their counts (`history`, as `workbench history`);
- search:     runs whose outputs or prompts contain a word (FTS5), newest 100;
- aggregates: per model, and per prompt version x model (runs, medians, tokens, cost, failures);
- save:       `save_cell` of one ended cell, committed (mean over 500);
- the file size.

Each timing is the median of several repeats. Targets on a 2-core machine: open < 0.2 s,
list < 50 ms, search < 100 ms, aggregates < 300 ms, save < 2 ms. It prints figures; nothing is
asserted.

    .venv/bin/python bench/store_scale.py [--cells 100000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from storage import codec
from storage.run_store import SqlRunStore, now
from storage.schema import CellRow, Prompt, PromptVersion, Run
from workbench.domain import (
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    Timings,
    TokensSource,
    Usage,
)
from workbench.plan import build_plan
from workbench.store_api import HistoryQuery

MODELS = ("gpt-4o-mini", "claude-3-5-haiku", "llama3.1:8b", "qwen2.5:7b")
MARKER = "aardvark"
CELLS_PER_RUN = 100


def _words(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(count)]


def fill(store: SqlRunStore, cells: int, versions: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    vocabulary = _words(rng, 2000)
    runs = cells // CELLS_PER_RUN
    with store.engine.begin() as connection:
        prompt_ids = [
            connection.execute(
                insert(Prompt).values(name=f"prompt-{number}", created_at=now())
            ).inserted_primary_key[0]  # type: ignore[index]
            for number in range(10)
        ]
        version_rows = []
        for number in range(versions):
            text = f"Version {number}: " + " ".join(rng.choices(vocabulary, k=40)) + " {{x}}"
            prompt = PromptTemplate("p", (Message("user", text),))
            version_rows.append(
                {"id": codec.version_id(prompt), "prompt_id": prompt_ids[number % 10],
                 "parent_id": None, "messages": codec.messages_json(prompt.messages),
                 "params": {}, "text": text, "description": "", "defaults": {},
                 "created_at": now()}
            )  # fmt: skip
        connection.execute(insert(PromptVersion), version_rows)
        connection.execute(
            insert(Run),
            [{"created_at": f"2026-01-01T00:00:{i:06d}", "status": "finished",
              "options": {"concurrency": 8}, "pid": None, "host": None}
             for i in range(runs)],
        )  # fmt: skip
        batch: list[dict[str, Any]] = []
        for index in range(cells):
            run_id = index // CELLS_PER_RUN + 1
            version = version_rows[(index * 7919) % versions]
            words = rng.choices(vocabulary, k=rng.randint(20, 60))
            if rng.random() < 0.01:
                words[rng.randrange(len(words))] = MARKER
            ok = rng.random() > 0.03
            latency = rng.uniform(200, 4000)
            batch.append(
                {"run_id": run_id, "index": index % CELLS_PER_RUN,
                 "prompt_id": version["prompt_id"], "prompt_version_id": version["id"],
                 "model": MODELS[index % len(MODELS)], "api_base": None, "model_options": {},
                 "params": {}, "variables": {"x": str(index)},
                 "messages": [{"role": "user", "content": f"item {index}"}],
                 "request_hash": codec.digest(index), "repeat": 0, "case_index": None,
                 "status": "finished" if ok else "failed",
                 "output": " ".join(words) if ok else "", "finish_reason": "stop",
                 "input_tokens": 60, "output_tokens": len(words), "tokens_source": "reported",
                 "ttft_ms": latency / 5, "latency_ms": latency, "decode_ms": latency * 0.8,
                 "cost_usd": 0.0001 * len(words), "cost_source": "litellm-price-map",
                 "attempts": 1, "error": None, "cached": False}
            )  # fmt: skip
            if len(batch) == 5000:
                connection.execute(insert(CellRow), batch)
                batch = []
        if batch:
            connection.execute(insert(CellRow), batch)


def timed(action: Callable[[], object], repeats: int = 5) -> float:
    """Median seconds of `action` over `repeats` runs (after one warm-up)."""
    action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def cold_open(path: Path) -> float:
    """Open in a fresh interpreter: what `workbench history` pays, SQLAlchemy's import included."""
    code = (
        "import sys, time; t = time.perf_counter(); from storage.run_store import SqlRunStore; "
        "SqlRunStore.open(sys.argv[1]).close(); print(time.perf_counter() - t)"
    )
    samples = [
        float(subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, check=True).stdout)
        for _ in range(3)
    ]  # fmt: skip
    return statistics.median(samples)


def save_cost(store: SqlRunStore, count: int) -> float:
    prompt = PromptTemplate("bench-save", (Message("user", "Say {{n}}"),), params=ModelParams())
    cells = build_plan([prompt], [ModelSpec("gpt-4o-mini")], [{"n": str(i)} for i in range(count)])
    run_id = store.start_run(cells, {})
    results = [
        CellResult(cell, f"answer {cell.index}", "stop", Usage(10, 3, TokensSource.REPORTED),
                   Cost(0.00001, CostSource.PRICE_MAP), Timings(50.0, 400.0, 350.0), 1)
        for cell in cells
    ]  # fmt: skip
    start = time.perf_counter()
    for result in results:
        store.save_cell(run_id, result)
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=1_000)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "workbench.db"
        store = SqlRunStore.open(path)
        start = time.perf_counter()
        fill(store, args.cells, args.versions)
        print(f"filled {args.cells:,} cells, {args.versions:,} versions "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        store.close()

        def reopen() -> None:
            SqlRunStore.open(path).close()

        figures = [
            ("open the store", timed(reopen), 0.2),
            ("open, new process", cold_open(path), 0.2),
        ]
        store = SqlRunStore.open(path)
        try:
            newest = HistoryQuery(limit=100)
            figures += [
                ("list newest 100 runs", timed(lambda: store.history(newest)), 0.05),
                ("search outputs for a word",
                 timed(lambda: store.history(HistoryQuery(search=MARKER, limit=100))), 0.1),
                ("aggregates per model", timed(lambda: store.aggregates(by_version=False)), 0.3),
                ("aggregates per version x model", timed(store.aggregates, 3), 0.3),
                ("save one cell (mean)", save_cost(store, args.saves), 0.002),
            ]  # fmt: skip
            found = len(store.history(HistoryQuery(search=MARKER, limit=100)))
        finally:
            store.close()
        for name, seconds, target in figures:
            mark = "ok" if seconds < target else "OVER"
            print(f"{name:32} {seconds * 1000:9.2f} ms   target < {target * 1000:g} ms  {mark}")
        print(f"search found {found} runs; file size {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
