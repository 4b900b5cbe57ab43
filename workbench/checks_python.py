"""`python`: a Python expression over the output, judged as promptfoo's src/assertions/python.ts
judges an inline script's result, but evaluated here by a small interpreter, never by eval().

promptfoo runs a one-line value in CPython as `def main(output, context): return <value>`, and a
value of several lines as that function's body. A suite is data anyone may hand over, so the
workbench runs no code from it: it parses the value with `ast` and walks a whitelist. Allowed are
constants (str, int, float, bool, None), the names `output` (the output, a str), `context` (a
dict whose "vars" are the case's variables, as promptfoo gives) and `vars` (the same dict, a
workbench shorthand), operators, comparisons, `and`/`or`/`not`, `x if c else y`, subscripts and
slices, list/tuple/set/dict displays and comprehensions, calls of a few builtins (len min max sum
abs round int float str bool sorted any all set list tuple dict range) and of `json.loads` (or
`json_loads`), and method calls on strings (lower, split, startswith, ...), on dicts (get, keys,
values, items) and on lists (count, index). Everything else is refused when the suite is
checked: other names and any name starting with "_", attributes other than those methods,
lambda, `:=`, f-strings, `*` and `**` unpacking, imports and statements. A value of several lines
may hold one `return EXPRESSION` (promptfoo's function body); more is refused.

Budgets keep a hostile expression short and small: at most 500 parts nested 50 deep, 100,000
evaluation steps (a comprehension's turn is one), 1,000,000 characters or items in any one
string or collection and 10,000,000 made in all, integers of at most 100,000 bits (so `**` and
`<<` are bounded before they run), `%` formatting refused, and 2 seconds.

The verdict follows promptfoo: a bool passes when True; a number passes when > 0, or when >=
the threshold if one is set, and is the score (clamped into 0..1 by checks.evaluate; promptfoo
keeps it as it is). A "not-" inverts the verdict; a number's score is not inverted, as in
promptfoo. An expression that fails or overruns a budget fails the check whatever its "not-",
with the error as the reason. Where the workbench differs: any other result fails (promptfoo
also reads the strings "true"/"false", numeric strings and {pass, score, reason} objects), a
score that is not finite fails (checks.evaluate), and values that run a file (`file://x.py`) are
not supported.
"""

from __future__ import annotations

import ast
import functools
import operator
import re
import textwrap
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

from workbench.checks_base import CheckValueError, Outcome, Params
from workbench.checks_js import parse_json

MAX_SOURCE_CHARS = 10_000
MAX_NODES = 500
MAX_DEPTH = 50
MAX_STEPS = 100_000
MAX_SIZE = 1_000_000
MAX_MADE = 10_000_000
MAX_INT_BITS = 100_000
MAX_SECONDS = 2.0
_MAX_ROUND_DIGITS = 400

_VARIABLES = frozenset({"output", "vars", "context"})
_KEYWORDS: Mapping[str, frozenset[str]] = {
    "sorted": frozenset({"reverse"}),
    "min": frozenset({"default"}),
    "max": frozenset({"default"}),
    "round": frozenset({"ndigits"}),
    "split": frozenset({"sep", "maxsplit"}),
    "rsplit": frozenset({"sep", "maxsplit"}),
    "splitlines": frozenset({"keepends"}),
}
_STR_METHODS = frozenset(
    {
        *("capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha"),
        *("isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper"),
        *("join", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace"),
        *("rfind", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith"),
        *("strip", "swapcase", "title", "upper"),
    }
)
_METHODS: Mapping[type, frozenset[str]] = {
    str: _STR_METHODS,
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"count", "index"}),
}
_ALL_METHODS = frozenset().union(*_METHODS.values())
_FILE_LIKE = re.compile(r"[\w./\\-]+\.py(?::\w+)?")

Names = dict[str, object]
Builtin = Callable[[list[object], dict[str, object]], object]


class _StopError(Exception):
    """The expression cannot go on: a budget is spent or a value is refused; says which."""


# --- checking the expression before it runs --------------------------------------------------

_ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        *(ast.Constant, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Call, ast.keyword),
        *(ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Invert),
        *(ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow),
        *(ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd),
        *(ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn),
        *(ast.Is, ast.IsNot, ast.IfExp, ast.Subscript, ast.Slice),
        *(ast.List, ast.Tuple, ast.Set, ast.Dict),
        *(ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension),
    }
)
_REFUSED_NAMES: Mapping[type[ast.AST], str] = {
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Starred: "* unpacking",
    ast.MatMult: "the @ operator",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def names_a_file(value: object) -> bool:
    """Whether a `python` value names a script file to run (promptfoo's `file://x.py`)."""
    return isinstance(value, str) and _FILE_LIKE.fullmatch(value.strip()) is not None


def python_value(value: object) -> ast.expr:
    """The checked expression of a `python` value; CheckValueError says what is refused."""
    if not isinstance(value, str) or not value.strip():
        raise CheckValueError('"python" needs a string value: an expression over output')
    if len(value) > MAX_SOURCE_CHARS:
        raise CheckValueError(f"the python expression is over {MAX_SOURCE_CHARS:,} characters")
    if names_a_file(value):
        raise CheckValueError(
            f"python checks that run a file ({value.strip()}) are not supported: write the check"
            " as an expression over output"
        )
    return _compiled(value)


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> ast.expr:
    expression = _parse(source)
    _check_tree(expression)
    return expression


def _parse(source: str) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "invalid escape sequence" and such: not ours to say
            if "\n" not in source:
                return ast.parse(source.strip(), mode="eval").body
            body = ast.parse(textwrap.dedent(source), mode="exec").body
    except SyntaxError as exc:
        raise CheckValueError(
            f"python syntax error: {exc.msg} (line {exc.lineno}, column {exc.offset})"
        ) from exc
    except (RecursionError, MemoryError) as exc:
        raise CheckValueError("the python expression is nested too deeply") from exc
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return body[0].value
    raise CheckValueError(
        "a python value of several lines is a function body in promptfoo; the workbench takes"
        " one `return EXPRESSION` there (or the expression on one line)"
    )


def _check_tree(root: ast.expr) -> None:
    """Walk every node (iteratively: depth is checked, never the interpreter's stack)."""
    callees: set[int] = set()  # ids of the nodes called: names and methods
    targets: set[str] = set()  # names bound by comprehensions
    loads: list[ast.Name] = []
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise CheckValueError(f"the python expression is too long (over {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise CheckValueError(f"the python expression is nested over {MAX_DEPTH} levels deep")
        _check_node(node, callees)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                targets.add(node.id)
            elif id(node) not in callees:
                loads.append(node)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    for name in loads:
        if name.id not in _VARIABLES and name.id not in targets:
            raise CheckValueError(_unknown_name(name.id))


def _unknown_name(name: str) -> str:
    if name in _FUNCTIONS:
        return f"{name} is a function here: call it, as in {name}(...)"
    if name == "json":
        return "json is only there as json.loads(...)"
    return f"unknown name {name!r}: the expression sees output, vars and context"


def _check_node(node: ast.AST, callees: set[int]) -> None:
    if type(node) not in _ALLOWED_NODES:
        what = _REFUSED_NAMES.get(type(node), type(node).__name__)
        raise CheckValueError(f"a python check may not use {what}")
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name.startswith("_") and name != "_":  # `for _ in ...` is harmless
            raise CheckValueError(f"names starting with _ are not allowed ({name})")
    if isinstance(node, ast.Constant):
        _check_constant(node.value)
    elif isinstance(node, ast.Attribute) and id(node) not in callees:
        raise CheckValueError(
            f".{node.attr} is not allowed: attributes only as method calls, like output.lower()"
        )
    elif isinstance(node, ast.Call):
        _check_call(node, callees)
    elif isinstance(node, ast.Dict) and None in node.keys:
        raise CheckValueError("** unpacking is not allowed in a python check")
    elif isinstance(node, ast.comprehension):
        if node.is_async:
            raise CheckValueError("async comprehensions are not allowed in a python check")
        _check_target(node.target)


def _check_constant(value: object) -> None:
    if value is not None and type(value) not in (str, int, float, bool):
        raise CheckValueError(f"{type(value).__name__} literals are not allowed in a python check")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CheckValueError("a number in the python expression is too large")


def _check_call(node: ast.Call, callees: set[int]) -> None:
    func = node.func
    if isinstance(func, ast.Name):
        if func.id not in _FUNCTIONS:
            allowed = ", ".join(sorted(_FUNCTIONS))
            raise CheckValueError(f"{func.id}() is not allowed: the functions are {allowed}")
        name = func.id
    elif isinstance(func, ast.Attribute):
        if _is_json_loads(func):
            callees.add(id(func.value))
        elif func.attr not in _ALL_METHODS:
            raise CheckValueError(f"the method .{func.attr}() is not allowed in a python check")
        name = func.attr
    else:
        raise CheckValueError("only named functions and methods may be called in a python check")
    callees.add(id(func))
    for keyword in node.keywords:
        if keyword.arg is None:
            raise CheckValueError("** unpacking is not allowed in a python check")
        if keyword.arg not in _KEYWORDS.get(name, frozenset()):
            raise CheckValueError(f"{name}() takes no keyword {keyword.arg!r} here")


def _is_json_loads(func: ast.Attribute) -> bool:
    return isinstance(func.value, ast.Name) and func.value.id == "json" and func.attr == "loads"


def _check_target(target: ast.expr) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for part in target.elts:
            _check_target(part)
    elif not isinstance(target, ast.Name):
        raise CheckValueError("a comprehension may only bind names, like `for k, v in ...`")


# --- the interpreter --------------------------------------------------------------------------


def _kind(value: object) -> str:
    return "a generator" if isinstance(value, Iterator) else type(value).__name__


def _sized(value: object) -> int | None:
    if isinstance(value, str | list | tuple | dict | set | frozenset | range):
        return len(value)
    return None


class _Evaluation:
    """One run of one expression: counts steps and what it makes."""

    def __init__(self) -> None:
        self.steps = 0
        self.made_total = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.handlers: dict[type[ast.AST], Callable[[Any, Names], object]] = {
            ast.Constant: lambda node, _names: node.value,
            ast.Name: self.name,
            ast.BoolOp: self.bool_op,
            ast.BinOp: self.bin_op,
            ast.UnaryOp: self.unary_op,
            ast.Compare: self.compare,
            ast.IfExp: self.if_exp,
            ast.Subscript: self.subscript,
            ast.List: lambda node, names: self.made([self.run(e, names) for e in node.elts]),
            ast.Tuple: lambda node, names: self.made(tuple(self.run(e, names) for e in node.elts)),
            ast.Set: lambda node, names: self.made({self.run(e, names) for e in node.elts}),
            ast.Dict: self.display_dict,
            ast.ListComp: lambda node, names: self.made(list(self.comprehend(node, names))),
            ast.SetComp: lambda node, names: self.made(set(self.comprehend(node, names))),
            ast.DictComp: lambda node, names: self.made(dict(self.pairs(node, names))),
            ast.GeneratorExp: self.comprehend,
            ast.Call: self.call,
        }

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _StopError(f"it took over {MAX_STEPS:,} steps")
        if self.steps % 1024 == 0 and time.monotonic() > self.deadline:
            raise _StopError(f"it ran over {MAX_SECONDS:g} seconds")

    def made(self, value: object) -> object:
        """`value`, once it is known to be within the budgets."""
        if isinstance(value, complex):
            raise _StopError("complex numbers are not supported")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise _StopError(f"a number grew over {MAX_INT_BITS:,} bits")
        size = _sized(value)
        if size is not None and not isinstance(value, range):
            if size > MAX_SIZE:
                raise _StopError(f"a {_kind(value)} grew over {MAX_SIZE:,} characters or items")
            self.made_total += size
            if self.made_total > MAX_MADE:
                raise _StopError(f"it made over {MAX_MADE:,} characters or items in all")
        return value

    def run(self, node: ast.expr, names: Names) -> object:
        self.tick()
        return self.handlers[type(node)](node, names)

    def name(self, node: ast.Name, names: Names) -> object:
        if node.id not in names:
            raise _StopError(f"name {node.id!r} has no value here")
        return names[node.id]

    def bool_op(self, node: ast.BoolOp, names: Names) -> object:
        decided_by = isinstance(node.op, ast.Or)  # `or` stops at a true value, `and` at a false
        for operand in node.values[:-1]:
            value = self.run(operand, names)
            if bool(value) == decided_by:
                return value
        return self.run(node.values[-1], names)

    def bin_op(self, node: ast.BinOp, names: Names) -> object:
        left, right = self.run(node.left, names), self.run(node.right, names)
        _check_binary(node.op, left, right)
        return self.made(_BINARY[type(node.op)](left, right))

    def unary_op(self, node: ast.UnaryOp, names: Names) -> object:
        return self.made(_UNARY[type(node.op)](self.run(node.operand, names)))

    def compare(self, node: ast.Compare, names: Names) -> object:
        left = self.run(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.run(comparator, names)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def if_exp(self, node: ast.IfExp, names: Names) -> object:
        chosen = node.body if self.run(node.test, names) else node.orelse
        return self.run(chosen, names)

    def subscript(self, node: ast.Subscript, names: Names) -> object:
        container: Any = self.run(node.value, names)
        if isinstance(node.slice, ast.Slice):
            parts = (node.slice.lower, node.slice.upper, node.slice.step)
            bounds = [None if part is None else self.run(part, names) for part in parts]
            return self.made(container[slice(*bounds)])
        return container[self.run(node.slice, names)]

    def display_dict(self, node: ast.Dict, names: Names) -> object:
        pairs = {
            self.run(key, names): self.run(value, names)
            for key, value in zip(node.keys, node.values, strict=True)
            if key is not None
        }
        return self.made(pairs)

    def comprehend(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, names: Names
    ) -> Iterator[object]:
        """The comprehension's values, lazily; the first iterable is taken at once, as Python."""
        if isinstance(node, ast.DictComp):
            key, value = node.key, node.value

            def produce(scope: Names) -> object:
                return (self.run(key, scope), self.run(value, scope))

        else:
            element = node.elt

            def produce(scope: Names) -> object:
                return self.run(element, scope)

        first = _iterate(self.run(node.generators[0].iter, names))
        return self.loops(node.generators, 0, first, dict(names), produce)

    def pairs(self, node: ast.DictComp, names: Names) -> Iterator[tuple[object, object]]:
        return cast("Iterator[tuple[object, object]]", self.comprehend(node, names))

    def loops(
        self,
        generators: list[ast.comprehension],
        level: int,
        items: Iterator[object],
        scope: Names,
        produce: Callable[[Names], object],
    ) -> Iterator[object]:
        generator = generators[level]
        for item in items:
            self.tick()
            _bind(generator.target, item, scope)
            if not all(self.run(condition, scope) for condition in generator.ifs):
                continue
            if level + 1 == len(generators):
                yield produce(scope)
            else:
                inner = _iterate(self.run(generators[level + 1].iter, scope))
                yield from self.loops(generators, level + 1, inner, scope, produce)

    def call(self, node: ast.Call, names: Names) -> object:
        func = node.func
        target: object = None
        if isinstance(func, ast.Attribute) and not _is_json_loads(func):
            target = self.run(func.value, names)
        args = [self.run(arg, names) for arg in node.args]
        kwargs = {str(k.arg): self.run(k.value, names) for k in node.keywords}
        if isinstance(func, ast.Name):
            return self.made(_FUNCTIONS[func.id](args, kwargs))
        assert isinstance(func, ast.Attribute)
        if _is_json_loads(func):
            return self.made(_json_loads(args, kwargs))
        return self.made(_call_method(target, func.attr, args, kwargs))


def _iterate(value: object) -> Iterator[object]:
    if isinstance(value, Iterator):
        return value
    if _sized(value) is None:
        raise _StopError(f"cannot loop over {_kind(value)}")
    return iter(cast("Iterable[object]", value))


def _bind(target: ast.expr, item: object, scope: Names) -> None:
    if isinstance(target, ast.Name):
        scope[target.id] = item
        return
    assert isinstance(target, ast.Tuple | ast.List)
    if not isinstance(item, tuple | list | str) or len(item) != len(target.elts):
        raise _StopError(f"cannot unpack {_kind(item)} into {len(target.elts)} names")
    for part, value in zip(target.elts, item, strict=True):
        _bind(part, value, scope)


# --- operators, with their sizes checked before they run ---------------------------------------

_BINARY: Mapping[type[ast.operator], Callable[[Any, Any], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_UNARY: Mapping[type[ast.unaryop], Callable[[Any], object]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARE: Mapping[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda item, container: item in container,
    ast.NotIn: lambda item, container: item not in container,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _check_binary(op: ast.operator, left: object, right: object) -> None:
    if isinstance(op, ast.Mod) and isinstance(left, str):
        raise _StopError("string formatting with % is not supported")
    left_int, right_int = _whole(left), _whole(right)
    left_size, right_size = _sized(left), _sized(right)
    if isinstance(op, ast.Mult):
        for sized, size, times in ((left, left_size, right_int), (right, right_size, left_int)):
            if size is not None and times is not None and size * times > MAX_SIZE:
                raise _StopError(f"the repeated {_kind(sized)} would be over {MAX_SIZE:,} long")
        if left_int is not None and right_int is not None:
            _check_bits(left_int.bit_length() + right_int.bit_length())
    elif isinstance(op, ast.Add) and left_size is not None and right_size is not None:
        if left_size + right_size > MAX_SIZE:
            raise _StopError(f"joining these goes over {MAX_SIZE:,} characters or items")
    elif isinstance(op, ast.Pow) and left_int is not None and right_int is not None:
        if right_int > 0 and abs(left_int) > 1:  # at least this many bits (made() checks after)
            _check_bits((left_int.bit_length() - 1) * right_int + 1)
    elif isinstance(op, ast.LShift) and left_int is not None and right_int is not None:
        _check_bits(left_int.bit_length() + max(right_int, 0))


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise _StopError(f"the number would be over {MAX_INT_BITS:,} bits")


# --- the functions and methods an expression may call ------------------------------------------


def _plain(function: Callable[..., object]) -> Builtin:
    return lambda args, kwargs: function(*args, **kwargs)


def _sum(args: list[object], kwargs: dict[str, object]) -> object:
    if len(args) > 1 and (isinstance(args[1], bool) or not isinstance(args[1], int | float)):
        raise _StopError("sum() adds numbers: its start must be a number")
    return sum(*args, **kwargs)  # type: ignore[call-overload]


def _round(args: list[object], kwargs: dict[str, object]) -> object:
    digits = args[1] if len(args) > 1 else kwargs.get("ndigits")
    if isinstance(digits, int) and abs(digits) > _MAX_ROUND_DIGITS:
        raise _StopError(f"round() takes at most {_MAX_ROUND_DIGITS} digits")
    return round(*args, **kwargs)  # type: ignore[call-overload]


def _range(args: list[object], kwargs: dict[str, object]) -> object:
    numbers = range(*args, **kwargs)  # type: ignore[call-overload]
    try:
        count = len(numbers)
    except OverflowError:
        count = MAX_SIZE + 1
    if count > MAX_SIZE:
        raise _StopError(f"range() of over {MAX_SIZE:,} numbers")
    return numbers


def _str(args: list[object], kwargs: dict[str, object]) -> object:
    if args and isinstance(args[0], Iterator):
        raise _StopError("a generator has no text: make it a list first")
    if args and not isinstance(args[0], str) and _text_size(args[0]) > MAX_SIZE:
        raise _StopError(f"the text would be over {MAX_SIZE:,} characters")
    return str(*args, **kwargs)


def _text_size(value: object) -> int:
    """An upper bound of len(str(value)) (4 per character of a quoted string: its escapes),
    counted only until it passes MAX_SIZE."""
    total = 0
    stack = [value]
    while stack and total <= MAX_SIZE:
        item = stack.pop()
        if isinstance(item, str):
            total += 4 * len(item) + 2
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            total += 3 + 2 * len(item)
            stack += item
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        else:
            total += 32
    return total


def _json_loads(args: list[object], kwargs: dict[str, object]) -> object:
    if len(args) != 1 or kwargs or not isinstance(args[0], str):
        raise _StopError("json.loads() takes one string")
    try:
        return parse_json(args[0])
    except ValueError as exc:
        raise _StopError(f"json.loads() could not read the text: {exc}") from exc


_PLAIN: Mapping[str, Callable[..., object]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "int": int,
    "float": float,
    "bool": bool,
    "sorted": sorted,
    "any": any,
    "all": all,
    "set": set,
    "list": list,
    "tuple": tuple,
    "dict": dict,
}
_FUNCTIONS: Mapping[str, Builtin] = {
    **{name: _plain(function) for name, function in _PLAIN.items()},
    "sum": _sum,
    "round": _round,
    "range": _range,
    "str": _str,
    "json_loads": _json_loads,
}


def _call_method(
    target: object, name: str, args: list[object], kwargs: dict[str, object]
) -> object:
    if name not in _METHODS.get(type(target), frozenset()):
        raise _StopError(f"{_kind(target)} has no method .{name}() here")
    if isinstance(target, str) and name == "join" and args:
        args = [_joinable(target, args[0])]
    elif isinstance(target, str) and name == "replace":
        _check_replace(target, args)
    result = getattr(target, name)(*args, **kwargs)
    if name in ("keys", "values", "items"):
        return list(result)
    return result


def _joinable(separator: str, items: object) -> list[str]:
    parts = list(_iterate(items))
    texts = [part for part in parts if isinstance(part, str)]
    if len(texts) != len(parts):
        raise _StopError("join() takes strings only")
    if sum(map(len, texts)) + len(separator) * max(len(texts) - 1, 0) > MAX_SIZE:
        raise _StopError(f"the joined text would be over {MAX_SIZE:,} characters")
    return texts


def _check_replace(text: str, args: list[object]) -> None:
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return  # str.replace itself refuses these
    old, new = args[0], args[1]
    found = text.count(old)
    if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
        found = min(found, args[2])
    if len(text) + found * (len(new) - len(old)) > MAX_SIZE:
        raise _StopError(f"the replaced text would be over {MAX_SIZE:,} characters")


# --- the verdict ------------------------------------------------------------------------------

_FAILURES = (ArithmeticError, LookupError, TypeError, ValueError, MemoryError, RecursionError)


def python(p: Params) -> Outcome:
    expression = python_value(p.value)
    variables = dict(p.variables)
    names: Names = {"output": p.output, "vars": variables, "context": {"vars": variables}}
    try:
        result = _Evaluation().run(expression, names)
    except _StopError as exc:
        return Outcome(False, f"the python expression was stopped: {exc}")
    except _FAILURES as exc:
        return Outcome(False, f"the python expression failed: {type(exc).__name__}: {exc}")
    return _verdict(result, p)


def _verdict(result: object, p: Params) -> Outcome:
    if isinstance(result, bool):
        return Outcome(result != p.inverse, f"the python expression is {result}")
    if isinstance(result, int | float):
        shown = _number(result)
        if p.threshold is None:
            reached = result > 0
            side = "above 0" if reached else "not above 0"
        else:
            reached = result >= p.threshold
            side = f"{'at or above' if reached else 'below'} the threshold {p.threshold:g}"
        score = float(min(max(result, 0), 1)) if isinstance(result, int) else result
        return Outcome(reached != p.inverse, f"the python expression gave {shown}, {side}", score)
    return Outcome(
        False, f"the python expression gave {_kind(result)}, not True, False or a number"
    )


def _number(value: int | float) -> str:
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of {value.bit_length():,} bits"
    return repr(value)
