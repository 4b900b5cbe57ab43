"""What the workbench adds to a local engine's figures: the same prompts, bare HTTP and through it.

Runs the same N prompts (50 by default) against a local OpenAI-compatible server twice over: with a
bare streaming HTTP client (aiohttp, SSE read line by line, the clock read at the first content
delta and the last byte) and through `workbench.runner.Runner` (one request at a time per local
server, its default). It prints, for each, the median time to first token and the median output
speed (tokens / time from first token to last byte), and the workbench's figures over the bare
client's. Target: within 5 %.

Fair by construction:
- Greedy decoding (temperature 0, a fixed seed and max_tokens), so both get the same text and the
  same token count for a prompt; tokens are counted the same way for both (the server's usage when
  it reports it, else tiktoken on the text, which is what the workbench marks "estimated").
- The prompts go in blocks of 5, each block bare, workbench, workbench, bare (ABBA), so a drift
  of the machine over time falls on both sides alike. A server's prefix cache sees the previous
  prompt, never the same one, for every call but the first of a pass, alike on both sides.

With no arguments it writes the tests' tiny random-weight Llama GGUF and starts llama-cpp-python's
server on it (as the engine tests do); `--api-base URL --model NAME` measures any other local
server instead (Ollama's /v1, LM Studio, llama.cpp, vLLM).

    .venv/bin/python bench/local_overhead.py
    .venv/bin/python bench/local_overhead.py --prompts 50 --max-tokens 64
    .venv/bin/python bench/local_overhead.py --api-base http://127.0.0.1:11434/v1 --model llama3.2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench import offline, tokens
from workbench.domain import Message, ModelParams, ModelSpec, PromptTemplate
from workbench.events import CellFailed, CellFinished
from workbench.plan import build_plan
from workbench.runner import Runner, RunOptions

SEED = 7


@dataclass(frozen=True, slots=True)
class Call:
    text: str
    ttft_ms: float
    decode_ms: float
    reported_tokens: int | None


def _prompts(count: int) -> list[str]:
    topics = ["rivers", "bridges", "owls", "tea", "comets", "maps", "bees", "ships", "salt"]
    return [
        f"Question {i}: write three sentences about {topics[i % len(topics)]} number {i}."
        for i in range(count)
    ]


async def _bare_call(
    session: aiohttp.ClientSession, api_base: str, model: str, prompt: str, max_tokens: int
) -> Call:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0,
        "seed": SEED,
        "max_tokens": max_tokens,
    }
    parts: list[str] = []
    first: float | None = None
    reported: int | None = None
    sent = time.monotonic()
    async with session.post(api_base.rstrip("/") + "/chat/completions", json=body) as response:
        response.raise_for_status()
        async for raw in response.content:
            line = raw.strip()
            if not line.startswith(b"data:") or line == b"data: [DONE]":
                continue
            payload = json.loads(line[5:])
            for choice in payload.get("choices") or ():
                content = (choice.get("delta") or {}).get("content")
                if content:
                    if first is None:
                        first = time.monotonic()
                    parts.append(content)
            usage = payload.get("usage")
            if isinstance(usage, dict) and usage.get("completion_tokens") is not None:
                reported = int(usage["completion_tokens"])
    last = time.monotonic()
    if first is None:
        raise RuntimeError(f"no text came back for {prompt!r}")
    return Call("".join(parts), (first - sent) * 1000, (last - first) * 1000, reported)


async def _bare_pass(
    api_base: str, model: str, prompts: Sequence[str], max_tokens: int
) -> list[Call]:
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:
        return [await _bare_call(session, api_base, model, p, max_tokens) for p in prompts]


async def _workbench_pass(
    api_base: str, model: str, prompts: Sequence[str], max_tokens: int
) -> list[Call]:
    params = ModelParams(temperature=0.0, seed=SEED, max_tokens=max_tokens)
    spec = ModelSpec(name=model, api_base=api_base, params=params)
    templates = [
        PromptTemplate(name=f"p{i}", messages=(Message("user", text),))
        for i, text in enumerate(prompts)
    ]
    cells = build_plan(templates, [spec], [{}])
    runner = Runner(RunOptions(local_concurrency=1))
    calls: dict[int, Call] = {}
    try:
        async for event in runner.run(cells):
            if isinstance(event, CellFailed):
                raise RuntimeError(f"cell {event.result.cell.index}: {event.result.error}")
            if isinstance(event, CellFinished):
                result = event.result
                timing = result.timings
                assert timing is not None and timing.ttft_ms is not None
                assert timing.decode_ms is not None and result.usage is not None
                reported = result.usage.output_tokens if result.usage.source == "reported" else None
                calls[result.cell.index] = Call(
                    result.output, timing.ttft_ms, timing.decode_ms, reported
                )
    finally:
        await runner.aclose()
    return [calls[cell.index] for cell in cells]


def _speed(call: Call, model: str) -> float | None:
    count = call.reported_tokens
    if count is None:
        count = tokens.count_text(call.text, model)
    if count < 2 or call.decode_ms <= 0:
        return None
    return count / (call.decode_ms / 1000)


def _summary(calls: Sequence[Call], model: str) -> tuple[float, float]:
    speeds = [s for s in (_speed(call, model) for call in calls) if s is not None]
    if not speeds:
        raise RuntimeError("no call streamed two tokens or more: raise --max-tokens")
    return statistics.median(call.ttft_ms for call in calls), statistics.median(speeds)


def _measure(api_base: str, model: str, count: int, max_tokens: int, block: int) -> None:
    prompts = _prompts(count)
    tokens.warm(model)
    # One untimed call each, so neither side pays the first connection or a cold model.
    asyncio.run(_bare_pass(api_base, model, prompts[:1], max_tokens))
    asyncio.run(_workbench_pass(api_base, model, prompts[:1], max_tokens))
    bare: list[Call] = []
    ours: list[Call] = []
    took = {"bare": 0.0, "workbench": 0.0}
    # ABBA over short blocks: a drift of the machine (the other core busy for a while) falls on
    # both sides alike instead of on whichever pass it happened in.
    for start in range(0, count, block):
        chunk = prompts[start : start + block]
        for side in ("bare", "workbench", "workbench", "bare"):
            started = time.monotonic()
            if side == "bare":
                bare += asyncio.run(_bare_pass(api_base, model, chunk, max_tokens))
            else:
                ours += asyncio.run(_workbench_pass(api_base, model, chunk, max_tokens))
            took[side] += time.monotonic() - started
    print(f"  bare: {len(bare)} calls in {took['bare']:.1f} s; ", end="")
    print(f"workbench: {len(ours)} calls in {took['workbench']:.1f} s")
    differ = sum(a.text != b.text for a, b in zip(bare, ours, strict=True))
    bare_ttft, bare_speed = _summary(bare, model)
    our_ttft, our_speed = _summary(ours, model)
    print(f"\n{count} prompts x 2 calls each side, max_tokens {max_tokens}, model {model}")
    print(f"{'':<12}{'TTFT (median)':>16}{'tokens/s (median)':>20}")
    print(f"{'bare HTTP':<12}{bare_ttft:>13.1f} ms{bare_speed:>20.1f}")
    print(f"{'workbench':<12}{our_ttft:>13.1f} ms{our_speed:>20.1f}")
    print(f"{'ratio':<12}{our_ttft / bare_ttft:>16.3f}{our_speed / bare_speed:>20.3f}")
    print(
        f"\nworkbench within 5 % of bare: TTFT {abs(our_ttft / bare_ttft - 1) <= 0.05}, "
        f"tokens/s {abs(our_speed / bare_speed - 1) <= 0.05}"
    )
    if differ:
        print(f"note: {differ} of {len(bare)} answers differed between the two clients")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--prompts", type=int, default=50, metavar="N")
    parser.add_argument("--max-tokens", type=int, default=64, metavar="N")
    parser.add_argument("--block", type=int, default=5, metavar="N", help="prompts per ABBA block")
    parser.add_argument("--api-base", metavar="URL", help="a running local server instead")
    parser.add_argument("--model", metavar="NAME", help="the model at --api-base")
    parser.add_argument("--gguf", type=Path, metavar="FILE", help="serve this GGUF file instead")
    # The tests' model (width 64, 2 layers) answers in microseconds per token: no engine is that
    # fast, and a client's per-chunk cost would look a hundred times too large next to it.
    parser.add_argument("--width", type=int, default=512, help="of the generated model")
    parser.add_argument("--layers", type=int, default=8, help="of the generated model")
    args = parser.parse_args(argv)
    offline.prepare()
    if args.api_base:
        if not args.model:
            parser.error("--api-base needs --model")
        _measure(args.api_base, args.model, args.prompts, args.max_tokens, args.block)
        return 0
    from tests.support.tiny_gguf import write_tiny_llama  # noqa: PLC0415 - bench-only
    from workbench.local_engine import EngineProcess, engine_missing  # noqa: PLC0415

    missing = engine_missing()
    if missing is not None:
        print(f"local_overhead: {missing}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        path = args.gguf or write_tiny_llama(
            Path(folder) / "bench.gguf", width=args.width, layers=args.layers
        )
        started = time.monotonic()
        with EngineProcess(path) as engine:
            took = time.monotonic() - started
            print(f"engine: {path.name} ({path.stat().st_size / 1e6:.0f} MB) ready in {took:.1f} s")
            _measure(engine.api_base, engine.model_name, args.prompts, args.max_tokens, args.block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
