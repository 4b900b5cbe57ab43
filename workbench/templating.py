"""Rendering prompt templates: Jinja2 in a sandbox, strict about missing variables.

A prompt file may come from anyone's repo, so templates run in Jinja2's immutable sandbox with no
loader (no `include`/`import` of files), and undefined names raise instead of rendering as "".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.domain import Message, PromptTemplate
from workbench.errors import MissingVariableError, TemplateError


def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        # A loader that finds nothing: `include`/`import` of files fail as "not found".
        loader=jinja2.FunctionLoader(lambda _name: None),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


_ENV = _environment()


@lru_cache(maxsize=4096)
def _compile(source: str) -> jinja2.Template:
    return _ENV.from_string(source)


def _parse_names(source: str, where: str) -> set[str]:
    try:
        ast = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{where}: template syntax error on line {exc.lineno}: {exc.message}"
        ) from exc
    return set(meta.find_undeclared_variables(ast))


def variables_in(messages: Iterable[Message], where: str = "prompt") -> list[str]:
    """The variables the messages use, in order of first appearance."""
    found: list[str] = []
    for message in messages:
        names = _parse_names(message.content, where)
        # find_undeclared_variables returns a set; keep the text order so forms list them naturally.
        ordered = sorted(names, key=lambda name: _first_position(message.content, name))
        found.extend(name for name in ordered if name not in found)
    return found


def _first_position(text: str, name: str) -> int:
    match = re.search(rf"\b{re.escape(name)}\b", text)
    return match.start() if match else len(text)


def render_messages(prompt: PromptTemplate, variables: Mapping[str, str]) -> tuple[Message, ...]:
    """Render every message of `prompt` with `variables` over the prompt's defaults."""
    values = {**prompt.defaults, **variables}
    needed = variables_in(prompt.messages, where=prompt.name)
    missing = [name for name in needed if name not in values]
    if missing:
        raise MissingVariableError(prompt.name, missing)
    rendered: list[Message] = []
    for message in prompt.messages:
        try:
            text = _compile(message.content).render(values)
        except jinja2.UndefinedError as exc:
            # Names reached through attributes or loops can still be undefined at render time.
            raise TemplateError(f"prompt {prompt.name!r}: {exc.message}") from exc
        except SecurityError as exc:
            raise TemplateError(f"prompt {prompt.name!r}: refused by the sandbox: {exc}") from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"prompt {prompt.name!r}: templates cannot include or import files ({exc.name})"
            ) from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"prompt {prompt.name!r}: {exc}") from exc
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # Expressions in a template can fail like any code: report it, never crash.
            raise TemplateError(f"prompt {prompt.name!r}: {type(exc).__name__}: {exc}") from exc
        rendered.append(Message(message.role, text))
    return tuple(rendered)
