"""`workbench eval SUITE`: run a suite's prompts x models x cases, apply its checks, gate CI.

Exit codes are the interface CI relies on: 0 when every check passes (or the pass rate reaches
--fail-under), 1 when checks fail, 2 on bad input (a malformed suite, an unknown option).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from workbench import checks
from workbench.checks import Verdict
from workbench.cli.budget import add_budget_option
from workbench.cli.run_cmd import add_local_options
from workbench.cli.session import (
    Recording,
    add_offline_options,
    offline_mode,
    offline_policy,
    options_record,
    run_cells,
)
from workbench.cli.store_loader import add_db_option, open_store, store_available
from workbench.cli.table import render_table
from workbench.domain import ModelSpec
from workbench.errors import UsageError, WorkbenchError
from workbench.evaluation import CellVerdict, judge, scores, unsupported_types
from workbench.formats.detect import read_suite
from workbench.judgements import Judgement
from workbench.junit import write_junit
from workbench.llm_judge import JudgeTask, check_judging, judgement_of, plan_judging
from workbench.offline_guard import OfflinePolicy
from workbench.plan import build_plan
from workbench.pricing import priced_per_hour
from workbench.records import to_record
from workbench.rejudge import graded_of, judge_results
from workbench.retry import RetryPolicy
from workbench.runner import RunOptions
from workbench.secrets import KeyStore
from workbench.store_api import RunStore
from workbench.suite import Case, Suite

EXIT_PASSED, EXIT_FAILED = 0, 1


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "eval",
        help="run a suite and its checks; exit 1 when checks fail (for CI)",
        description=(
            "Run every prompt x model x case of SUITE (a workbench.yaml, a prompt-set folder or "
            "a promptfooconfig.yaml), apply the checks and print pass rates. Exit 0 when all "
            "pass, 1 when checks fail, 2 on bad input."
        ),
    )
    parser.add_argument("suite", type=Path, metavar="SUITE")
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="M",
        help="run these models instead of the suite's (repeatable)",
    )
    parser.add_argument(
        "--api-base", metavar="URL", help="send every model to this OpenAI-compatible base URL"
    )
    parser.add_argument(
        "--judge",
        metavar="MODEL",
        help="the model that grades llm-rubric checks naming no provider of their own",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--out", type=Path, metavar="FILE.jsonl", help="one record per cell, with its verdicts"
    )
    parser.add_argument(
        "--fail-under",
        type=_rate,
        metavar="RATE",
        help="pass when at least this share of cells pass (0.9 or 90%%); default: all must pass",
    )
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="samples per cell")
    parser.add_argument("--concurrency", type=int, default=8, metavar="N")
    parser.add_argument(
        "--local-concurrency",
        type=int,
        default=1,
        metavar="N",
        help="calls in flight per local server (default 1: fair timings)",
    )
    add_local_options(parser)
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S")
    parser.add_argument("--no-store", action="store_true", help="do not keep this run")
    add_budget_option(parser)
    add_offline_options(parser)
    add_db_option(parser)
    parser.set_defaults(handler=eval_command)


def _rate(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate such as 0.9 or 90%") from exc
    if value > 1 and not text.endswith("%"):
        value /= 100  # "90" meant 90 %
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a rate lies between 0 and 1 (or 0% and 100%)")
    return value


def _models(suite: Suite, args: argparse.Namespace) -> list[ModelSpec]:
    models = [ModelSpec(name) for name in dict.fromkeys(args.model)] or list(suite.models)
    if not models:
        raise UsageError(f"{args.suite}: the suite names no models; give --model M")
    if args.api_base:
        models = [replace(m, api_base=args.api_base) for m in models]
    return priced_per_hour(models, args.local_price_per_hour)


def eval_command(args: argparse.Namespace, keys: KeyStore | None) -> int:
    with offline_mode(offline_policy(args)) as offline:
        return _eval_command(args, keys, offline)


def _eval_command(
    args: argparse.Namespace, keys: KeyStore | None, offline: OfflinePolicy | None
) -> int:
    if args.repeat < 1 or args.concurrency < 1 or args.local_concurrency < 1:
        raise UsageError("--repeat, --concurrency and --local-concurrency must be at least 1")
    loaded = read_suite(args.suite)
    suite = loaded.suite
    for note in loaded.dropped:
        print(f"workbench: {note}", file=sys.stderr)  # each note names what it leaves out
    unsupported = unsupported_types(suite)
    if unsupported:
        print(
            "workbench: checks of these types are not evaluated (not supported): "
            + ", ".join(unsupported),
            file=sys.stderr,
        )
    cases = list(suite.cases) or [Case(vars={})]
    models = _models(suite, args)
    cells = build_plan(suite.prompts, models, [c.vars for c in cases], args.repeat)
    judges = _Judges(args.judge, args.api_base, (*suite.models, *models))
    check_judging(cells, suite, judges.default, judges.known)  # before anything is paid for
    options = RunOptions(
        concurrency=args.concurrency,
        timeout_s=args.timeout,
        retry=RetryPolicy(max_attempts=3),
        budget_usd=args.budget,
        offline=offline,
        local_concurrency=args.local_concurrency,
        warm_up=args.warm_up,
    )
    store = _store(args)
    try:
        recording = None
        if store is not None:
            recording = Recording(store, store.start_run(cells, options_record(options)))
            store.set_run_suite(recording.run_id, suite)  # so the window judges it the same way
        results = run_cells(cells, options, keys, total=len(cells), recording=recording)
        verdicts = judge_results(results, cases, suite)
        tasks = judges.plan(verdicts, suite, first_index=len(cells))
        # The budget is the suite's calls': judging what was answered is never cut short by it.
        # The judges' models were warmed with the suite's, or are not timed for comparison.
        judge_options = dataclasses.replace(options, budget_usd=None, warm_up=False)
        judgements = _run_judges(tasks, judge_options, keys)
        if recording is not None:
            _keep_judgements(recording, judgements)
    finally:
        if store is not None:
            store.close()
    verdicts = _rejudge(verdicts, judgements, suite)
    if args.out is not None:
        _write_jsonl(args.out, verdicts, judgements)
    if args.junit is not None:
        write_junit(args.junit, verdicts, suite.name)
    return _report(verdicts, args.fail_under, sys.stdout)


def _store(args: argparse.Namespace) -> RunStore | None:
    if args.no_store or (args.db is None and not store_available()):
        return None
    return open_store(args.db)


@dataclass(frozen=True, slots=True)
class _Judges:
    """Who grades model-graded checks: --judge, or a check's provider (a suite model by name)."""

    name: str | None
    api_base: str | None
    known: tuple[ModelSpec, ...]

    @property
    def default(self) -> ModelSpec | None:
        return None if self.name is None else ModelSpec(self.name, api_base=self.api_base)

    def plan(self, verdicts: list[CellVerdict], suite: Suite, first_index: int) -> list[JudgeTask]:
        tasks = plan_judging(verdicts, suite, self.default, self.known, first_index)
        if self.api_base is None:
            return tasks
        # --api-base sends the judges there too, but a suite model with a base of its own keeps it.
        return [_sent_to(task, self.api_base) for task in tasks]


def _sent_to(task: JudgeTask, api_base: str) -> JudgeTask:
    model = task.call.model
    if model.api_base is not None:
        return task
    return replace(task, call=replace(task.call, model=replace(model, api_base=api_base)))


def _run_judges(
    tasks: list[JudgeTask], options: RunOptions, keys: KeyStore | None
) -> list[Judgement]:
    if not tasks:
        return []
    judges = ", ".join(dict.fromkeys(task.call.model.label for task in tasks))
    print(f"workbench: judging {len(tasks)} checks with {judges}", file=sys.stderr)
    calls = [task.call for task in tasks]
    ended = {r.cell.index: r for r in run_cells(calls, options, keys, total=len(calls))}
    # A call that never ended (Ctrl+C) leaves its check pending: not judged is not passed.
    return [judgement_of(t, ended[t.call.index]) for t in tasks if t.call.index in ended]


def _keep_judgements(recording: Recording, judgements: list[Judgement]) -> None:
    if recording.failed:
        return
    try:
        for judgement in judgements:
            recording.store.save_judgement(recording.run_id, judgement)
    except WorkbenchError as exc:
        print(f"workbench: {exc}; the judges' verdicts are not kept", file=sys.stderr)


def _rejudge(
    verdicts: list[CellVerdict], judgements: list[Judgement], suite: Suite
) -> list[CellVerdict]:
    graded = graded_of(judgements)
    return [
        judge(v.result, v.case, v.case_number, suite, graded[v.result.cell.index])
        if v.result.cell.index in graded
        else v
        for v in verdicts
    ]


def _write_jsonl(path: Path, verdicts: list[CellVerdict], judgements: list[Judgement]) -> None:
    # Model-graded verdicts appear in a cell's verdicts in position order, as its judgements do.
    judged_by: dict[int, list[str]] = {}
    for judgement in sorted(judgements, key=lambda j: (j.cell, j.position)):
        judged_by.setdefault(judgement.cell, []).append(judgement.model)
    try:
        with path.open("w", encoding="utf-8") as handle:
            for verdict in verdicts:
                record = to_record(verdict.result)
                record["passed"] = verdict.passed
                judges = iter(judged_by.get(verdict.result.cell.index, []))
                record["checks"] = [_check_record(v, judges) for v in verdict.verdicts]
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write: {exc.strerror}") from exc


def _check_record(verdict: Verdict, judges: Iterator[str]) -> dict[str, object]:
    record: dict[str, object] = {
        "type": verdict.check.type,
        "value": verdict.check.value,
        "passed": verdict.passed,
        "score": verdict.score,
        "reason": verdict.reason,
    }
    if checks.needs_model(verdict.check.type):
        record["judge"] = next(judges, None)
    return record


def _report(verdicts: list[CellVerdict], fail_under: float | None, out: TextIO) -> int:
    columns = scores(verdicts)
    rows = [
        [
            c.prompt,
            c.model,
            str(c.cells),
            str(c.passed),
            str(c.cells - c.passed - c.errors),
            str(c.errors),
            f"{c.pass_rate:.0%}",
        ]
        for c in columns
    ]
    headers = ["prompt", "model", "cells", "passed", "failed", "errors", "pass rate"]
    print(render_table(headers, rows, {2, 3, 4, 5, 6}), file=out)
    failed = [v for v in verdicts if not v.passed]
    for verdict in failed[:20]:
        cell = verdict.result.cell
        print(
            f"FAIL {cell.prompt.name} x {cell.model.label}, case {verdict.case_number}: "
            + "; ".join(verdict.reasons),
            file=out,
        )
    if len(failed) > 20:
        print(f"... and {len(failed) - 20} more failing cells (see --out or --junit)", file=out)
    total = len(verdicts)
    rate = (total - len(failed)) / total if total else 0.0
    print(f"{total - len(failed)} of {total} cells passed ({rate:.1%})", file=out)
    if fail_under is not None:
        ok = rate >= fail_under
        print(f"pass rate {rate:.1%} {'>=' if ok else '<'} --fail-under {fail_under:.1%}", file=out)
        return EXIT_PASSED if ok else EXIT_FAILED
    return EXIT_PASSED if not failed else EXIT_FAILED
