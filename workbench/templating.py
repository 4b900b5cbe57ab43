"""Rendering prompt templates: Jinja2 in a sandbox, strict about missing variables.

A prompt file may come from anyone's repo, so templates run in Jinja2's immutable sandbox with no
loader (no `include`/`import` of files), and undefined names raise instead of rendering as "".
The sandbox stops attribute walks (`''.__class__...`, `cycler.__init__.__globals__`); on top of it
each render gets a work budget, so a template cannot hang or exhaust memory either: loop
iterations and calls are counted, and sizes are checked before `*`, `**`, `+`, `%`, `join`,
`replace` and padding calls build anything large. Every failure is a `TemplateError`.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from workbench.domain import Message, PromptTemplate
from workbench.errors import MissingVariableError, TemplateError

# Per render: loop iterations + calls, and characters built (values and output together).
_MAX_STEPS = 250_000
_MAX_CHARS = 20_000_000
# Widths and precisions in printf-style ("%-10.3f", "%*s") and str.format ("{:>10}") specs.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?")
_BRACE_SPEC = re.compile(r"\{[^{}:]*:([^{}]*)\}")
_BRACE_NESTED = re.compile(r"\{[^{}:]*:[^{}]*\{")
_PASSED = (Context, EvalContext, jinja2.Environment)
_STEPS_FILTER = "_workbench_counted"
_SIZE_FILTER = "_workbench_sized"


@dataclass(slots=True)
class _Budget:
    steps: int = _MAX_STEPS
    chars: int = _MAX_CHARS

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise SecurityError(f"the template does more than {_MAX_STEPS:,} steps")

    def allow(self, size: object) -> None:
        """Refuse before building something of `size` characters (or items) the budget lacks."""
        if isinstance(size, int) and not isinstance(size, bool) and abs(size) > self.chars:
            raise SecurityError(f"the template builds more than {_MAX_CHARS:,} characters")

    def spend(self, value: object) -> None:
        size = len(value) if isinstance(value, (str, bytes, list, tuple, dict)) else 0
        self.allow(size)
        self.chars -= size


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _budget() -> _Budget:
    # Outside a render (Jinja folds constants while compiling) each call gets a fresh budget.
    return _BUDGET.get() or _Budget()


def _flat(values: Iterable[object]) -> Iterator[object]:
    for value in values:
        if isinstance(value, (tuple, list)):
            yield from value
        elif isinstance(value, dict):
            yield from value.values()
        else:
            yield value


def _check_format(template: object, args: Iterable[object], budget: _Budget) -> None:
    """Refuse "%999999999s", "{:>999999999}" and widths passed in as arguments ("%*s")."""
    if not isinstance(template, str):
        return
    widths = [part for spec in _PERCENT_SPEC.finditer(template) for part in spec.groups() if part]
    widths += [
        number for spec in _BRACE_SPEC.findall(template) for number in re.findall(r"\d+", spec)
    ]
    for width in widths:
        budget.allow(int(width) if width.isdigit() else 0)
    if "*" in widths or _BRACE_NESTED.search(template):
        for arg in _flat(args):
            budget.allow(arg)


def _replaced_size(text: object, old: object, new: object) -> int:
    text, old, new = str(text), str(old), str(new)
    return (len(text) // max(len(old), 1) + 1) * len(new) + len(text)


def _check_filter(name: str, named: dict[str, Any], budget: _Budget) -> None:
    """Check what a filter would build, by its arguments' names; may materialize `join`'s input."""
    for size in ("width", "slices"):
        budget.allow(named.get(size))
    if name == "join":
        value = named.get("value")
        if value is not None and not isinstance(value, Sized):
            named["value"] = value = list(_counted(value))  # its size is only known by counting
        if isinstance(value, Sized):
            budget.allow(len(value) * len(str(named.get("d", ""))))
    elif name == "replace":
        budget.allow(_replaced_size(named.get("s"), named.get("old"), named.get("new")))
    elif name == "indent":
        width = named.get("width", 4)
        lines = str(named.get("s", "")).count("\n") + 1
        budget.allow(lines * (width if isinstance(width, int) else len(str(width))))
    elif name == "format":
        _check_format(named.get("value"), (*named.get("args", ()), named.get("kwargs", {})), budget)


def _check_str_method(
    owner: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], budget: _Budget
) -> tuple[Any, ...]:
    """Check a call of a str method; may materialize `join`'s input so its size is known."""
    if method in ("center", "ljust", "rjust", "zfill", "expandtabs"):
        for arg in args:
            budget.allow(arg)
    elif method == "join" and args:
        items = args[0] if isinstance(args[0], Sized) else list(_counted(args[0]))
        budget.allow(len(items) * len(owner))
        return (items, *args[1:])
    elif method == "replace" and len(args) >= 2:
        budget.allow(_replaced_size(owner, args[0], args[1]))
    elif method in ("format", "format_map"):
        _check_format(owner, (*args, kwargs), budget)
    return args


def _check_binop(operator: str, left: object, right: object, budget: _Budget) -> None:
    sequences = (str, list, tuple)
    if operator == "*":
        if isinstance(left, sequences) and isinstance(right, int):
            budget.allow(len(left) * right)
        elif isinstance(right, sequences) and isinstance(left, int):
            budget.allow(len(right) * left)
        elif isinstance(left, int) and isinstance(right, int):
            budget.allow((left.bit_length() + right.bit_length()) // 3)
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        budget.allow(max(left.bit_length(), 1) * right // 3)
    elif operator == "+" and isinstance(left, sequences) and isinstance(right, sequences):
        budget.allow(len(left) + len(right))
    elif operator == "%":
        _check_format(left, (right,), budget)


def _guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    try:
        signature: inspect.Signature | None = inspect.signature(func)
    except (TypeError, ValueError):
        signature = None
    # Jinja passes its context first; some filters (async variants) do not list it themselves.
    first = next(iter(signature.parameters), "") if signature else ""
    lists_context = first in ("eval_ctx", "context", "environment", "env", "ctx")

    @functools.wraps(func)  # keeps Jinja's pass_context/pass_eval_context marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.step()
        passed = 1 if args and isinstance(args[0], _PASSED) and not lists_context else 0
        try:
            bound = signature.bind(*args[passed:], **kwargs) if signature else None
        except TypeError:
            bound = None  # a wrong call: the filter reports it itself
        if bound is not None:
            _check_filter(name, bound.arguments, budget)
            args, kwargs = (*args[:passed], *bound.args), bound.kwargs
        result = func(*args, **kwargs)
        budget.spend(result)
        return result

    return guarded


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _budget()
    for item in iterable:
        budget.step()
        yield item


def _sized(value: Any) -> Any:
    _budget().spend(value)
    return value


class _Budgeted(NodeTransformer):
    """Route every loop through a step counter and every `~` concatenation through a size check."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 - Jinja's visitor naming
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _STEPS_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Filter(node, _SIZE_FILTER, [], [], None, None, lineno=node.lineno)


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            # A loader that finds nothing: `include`/`import` of files fail as "not found".
            loader=jinja2.FunctionLoader(lambda _name: None),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        # lorem ipsum has no place in a prompt, and is the shortest known injection gadget.
        del self.globals["lipsum"]
        self.filters = {name: _guarded_filter(name, f) for name, f in self.filters.items()}
        self.filters[_STEPS_FILTER] = _counted
        self.filters[_SIZE_FILTER] = _sized

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        budgeted = _Budgeted().visit(tree)
        assert isinstance(budgeted, nodes.Template)
        return budgeted

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        _check_binop(operator, left, right, budget)
        result = super().call_binop(context, operator, left, right)
        budget.spend(result)
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _budget()
        budget.step()
        # The sandbox hands out `str.format` wrapped; the string is on the wrapped method.
        owner = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        if isinstance(owner, str):
            args = _check_str_method(owner, getattr(__obj, "__name__", ""), args, kwargs, budget)
        result = super().call(__context, __obj, *args, **kwargs)
        budget.spend(result)
        return result


_ENV = _Sandbox()


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


def _render(source: str, values: Mapping[str, str], where: str) -> str:
    """Render `source` within a fresh budget; every failure becomes a TemplateError."""
    budget = _Budget(chars=_MAX_CHARS + 4 * (len(source) + sum(map(len, values.values()))))
    token = _BUDGET.set(budget)
    try:
        parts: list[str] = []
        for chunk in _compile(source).generate(values):
            budget.spend(chunk)
            parts.append(chunk)
        return "".join(parts)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{where}: template syntax error on line {exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.UndefinedError as exc:
        # Names reached through attributes or loops can still be undefined at render time.
        raise TemplateError(f"{where}: {exc.message}") from exc
    except SecurityError as exc:
        raise TemplateError(f"{where}: refused by the sandbox: {exc}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"{where}: templates cannot include or import files ({exc.name})"
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{where}: {exc}") from exc
    except RecursionError as exc:
        raise TemplateError(f"{where}: the template calls itself too deeply") from exc
    except MemoryError as exc:
        raise TemplateError(f"{where}: the template needs too much memory") from exc
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
        # Expressions in a template can fail like any code: report it, never crash.
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from exc
    finally:
        _BUDGET.reset(token)


def render_text(source: str, values: Mapping[str, str], where: str) -> str:
    """Render one template string with `values`, in the same sandbox as prompts.

    Undefined names raise; every failure is a TemplateError whose message starts with `where`.
    """
    return _render(source, values, where)


def render_messages(prompt: PromptTemplate, variables: Mapping[str, str]) -> tuple[Message, ...]:
    """Render every message of `prompt` with `variables` over the prompt's defaults."""
    values = {**prompt.defaults, **variables}
    needed = variables_in(prompt.messages, where=prompt.name)
    missing = [name for name in needed if name not in values]
    if missing:
        raise MissingVariableError(prompt.name, missing)
    where = f"prompt {prompt.name!r}"
    return tuple(
        Message(message.role, _render(message.content, values, where))
        for message in prompt.messages
    )
