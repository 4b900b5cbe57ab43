"""What a prompt will cost before it is sent: input tokens and input cost per model.

The editor shows this live while a person types, so it must tolerate half-written templates: a
missing variable renders as its `{{name}}` placeholder and a syntax error is reported rather than
raised. Counts come from tiktoken and are always estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench import pricing, tokens
from workbench.domain import Cost, Message, ModelSpec, PromptTemplate
from workbench.errors import TemplateError, WorkbenchError
from workbench.templating import render_messages, variables_in


@dataclass(frozen=True, slots=True)
class ModelEstimate:
    model: str
    input_tokens: int
    cost: Cost  # the input tokens' cost; output is unknown until the model answers


@dataclass(frozen=True, slots=True)
class PromptEstimate:
    prompt: str
    per_model: tuple[ModelEstimate, ...]
    missing: tuple[str, ...]  # variables with no value (rendered as their placeholder)
    problem: str | None  # a template error, in words


def estimate(
    prompt: PromptTemplate, variables: Mapping[str, str], models: Sequence[ModelSpec]
) -> PromptEstimate:
    """Estimate `prompt` rendered with `variables` for each of `models` (or one generic count)."""
    problem: str | None = None
    try:
        names = variables_in(prompt.messages, where=prompt.name)
    except TemplateError as exc:
        names, problem = [], str(exc)
    values = {**prompt.defaults, **variables}
    missing = tuple(name for name in names if name not in values)
    messages: Sequence[Message] = prompt.messages
    if problem is None:
        placeholders = {name: "{{" + name + "}}" for name in missing}
        try:
            messages = render_messages(prompt, {**values, **placeholders})
        except WorkbenchError as exc:
            problem = str(exc)
    targets = list(models) or [ModelSpec("gpt-4o-mini")]
    per_model = tuple(
        ModelEstimate(
            model=model.label,
            input_tokens=(count := tokens.count_messages(messages, model.name)),
            cost=pricing.cost_of(model, count, 0),
        )
        for model in targets
    )
    return PromptEstimate(prompt.name, per_model, missing, problem)
