"""What local models cost (a price per hour of use), and one call at a time per local server."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer, RecordedRequest
from tests.workbench.runs import cells_for, run
from workbench.cli.main import main
from workbench.domain import Cost, CostSource, ModelSpec, UserPrice
from workbench.errors import UsageError
from workbench.pricing import cost_of, priced_per_hour
from workbench.runner import RunOptions
from workbench.suite_file import model_yaml, parse_suite_file
from workbench.yaml_writer import dump_yaml

LLAMA = ModelSpec("ollama/llama3", hourly_usd=1.80)


def test_an_hour_of_a_local_model_is_priced_by_the_calls_latency() -> None:
    cost = cost_of(LLAMA, 100, 50, latency_ms=2_000.0)
    assert cost.source is CostSource.LOCAL_HOURLY
    assert cost.usd == pytest.approx(0.001)  # $1.80/h for 2 s
    assert cost_of(LLAMA, 100, 50, latency_ms=3_600_000.0) == Cost(1.80, CostSource.LOCAL_HOURLY)


def test_without_a_latency_the_hourly_cost_is_unknown() -> None:
    assert cost_of(LLAMA, 100, 50) == Cost(None, CostSource.LOCAL_HOURLY)


def test_a_users_price_per_token_wins_over_the_hourly_one() -> None:
    model = ModelSpec("ollama/llama3", price=UserPrice(1.0, 2.0), hourly_usd=1.80)
    assert cost_of(model, 1_000_000, 1_000_000, latency_ms=2_000.0) == Cost(3.0, CostSource.USER)


def test_without_an_hourly_price_a_local_model_costs_nothing() -> None:
    model = ModelSpec("ollama/llama3")
    assert cost_of(model, 100, 50, latency_ms=2_000.0) == Cost(0.0, CostSource.LOCAL)
    assert cost_of(ModelSpec("ollama/llama3", hourly_usd=0.0), 1, 1, 5.0) == Cost(
        0.0, CostSource.LOCAL_HOURLY
    )


def test_the_runner_prices_each_call_by_its_own_latency(server: FakeOpenAIServer) -> None:
    server.behave("fake-a", Behaviour(ttft_s=0.1))
    model = ModelSpec("fake-a", api_base=server.base_url, hourly_usd=36.0)  # 1 cent a second
    (result,) = run(cells_for([model])).results
    assert result.timings is not None
    assert result.cost.source is CostSource.LOCAL_HOURLY
    assert result.cost.usd is not None
    assert result.cost.usd == pytest.approx(result.timings.latency_ms / 100_000)
    assert result.cost.usd >= 0.001  # at least the fake's 0.1 s


def test_the_hourly_price_goes_to_local_models_only() -> None:
    hosted = ModelSpec("gpt-4o-mini")
    local = ModelSpec("llama3", api_base="http://127.0.0.1:8080/v1")
    assert priced_per_hour([hosted, local], 0.5) == [hosted, replace(local, hourly_usd=0.5)]
    assert priced_per_hour([hosted, local], None) == [hosted, local]
    own = replace(local, hourly_usd=2.0)  # the window's setting is a default; the flag wins
    assert priced_per_hour([own], 0.5, keep_own=True) == [own]
    assert priced_per_hour([own], 0.5) == [replace(local, hourly_usd=0.5)]


def test_cli_local_price_per_hour_reaches_the_records(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    server.behave("fake-a", Behaviour(ttft_s=0.2))  # the record's latency_ms is rounded to 0.01
    out = tmp_path / "cells.jsonl"
    code = main(
        [
            "run", "--prompt", "Hi", "--model", "fake-a", "--api-base", server.base_url,
            "--local-price-per-hour", "1.80", "--no-store", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["cost_source"] == "local-hourly"
    assert record["cost_usd"] == pytest.approx(1.80 * record["latency_ms"] / 3_600_000, rel=1e-3)


def test_cli_refuses_a_negative_hourly_price(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--prompt", "Hi", "--model", "m", "--local-price-per-hour", "-1"])
    assert exited.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err


# --- the suite file's price_per_hour ----------------------------------------------------


SUITE = """\
name: s
prompts: [p.prompty]
models:
  - {name: ollama/llama3, price_per_hour: 0.4}
  - gpt-4o-mini
"""


def test_price_per_hour_reads_and_writes_back() -> None:
    read = parse_suite_file(SUITE, Path("workbench.yaml"))
    llama, gpt = read.models
    assert llama == ModelSpec("ollama/llama3", hourly_usd=0.4)
    assert gpt.hourly_usd is None
    written = dump_yaml({"models": [model_yaml(m) for m in read.models]})
    assert written == "models:\n- name: ollama/llama3\n  price_per_hour: 0.4\n- gpt-4o-mini\n"
    again = parse_suite_file("name: s\n" + written, Path("workbench.yaml"))
    assert again.models == read.models


def test_a_negative_price_per_hour_is_refused_with_its_line() -> None:
    text = SUITE.replace("0.4", "-2")
    with pytest.raises(UsageError, match=r"workbench\.yaml:4: .*price_per_hour"):
        parse_suite_file(text, Path("workbench.yaml"))


# --- one call at a time per local server ----------------------------------------------------


def _overlaps(requests: list[RecordedRequest]) -> int:
    """How many requests arrived before the one before them had ended, by the server's clock."""
    spans = sorted(requests, key=lambda r: r.received_at)
    overlapping = 0
    for before, after in itertools.pairwise(spans):
        assert before.finished_at is not None
        overlapping += after.received_at < before.finished_at
    return overlapping


def test_a_local_server_takes_one_call_at_a_time_by_default(server: FakeOpenAIServer) -> None:
    assert RunOptions().local_concurrency == 1
    server.behave("fake-a", Behaviour(ttft_s=0.3))
    server.behave("fake-b", Behaviour(ttft_s=0.3))
    models = [
        ModelSpec("fake-a", api_base=server.base_url),
        ModelSpec("fake-b", api_base=server.base_url),
    ]
    outcome = run(cells_for(models, repeats=2), RunOptions(concurrency=8))
    assert all(r.ok for r in outcome.results)
    assert len(server.requests()) == 4
    assert _overlaps(server.requests()) == 0


def test_with_two_slots_the_calls_do_overlap(server: FakeOpenAIServer) -> None:
    """The check above can fail: two slots put two calls in the server at once."""
    server.behave("fake-a", Behaviour(ttft_s=0.5))
    models = [ModelSpec("fake-a", api_base=server.base_url)]
    run(cells_for(models, repeats=2), RunOptions(local_concurrency=2))
    assert _overlaps(server.requests()) == 1
