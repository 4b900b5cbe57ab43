from __future__ import annotations

import pytest

from workbench.domain import Message, PromptTemplate
from workbench.errors import MissingVariableError, TemplateError
from workbench.templating import render_messages, variables_in


def _prompt(*contents: str, defaults: dict[str, str] | None = None) -> PromptTemplate:
    messages = tuple(Message("user", c) for c in contents)
    return PromptTemplate(name="p", messages=messages, defaults=defaults or {})


def test_variables_are_found_in_order_of_appearance() -> None:
    messages = [
        Message("system", "You are {{ role }}."),
        Message("user", "{{b}} then {{a}} and {{b}}"),
    ]
    assert variables_in(messages) == ["role", "b", "a"]


def test_loop_variables_are_not_reported_as_inputs() -> None:
    messages = [Message("user", "{% for x in items %}{{ x }}{% endfor %}")]
    assert variables_in(messages) == ["items"]


def test_render_substitutes_values_over_defaults() -> None:
    prompt = _prompt("Hello {{name}}, {{greeting}}", defaults={"greeting": "hi", "name": "x"})
    rendered = render_messages(prompt, {"name": "Ada"})
    assert rendered == (Message("user", "Hello Ada, hi"),)


def test_missing_variable_names_every_missing_one() -> None:
    prompt = _prompt("{{a}} {{b}} {{c}}")
    with pytest.raises(MissingVariableError) as info:
        render_messages(prompt, {"b": "1"})
    assert info.value.names == ["a", "c"]
    assert "a, c" in str(info.value)


def test_syntax_error_is_reported_with_line() -> None:
    with pytest.raises(TemplateError, match="line 2"):
        render_messages(_prompt("ok\n{{ broken"), {})


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context.joiner.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{{ [].append(1) }}",
    ],
)
def test_sandbox_refuses_template_injection(payload: str) -> None:
    with pytest.raises(TemplateError):
        render_messages(_prompt(payload), {})
