"""Known Jinja2 template-injection payloads are refused, and templates cannot exhaust the machine.

Payloads from PayloadsAllTheThings, "Server Side Template Injection/Python.md" (Jinja2 section:
class dumps, file reads, os.popen through cycler/joiner/namespace/lipsum, filter bypasses with
|attr and \\x5f escapes), plus str.format tricks, mutation of lists and dicts, file includes,
and resource exhaustion. Each must raise TemplateError from both render_messages and render_text,
and no message may carry a file's content or a module.
"""

from __future__ import annotations

import time

import pytest

from workbench.domain import Message, PromptTemplate
from workbench.errors import TemplateError
from workbench.templating import render_messages, render_text

# Names the payloads reach for, given harmless values so that the sandbox (not a missing
# variable) is what refuses them.
DECOYS = {
    "config": "c",
    "request": "r",
    "x": "x",
    "g": "g",
    "url_for": "u",
    "get_flashed_messages": "m",
    "session": "s",
}

ATTRIBUTE_WALKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__[2].__subclasses__()[40]('/etc/passwd').read() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ [].class.base.subclasses() }}",
    "{{ ''.class.mro()[1].subclasses() }}",
    "{{ dict.mro() }}",
    "{{ range.__self__ }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ self.__dict__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ self._TemplateReference__context.namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum.__globals__.os }}",
    "{{ config.items() }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('ls').read() }}",
    "{{ get_flashed_messages.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ request.application.__globals__ }}",
    "{{ x.__init__.__builtins__.exec('import os') }}",
    (
        "{% for c in ().__class__.__base__.__subclasses__() %}"
        "{% if 'warning' in c.__name__ %}"
        "{{ c()._module.__builtins__['__import__']('os').popen('id').read() }}"
        "{% endif %}{% endfor %}"
    ),
]

FILTER_BYPASSES = [
    "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ request|attr('__class__') }}",
    "{{ request|attr(['_'*2, 'class', '_'*2]|join) }}",
    "{{ request|attr(['__', 'class', '__']|join) }}",
    "{{ request|attr('%s%sclass%s%s'|format('_', '_', '_', '_')) }}",
    (
        "{{ request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f')"
        "|attr('\\x5f\\x5fgetitem\\x5f\\x5f')('\\x5f\\x5fbuiltins\\x5f\\x5f')"
        "|attr('\\x5f\\x5fgetitem\\x5f\\x5f')('\\x5f\\x5fimport\\x5f\\x5f')('os')"
        "|attr('popen')('id')|attr('read')() }}"
    ),
    "{{ cycler|attr('__init__')|attr('__globals__') }}",
    "{{ request['__class__'] }}",
    "{{ ''['__class__']['__mro__'] }}",
]

FORMAT_TRICKS = [
    "{{ '{0.__class__}'.format('') }}",
    "{{ '{0.__class__.__mro__}'.format(cycler) }}",
    "{{ '{0.__init__.__globals__}'.format(joiner) }}",
    "{{ '{a.__class__}'.format_map({'a': ''}) }}",
    "{{ '%s'|format(cycler.__init__) }}",
]

MUTATIONS = [
    "{{ [].append(1) }}",
    "{{ [].extend([1]) }}",
    "{% set items = [1, 2] %}{{ items.pop() }}",
    "{{ {}.update(a=1) }}",
    "{{ {}.setdefault('a', 1) }}",
    "{{ {'a': 1}.clear() }}",
    "{% set s = namespace() %}{{ s.__dict__ }}",
]

FILES_AND_TAGS = [
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% from 'os' import popen %}",
    "{% extends 'layout.html' %}",
    "{% debug %}",
    "{{ lipsum() }}",
]

EXHAUSTION = [
    "{{ range(10**9)|list }}",
    "{{ range(100001)|list|length }}",
    "{{ 'a' * 10**9 }}",
    "{{ [0] * 10**9 }}",
    "{{ 'a' * 999999 * 999999 }}",
    "{{ 9 ** (9 ** 9) }}",
    "{{ 'x'|center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ '%999999999s' % 'x' }}",
    "{{ '%999999999s'|format('x') }}",
    "{{ '{:>999999999}'.format('x') }}",
    "{{ '{:>{w}}'.format('x', w=10**9) }}",
    "{{ ('a' * 1000000)|replace('a', 'a' * 1000) }}",
    "{{ range(100000)|join('x' * 100000) }}",
    "{{ ('x' * 100000).join(range(100000)|map('string')) }}",
    "{{ ('\\n' * 1000000)|indent(1000) }}",
    "{{ range(10)|slice(10**9)|list }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}"
    ),
    (
        "{% set ns = namespace(n=2) %}{% for i in range(64) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}{{ ns.n > 1 }}"
    ),
    (
        "{% macro grow(s, n) %}{% if n %}{{ grow(s ~ s, n - 1) }}{% endif %}{% endmacro %}"
        "{{ grow('x', 64) }}"
    ),
    (
        "{% macro fork(n) %}{% if n %}{{ fork(n - 1) }}{{ fork(n - 1) }}{% endif %}{% endmacro %}"
        "{{ fork(60) }}"
    ),
    "{% macro loop() %}{{ loop() }}{% endmacro %}{{ loop() }}",
    "{% for i in range(100000) %}{{ 'x'|center(9999) }}{% endfor %}",
]

PAYLOADS = ATTRIBUTE_WALKS + FILTER_BYPASSES + FORMAT_TRICKS + MUTATIONS + FILES_AND_TAGS

LEAKS = ("root:", "<module", "__builtins__': {", "popen(")


def _prompt(payload: str) -> PromptTemplate:
    return PromptTemplate(name="p", messages=(Message("user", payload),), defaults=DECOYS)


def _assert_refused(payload: str) -> None:
    for render in (
        lambda: render_messages(_prompt(payload), {}),
        lambda: render_text(payload, DECOYS, "suite.yaml:4"),
    ):
        with pytest.raises(TemplateError) as info:
            render()
        message = str(info.value)
        assert not any(leak in message for leak in LEAKS), message


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_payload_is_refused(payload: str) -> None:
    _assert_refused(payload)


@pytest.mark.parametrize("payload", EXHAUSTION)
def test_resource_exhaustion_is_refused_quickly(payload: str) -> None:
    started = time.monotonic()
    _assert_refused(payload)
    assert time.monotonic() - started < 15


def test_render_text_errors_start_with_where() -> None:
    with pytest.raises(TemplateError, match=r"^check 'contains': 'city' is undefined"):
        render_text("{{ city }}", {}, "check 'contains'")
    with pytest.raises(TemplateError, match=r"^suite\.yaml:9: template syntax error on line 2"):
        render_text("ok\n{{ broken", {}, "suite.yaml:9")
    with pytest.raises(TemplateError, match=r"^suite\.yaml:9: refused by the sandbox"):
        render_text("{{ ''.__class__ }}", {}, "suite.yaml:9")


def test_ordinary_templates_still_render() -> None:
    template = (
        "{% set ns = namespace(total=0) %}"
        "{% for item in items.split(',') %}{% set ns.total = ns.total + 1 %}"
        "{{ loop.index }}. {{ item|trim|title }}{{ ', ' if not loop.last }}{% endfor %}"
        " ({{ ns.total }}) {{ '%-4s|'|format(name) }}{{ '{:>5}'.format(name) }}"
        " {{ name * 2 }} {{ 2 ** 10 }} {{ [1, 2]|join('-') }} {{ doc|indent(2) }}"
        " {{ doc|replace('\n', ' / ') }} {{ name|center(7) }}"
    )
    values = {"items": "a, b,c", "name": "Ada", "doc": "one\ntwo"}
    assert render_text(template, values, "t") == (
        "1. A, 2. B, 3. C (3) Ada |  Ada AdaAda 1024 1-2 one\n  two one / two   Ada  "
    )


def test_large_inputs_within_the_budget_render() -> None:
    document = "word " * 400_000  # 2,000,000 characters: a long document is not an attack
    rendered = render_text("Summarise:\n{{ doc }}\n{{ doc|length }}", {"doc": document}, "t")
    assert rendered.endswith("\n2000000")
