"""Hypothesis strategies for prompt sets, shared by the round-trip and store tests."""

from __future__ import annotations

import re
import string

from hypothesis import strategies as st

from workbench.domain import Message, ModelParams, ModelSpec, PromptTemplate, Role, UserPrice
from workbench.prompty import ROLE_LINE
from workbench.suite import Case, Check, Suite

VARIABLES = ("topic", "text", "style", "ticket")
# Everything a person types, bar surrogates and control characters other than tab.
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="{}%#")
_WORDS = st.text(_CHARS, min_size=1, max_size=30).filter(lambda s: s.strip() == s and s.strip())


@st.composite
def contents(draw: st.DrawFn) -> str:
    """Message text: lines of words with `{{variable}}` here and there, never a role marker."""
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        words = draw(
            st.lists(
                st.one_of(_WORDS, st.sampled_from(VARIABLES).map(_use)), min_size=1, max_size=5
            )
        )
        line = " ".join(words)
        lines.append(line if not ROLE_LINE.match(line) else f"say {line}")
    text = "\n".join(lines)
    return text if text.strip() else "hello"


def _use(name: str) -> str:
    return "{{" + name + "}}"


_NAMES = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=20).filter(
    lambda s: s[0].isalnum()
)
_FLOATS = st.floats(0, 2, allow_nan=False).map(lambda f: round(f, 2))
_PARAMS = st.builds(
    ModelParams,
    temperature=st.none() | _FLOATS,
    top_p=st.none() | _FLOATS,
    max_tokens=st.none() | st.integers(1, 4096),
    seed=st.none() | st.integers(0, 2**31),
    stop=st.lists(_WORDS, max_size=2).map(tuple),
)


@st.composite
def prompts(draw: st.DrawFn, name: str) -> PromptTemplate:
    roles: list[Role] = draw(
        st.lists(st.sampled_from(("system", "user", "assistant")), min_size=1, max_size=4)
    )
    return PromptTemplate(
        name=name,
        messages=tuple(Message(role, draw(contents())) for role in roles),
        description=draw(st.one_of(st.just(""), _WORDS)),
        params=draw(_PARAMS),
        defaults=draw(st.dictionaries(st.sampled_from(VARIABLES), _WORDS, max_size=2)),
    )


_MODELS = st.builds(
    ModelSpec,
    name=st.sampled_from(("gpt-4o-mini", "ollama/llama3.2", "anthropic/claude-3-5-haiku-latest")),
    api_base=st.none() | st.just("http://127.0.0.1:11434/v1"),
    params=_PARAMS,
    transport=st.sampled_from(("auto", "openai", "litellm")),
    price=st.none() | st.builds(UserPrice, _FLOATS, _FLOATS),
    api_key_name=st.none() | st.sampled_from(("openai", "groq", "mycorp")),
)
_VALUES = st.one_of(_WORDS, st.sampled_from(VARIABLES).map(_use))
_CHECKS = st.one_of(
    st.builds(
        Check,
        type=st.sampled_from(("contains", "icontains", "not-contains", "equals", "llm-rubric")),
        value=_VALUES,
        threshold=st.none() | st.just(0.5),
    ),
    st.builds(Check, type=st.just("regex"), value=_WORDS.map(re.escape)),
)


@st.composite
def suites(draw: st.DrawFn) -> Suite:
    names = draw(st.lists(_NAMES, min_size=1, max_size=3, unique_by=str.lower))
    cases = draw(
        st.lists(
            st.builds(
                Case,
                vars=st.fixed_dictionaries(dict.fromkeys(VARIABLES, _WORDS)),
                checks=st.lists(_CHECKS, max_size=2).map(tuple),
                description=st.one_of(st.just(""), _WORDS),
            ),
            max_size=3,
        )
    )
    return Suite(
        name=draw(_NAMES),
        prompts=tuple(draw(prompts(n)) for n in names),
        models=tuple(draw(st.lists(_MODELS, max_size=3))),
        cases=tuple(cases),
        checks=tuple(draw(st.lists(_CHECKS, max_size=2))),
        description=draw(st.one_of(st.just(""), _WORDS)),
    )
