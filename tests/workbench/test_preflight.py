"""The cost preflight: calls, tokens and dollars per model before a run, worked out by hand."""

from __future__ import annotations

import time

import pytest

from tests.workbench.runs import PROMPT
from workbench import pricing, tokens
from workbench.domain import Message, ModelParams, ModelSpec, PromptTemplate, UserPrice
from workbench.plan import build_plan
from workbench.preflight import DEFAULT_OUTPUT_TOKENS, ModelEstimate, Preflight, preflight

HOSTED = "https://models.example/v1"
CASES = [{"who": "Ada"}, {"who": "Grace"}]
# PROMPT renders to ("Be kind", "Hello Ada") or ("Be kind", "Hello Grace"); each content is two
# tokens in both cl100k_base and o200k_base (tiktoken: "Be"+" kind", "Hello"+" Ada"/" Grace").
# Chat framing (OpenAI's cookbook): 3 for the reply's priming, then per message 3 + content + 1
# for the role: 3 + (3 + 2 + 1) + (3 + 2 + 1) = 15 per call.
TOKENS_PER_CALL = 15


def test_counts_calls_tokens_and_prices_each_model() -> None:
    priced = ModelSpec("fake-a", api_base=HOSTED, price=UserPrice(1.0, 2.0))
    local = ModelSpec("ollama/llama3")
    found = preflight(build_plan([PROMPT], [priced, local], CASES, repeats=2))
    # 2 cases x 2 repeats = 4 calls each: 60 input tokens, 4 x 256 expected output tokens.
    assert found.models == (
        ModelEstimate(
            model="fake-a",
            calls=4,
            input_tokens=60,
            output_tokens=1024,
            output_basis="default",
            cost_usd=0.002108,  # (60 x $1 + 1024 x $2) per million
            cost_source="user-price",
        ),
        ModelEstimate("ollama/llama3", 4, 60, 1024, "default", 0.0, "local"),
    )
    assert (found.calls, found.input_tokens, found.output_tokens) == (8, 120, 2048)
    assert found.cost_usd == 0.002108
    assert found.unknown_models == ()
    assert DEFAULT_OUTPUT_TOKENS == 256


def test_history_wins_and_max_tokens_caps_it() -> None:
    free = ModelSpec("fake-a", api_base=HOSTED, price=UserPrice(0.0, 0.0))
    capped = ModelSpec(
        "fake-b", api_base=HOSTED, price=UserPrice(0.0, 0.0), params=ModelParams(max_tokens=30)
    )
    limited = ModelSpec(
        "fake-c", api_base=HOSTED, price=UserPrice(0.0, 0.0), params=ModelParams(max_tokens=100)
    )
    history = {"fake-a": 40.5, "fake-b": 40.5}
    found = preflight(build_plan([PROMPT], [free, capped, limited], CASES, 2), history)
    by_model = {m.model: (m.output_tokens, m.output_basis) for m in found.models}
    assert by_model == {
        "fake-a": (162, "history"),  # 4 calls x 40.5
        "fake-b": (120, "history"),  # 4 x 30: it cannot answer past max_tokens
        "fake-c": (400, "max_tokens"),  # no history: 4 x its max_tokens
    }


def test_a_model_partly_capped_by_max_tokens_says_so() -> None:
    capped_prompt = PromptTemplate("capped", PROMPT.messages, params=ModelParams(max_tokens=50))
    model = ModelSpec("fake-a", api_base=HOSTED, price=UserPrice(0.0, 0.0))
    (only,) = preflight(build_plan([PROMPT, capped_prompt], [model], [CASES[0]])).models
    assert (only.calls, only.output_tokens, only.output_basis) == (2, 50 + 256, "max_tokens")


def test_an_unknown_price_makes_the_total_unknown_and_is_named() -> None:
    priced = ModelSpec("fake-a", api_base=HOSTED, price=UserPrice(1_000_000.0, 0.0))  # $1 a token
    unpriced = ModelSpec("mystery-model-xyz", api_base=HOSTED)
    found = preflight(build_plan([PROMPT], [priced, unpriced], CASES))
    assert found.unknown_models == ("mystery-model-xyz",)
    assert found.cost_usd is None
    assert found.known_cost_usd == 30.0  # 2 calls x 15 input tokens at $1; output free
    mystery = found.models[1]
    assert (mystery.cost_usd, mystery.cost_source) == (None, "unknown")
    assert mystery.input_tokens == 30


def test_price_map_models_are_priced_from_litellms_map() -> None:
    entry = pricing.price_map()["gpt-4o-mini"]
    (only,) = preflight(build_plan([PROMPT], [ModelSpec("gpt-4o-mini")], CASES)).models
    assert only.cost_source == "litellm-price-map"
    expected = 30 * entry["input_cost_per_token"] + 512 * entry["output_cost_per_token"]
    assert only.cost_usd == pytest.approx(expected)


def test_nothing_to_run_costs_nothing() -> None:
    empty = preflight([])
    assert empty == Preflight(())
    assert (empty.calls, empty.input_tokens, empty.output_tokens, empty.cost_usd) == (0, 0, 0, 0)


def test_a_large_plan_is_estimated_quickly() -> None:
    """3 prompts x 2 models x 20 cases x 3 repeats: each rendered message list is counted once."""
    long_text = " ".join(f"word{i}" for i in range(600))
    prompts = [
        PromptTemplate(f"p{n}", (Message("system", long_text), Message("user", f"{n} {{{{who}}}}")))
        for n in range(3)
    ]
    models = [ModelSpec("gpt-4o-mini"), ModelSpec("ollama/llama3")]
    cases = [{"who": f"person {i} " + long_text} for i in range(20)]
    cells = build_plan(prompts, models, cases, repeats=3)
    for model in models:
        tokens.warm(model.name)  # loading an encoding from disk is not the preflight's cost
    started = time.perf_counter()
    found = preflight(cells)
    elapsed = time.perf_counter() - started
    assert found.calls == 360
    assert elapsed < 1.0, f"preflight of 360 cells took {elapsed:.2f} s"
