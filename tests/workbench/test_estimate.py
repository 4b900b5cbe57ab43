"""Live estimates: half-written templates are measured, not refused."""

from __future__ import annotations

from workbench import pricing, tokens
from workbench.domain import CostSource, Message, ModelSpec, PromptTemplate
from workbench.estimate import estimate


def _prompt(*contents: str) -> PromptTemplate:
    return PromptTemplate("p", tuple(Message("user", text) for text in contents))


def test_counts_the_rendered_prompt_and_prices_the_input() -> None:
    prompt = _prompt("Summarise {{text}} for {{who}}.")
    found = estimate(prompt, {"text": "a long report", "who": "me"}, [ModelSpec("gpt-4o-mini")])
    rendered = [Message("user", "Summarise a long report for me.")]
    expected = tokens.count_messages(rendered, "gpt-4o-mini")
    (only,) = found.per_model
    assert only.input_tokens == expected
    price = pricing.lookup("gpt-4o-mini")
    assert price is not None
    assert only.cost.source is CostSource.PRICE_MAP
    assert only.cost.usd == expected * price.input_per_token
    assert found.missing == ()
    assert found.problem is None


def test_missing_variables_are_named_and_counted_as_placeholders() -> None:
    found = estimate(_prompt("Hello {{name}}, about {{topic}}"), {"name": "Ada"}, [])
    assert found.missing == ("topic",)
    rendered = [Message("user", "Hello Ada, about {{topic}}")]
    assert found.per_model[0].input_tokens == tokens.count_messages(rendered, "gpt-4o-mini")


def test_a_syntax_error_is_reported_not_raised() -> None:
    found = estimate(_prompt("Hello {{ name"), {}, [ModelSpec("ollama/llama3")])
    assert found.problem is not None
    assert "syntax error" in found.problem
    assert found.per_model[0].cost.source is CostSource.LOCAL
    assert found.per_model[0].input_tokens > 0
