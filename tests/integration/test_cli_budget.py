"""`--budget`: a run stops once its known cost reaches the ceiling; the rest end as stopped."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli import workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

PROMPT = """---
name: echo
---
user:
Repeat {{word}}
"""


def suite(folder: Path, base_url: str) -> Path:
    # One dollar per input token: the first answered cell alone is over a $1 budget.
    (folder / "echo.prompty").write_text(PROMPT, encoding="utf-8")
    cases = "\n".join(f"  - vars: {{word: w{n}}}" for n in range(6))
    (folder / "workbench.yaml").write_text(
        "name: budget\nprompts: [echo.prompty]\nmodels:\n"
        f"  - name: fake-priced\n    api_base: {base_url}\n"
        "    price: {input_per_mtok: 1000000, output_per_mtok: 0}\n"
        f"cases:\n{cases}\n",
        encoding="utf-8",
    )
    return folder


def test_eval_stops_at_the_budget(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.behave("fake-priced", Behaviour(reply="ok"))
    out = tmp_path / "out.jsonl"
    proc = workbench(
        "eval", suite(tmp_path, server.base_url), "--budget", "1", "--concurrency", "1",
        "--no-store", "--out", out,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    stopped = [r for r in records if r["error"] and r["error"]["type"] == "budget_reached"]
    answered = [r for r in records if r["error"] is None]
    assert len(records) == 6
    assert len(answered) == 1 and len(stopped) == 5  # one call at a time: the first one is over
    assert answered[0]["cost_usd"] > 1
    assert server.request_count("fake-priced") == 1  # nothing was sent after the stop


def test_a_bad_budget_is_refused_before_any_call(server: FakeOpenAIServer, tmp_path: Path) -> None:
    proc = workbench("eval", suite(tmp_path, server.base_url), "--budget", "-3", "--no-store")
    assert proc.returncode == 2
    assert "--budget" in proc.stderr and "more than 0" in proc.stderr
    assert server.request_count() == 0
