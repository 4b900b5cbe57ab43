"""`workbench run` end to end: a real subprocess against the fake OpenAI-compatible server."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.integration.cli import workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, Fault
from workbench.records import FIELDS

PROMPTY_A = """---
name: capital
description: Ask for a capital
model:
  parameters:
    temperature: 0
---
system:
Answer in one word.

user:
What is the capital of {{country}}?
"""

PROMPTY_B = """---
name: describe
---
user:
Describe {{country}} in the style of {{style}}.
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "capital.prompty").write_text(PROMPTY_A, encoding="utf-8")
    (tmp_path / "describe.prompty").write_text(PROMPTY_B, encoding="utf-8")
    (tmp_path / "cases.csv").write_text(
        "country,style\nFrance,a haiku\nJapan,a limerick\nPeru,a news report\n", encoding="utf-8"
    )
    return tmp_path


def test_two_prompts_two_models_cases_to_jsonl(server: FakeOpenAIServer, suite: Path) -> None:
    out = suite / "out.jsonl"
    proc = workbench(
        "run", "capital.prompty", "describe.prompty",
        "--model", "fake-a", "--model", "openai/fake-b", "--api-base", server.base_url,
        "--cases", "cases.csv", "--out", out, cwd=suite,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 * 2 * 3
    for record in records:
        assert tuple(record) == FIELDS
        assert record["error"] is None
        wire = record["model"].removeprefix("openai/")
        expected_text = server.reply_for(wire, record["messages"])
        assert record["output"] == expected_text
        prompt_tokens, completion_tokens = server.expected_usage(
            record["messages"], len(expected_text.split())
        )
        assert record["input_tokens"] == prompt_tokens
        assert record["output_tokens"] == completion_tokens
        assert record["tokens_source"] == "reported"
        assert record["cost_usd"] == 0 and record["cost_source"] == "local"
        assert record["ttft_ms"] > 0 and record["latency_ms"] >= record["ttft_ms"]
        assert record["attempts"] == 1 and record["finish_reason"] == "stop"
    assert {(r["prompt"], r["vars"]["country"]) for r in records} >= {("capital", "Peru")}
    # The prompt's own temperature was sent.
    capital = [r for r in server.requests() if "capital" in json.dumps(r.body)]
    assert all(r.body["temperature"] == 0 for r in capital)
    assert server.request_count() == 12
    assert "capital" in proc.stdout and "describe" in proc.stdout  # the summary table
    assert "TTFT ms" in proc.stdout


def test_csv_out_and_exit_1_when_a_cell_fails(server: FakeOpenAIServer, suite: Path) -> None:
    server.behave("fake-b", Behaviour(faults=[Fault.server_error(400)]))
    out = suite / "out.csv"
    proc = workbench(
        "run", "--prompt", "Hi {{name}}", "--var", "name=Bo", "--model", "fake-a",
        "--model", "fake-b", "--api-base", server.base_url, "--out", out, cwd=suite,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "failed: inline x fake-b: the provider rejected the request (HTTP 400)" in proc.stderr
    with out.open(newline="") as handle:
        rows = {row["model"]: row for row in csv.DictReader(handle)}
    assert rows["fake-a"]["error"] == ""
    assert json.loads(rows["fake-b"]["error"])["type"] == "bad_request"


def test_repeat_and_var_from_file(server: FakeOpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("line one\nline two", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = workbench(
        "run", "--system", "Be terse", "--prompt", "Summarise: {{doc}}", "--var", "doc=@long.txt",
        "--model", "fake-a", "--api-base", server.base_url, "--repeat", "3", "--out", out,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["repeat"] for r in records) == [0, 1, 2]
    assert records[0]["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "Summarise: line one\nline two"},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "Hi {{who}}", "--model", "m"], "needs variable who"),
        (["missing.prompty", "--model", "m"], "missing.prompty: no such file"),
        (["--prompt", "x", "--model", "m", "--cases", "nope.csv"], "nope.csv: no such file"),
        (["--prompt", "x", "--model", "m", "--var", "novalue"], "expected NAME=VALUE"),
        (["--prompt", "x", "--model", "m", "--out", "out.txt"], "must end in .jsonl or .csv"),
        (["--prompt", "x"], "--model"),
        (["--model", "m"], "nothing to run"),
        (["--prompt", "x", "--model", "m", "--repeat", "0"], "must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    proc = workbench("run", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_server_down_is_a_failed_cell_not_a_crash(tmp_path: Path) -> None:
    proc = workbench(
        "run", "--prompt", "x", "--model", "m", "--api-base", "http://127.0.0.1:9/v1",
        "--retries", "0", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "could not reach the server" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_models_lists_endpoint_and_catalogue(server: FakeOpenAIServer) -> None:
    listed = workbench("models", "--api-base", server.base_url)
    assert listed.returncode == 0, listed.stderr
    assert "fake-a" in listed.stdout and "fake-b" in listed.stdout
    hosted = workbench("models", "--provider", "openai", "--search", "gpt-4o-mini")
    assert hosted.returncode == 0
    assert "gpt-4o-mini" in hosted.stdout and "$/Mtok in" in hosted.stdout
    down = workbench("models", "--api-base", "http://127.0.0.1:9/v1")
    assert down.returncode == 1 and "could not reach the server" in down.stderr


def test_version() -> None:
    proc = workbench("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("workbench ")
