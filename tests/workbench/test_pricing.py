from __future__ import annotations

import pytest

from workbench import pricing
from workbench.domain import CostSource, ModelSpec, UserPrice


def test_price_map_entry_gives_cost_with_its_source() -> None:
    entry = pricing.price_map()["gpt-4o-mini"]
    cost = pricing.cost_of(ModelSpec("openai/gpt-4o-mini"), 1000, 500)
    expected = 1000 * entry["input_cost_per_token"] + 500 * entry["output_cost_per_token"]
    assert cost.source is CostSource.PRICE_MAP
    assert cost.usd == pytest.approx(expected)


def test_user_price_wins() -> None:
    model = ModelSpec("openai/gpt-4o-mini", price=UserPrice(2.0, 8.0))
    cost = pricing.cost_of(model, 1_000_000, 500_000)
    assert cost.source is CostSource.USER
    assert cost.usd == pytest.approx(2.0 + 4.0)


@pytest.mark.parametrize(
    "model",
    [
        ModelSpec("ollama_chat/llama3.1"),
        ModelSpec("llama3", api_base="http://127.0.0.1:8080/v1"),
        ModelSpec("openai/gpt-4o-mini", api_base="http://localhost:1234/v1"),
        ModelSpec("qwen", api_base="http://192.168.1.20:8000/v1"),
    ],
)
def test_local_models_cost_nothing(model: ModelSpec) -> None:
    cost = pricing.cost_of(model, 10_000, 10_000)
    assert cost.usd == 0.0
    assert cost.source is CostSource.LOCAL


def test_unknown_model_has_unknown_cost() -> None:
    cost = pricing.cost_of(ModelSpec("openai/no-such-model-xyz"), 10, 10)
    assert cost.usd is None
    assert cost.source is CostSource.UNKNOWN


def test_prefixed_name_does_not_take_another_providers_price() -> None:
    assert pricing.lookup("groq/gpt-4o-mini") is None
    found = pricing.lookup("anthropic/claude-haiku-4-5")
    assert found is not None
    assert found.provider == "anthropic"
