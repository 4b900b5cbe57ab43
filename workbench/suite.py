"""A suite: prompts, the models to compare, test cases and the checks their outputs must pass.

What a prompt-set folder (`workbench.yaml` beside `.prompty` files) holds, and what every other
format converts to and from. Checks use promptfoo's assertion vocabulary ("contains",
"not-regex", "is-json", ...) so a suite moves to promptfoo and back without renaming anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.domain import ModelSpec, PromptTemplate

# A JSON value as YAML/JSON files hold it: str, int, float, bool, None, list or dict of them.
JsonValue = object


@dataclass(frozen=True, slots=True)
class Check:
    """One assertion on an output: `type` in promptfoo's vocabulary, its `value` and threshold.

    String values may use `{{variable}}` of the case, as in promptfoo. `provider` is the judge
    of a model-graded check (`llm-rubric`): a litellm model name or a model label of the suite;
    None leaves the choice to whoever runs the suite (`workbench eval --judge`).
    """

    type: str
    value: JsonValue = None
    threshold: float | None = None
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: the variables to render the prompts with, and checks of its own."""

    vars: Mapping[str, str]
    checks: tuple[Check, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Suite:
    """Prompts x models x cases, with checks applied to every case (besides the case's own)."""

    name: str
    prompts: tuple[PromptTemplate, ...]
    models: tuple[ModelSpec, ...] = ()
    cases: tuple[Case, ...] = ()
    checks: tuple[Check, ...] = ()
    description: str = ""
    # The cases file beside the suite file (relative path), when the cases came from one.
    cases_file: str | None = None


@dataclass(frozen=True, slots=True)
class Converted:
    """What an importer read, and what it could not carry over, by name (never silently lost)."""

    suite: Suite
    dropped: tuple[str, ...] = field(default=())
