"""Prompts through the workbench against the real llama.cpp server on a tiny random model.

The model's text is gibberish, but everything between it and the workbench is real: llama.cpp's
loader and sampler, llama-cpp-python's OpenAI-compatible server, its streaming, and our runner
and command line over HTTP. The tiny model is steered to printable text that never ends on its
own (see tests/support/tiny_gguf.py), so every answer runs to max_tokens.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.integration.cli import workbench
from tests.support.tiny_gguf import write_empty_gguf
from workbench.domain import (
    Cell,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    TokensSource,
)
from workbench.events import CellDelta, CellFailed, CellFinished, RunEvent
from workbench.gguf_header import EngineError
from workbench.local_engine import EngineProcess
from workbench.plan import build_plan
from workbench.runner import Runner, RunOptions

QUESTIONS = ("What is the capital of France?", "Name a prime number.", "Say hello.")


def _prompts() -> list[PromptTemplate]:
    return [
        PromptTemplate(
            name=f"q{number}",
            messages=(Message("system", "Answer briefly."), Message("user", question)),
        )
        for number, question in enumerate(QUESTIONS)
    ]


def _model(engine: EngineProcess, *, max_tokens: int, name: str | None = None) -> ModelSpec:
    return ModelSpec(
        name=name or engine.model_name,
        api_base=engine.api_base,
        params=ModelParams(max_tokens=max_tokens, seed=7),
    )


def _run(cells: Sequence[Cell]) -> list[RunEvent]:
    async def go() -> list[RunEvent]:
        runner = Runner(RunOptions(local_concurrency=1, timeout_s=60.0))
        try:
            return [event async for event in runner.run(cells)]
        finally:
            await runner.aclose()

    return asyncio.run(go())


def _finished(events: list[RunEvent], index: int) -> CellFinished:
    ends = [
        e
        for e in events
        if isinstance(e, CellFinished | CellFailed) and e.result.cell.index == index
    ]
    assert len(ends) == 1
    (end,) = ends
    assert isinstance(end, CellFinished), end.result.error
    return end


def test_three_prompts_stream_end_to_end(engine: EngineProcess) -> None:
    cells = build_plan(_prompts(), [_model(engine, max_tokens=16)])
    events = _run(cells)
    for cell in cells:
        deltas = [e.text for e in events if isinstance(e, CellDelta) and e.cell_index == cell.index]
        assert len(deltas) > 1  # streamed, not one block at the end
        result = _finished(events, cell.index).result
        assert result.output == "".join(deltas)
        assert result.output.strip()
        # llama-cpp-python's server ignores stream_options.include_usage: the counts are ours.
        assert result.usage is not None
        assert result.usage.source == TokensSource.ESTIMATED
        assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
        assert result.timings is not None and result.timings.ttft_ms is not None
        assert 0 < result.timings.ttft_ms <= result.timings.latency_ms
        assert result.cost == Cost(0.0, CostSource.LOCAL)
        assert result.attempts == 1


def test_max_tokens_is_honoured(engine: EngineProcess) -> None:
    (cell,) = build_plan(_prompts()[:1], [_model(engine, max_tokens=4)])
    result = _finished(_run([cell]), cell.index).result
    assert result.finish_reason == "length"
    assert result.output
    # The streamed answer does not say how many tokens it had; the same call unstreamed does.
    body = {
        "model": engine.model_name,
        "messages": [m.as_dict() for m in cell.messages],
        "max_tokens": 4,
        "seed": 7,
    }
    request = urllib.request.Request(
        f"{engine.api_base}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    assert answer["choices"][0]["finish_reason"] == "length"
    assert answer["usage"]["completion_tokens"] == 4


def test_a_model_name_the_server_does_not_know_gets_its_only_model(
    engine: EngineProcess,
) -> None:
    # llama-cpp-python's server answers an unknown name with its default model, no error.
    (cell,) = build_plan(_prompts()[:1], [_model(engine, max_tokens=8, name="no-such-model")])
    result = _finished(_run([cell]), cell.index).result
    assert result.error is None
    assert result.finish_reason == "length"
    assert result.output


def test_workbench_run_writes_a_record(engine: EngineProcess, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    guard = tmp_path / "sockets.log"
    proc = workbench(
        "run", "--prompt", "Say hello.", "--model", engine.model_name,
        "--api-base", engine.api_base, "--max-tokens", "12", "--out", out,
        cwd=tmp_path, guard_log=guard,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["error"] is None
    assert record["output"]
    assert record["finish_reason"] == "length"
    assert record["tokens_source"] == "estimated"
    assert record["cost_usd"] == 0 and record["cost_source"] == "local"
    assert not guard.exists() or guard.read_text() == ""  # nothing but the engine was reached


def test_a_model_llama_cpp_cannot_load_fails_with_its_own_words(tmp_path: Path) -> None:
    path = write_empty_gguf(tmp_path / "odd.gguf", "nonesuch")
    engine = EngineProcess(path)
    engine.start()
    with pytest.raises(EngineError) as caught:
        engine.wait_ready(120.0)
    assert str(caught.value) == (
        "llama.cpp could not load odd.gguf: "
        "llama_model_load: error loading model: unknown model architecture: 'nonesuch'\n"
        "llama_model_load_from_file_impl: failed to load model\n"
        f"ValueError: Failed to load model from file: {path}"
    )
    assert engine.returncode == 1
    assert not engine.running
