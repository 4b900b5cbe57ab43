"""Handlebars source as handlebars.js reads it: tags, expressions, blocks and whitespace rules.

The scanner knows `\\{{` escapes, raw blocks, `{{! }}`/`{{!-- --}}` comments and `~`; the tree
holds blocks with their `{{else}}` and `{{else if}}` chains as handlebars.js nests them; and the
whitespace pass is a port of handlebars.js' `compiler/whitespace-control.js` (`~` stripping and
"standalone" lines: a block tag, comment or partial alone on its line takes the line with it), so
the text between tags is what Handlebars would render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from workbench.errors import UsageError

Fail = Callable[[str], NoReturn]

ID = r"[^\s!\"#%&'()*+,./;<=>@\[\\\]^`{|}~]+"
ID_ONLY = re.compile(ID + r"\Z")
_SEGMENT = re.compile(r"\[((?:\\\]|[^\]])*)\]|(" + ID + ")")
_EXPR_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<sub>\()
    |(?P<string>"(?:\\"|[^"])*"|'(?:\\'|[^'])*')
    |(?P<params>as\s+\|[^|]*\|)
    |(?P<hash>"""
    + ID
    + r""")\s*=
    |(?P<number>-?\d+(?:\.\d+)?)(?=\s|$)
    |(?P<path>@?(?:\[(?:\\\]|[^\]])*\]|[^\s()=|"'\[\]])+)""",
    re.VERBOSE,
)
_CLOSE = re.compile(r"(~?)\}\}")
_MAX_DEPTH = 100  # nested blocks; deeper is refused rather than overflowing the stack


# --- what the scanner and the tree hold -------------------------------------------------------


@dataclass(slots=True)
class Text:
    value: str
    original: str = field(init=False)
    left_stripped: bool = False  # its end was stripped
    right_stripped: bool = False  # its start was stripped

    def __post_init__(self) -> None:
        self.original = self.value


@dataclass(slots=True)
class Tag:
    kind: str  # mustache, open, inverse, close, else, comment, partial, decorator
    body: str  # between the delimiters (and the sigil), whitespace kept
    line: int
    source: str
    strip_left: bool = False  # `{{~`
    strip_right: bool = False  # `~}}`


@dataclass(slots=True)
class Program:
    body: list[Item]
    chained: bool = False  # the inverse of a block that has `{{else if ...}}`


@dataclass(slots=True)
class Block:
    open: Tag  # for a chained block, the `{{else if ...}}` tag
    program: Program
    inverse: Program | None
    else_tag: Tag | None
    close: Tag


Node = Text | Tag
Item = Text | Tag | Block


def parse(source: str, where: str, first_line: int = 1) -> Program:
    """The template as a tree, its text already stripped as Handlebars strips it."""
    program = build(scan(source, where, first_line), where)
    control_whitespace(program)
    return program


# --- scanning -------------------------------------------------------------------------------


def scan(source: str, where: str, first_line: int = 1) -> list[Node]:
    nodes: list[Node] = []
    text: list[str] = []
    pos = 0
    line, counted = first_line, 0
    while True:
        start = source.find("{{", pos)
        if start < 0:
            text.append(source[pos:])
            break
        chunk = source[pos:start]
        if chunk.endswith("\\") and not chunk.endswith("\\\\"):
            text.append(chunk[:-1] + "{{")  # `\{{` is literal braces
            pos = start + 2
            continue
        text.append(chunk[:-1] if chunk.endswith("\\\\") else chunk)
        line += source.count("\n", counted, start)
        counted = start
        node, pos = _read_tag(source, start, where, line)
        if isinstance(node, Text):
            text.append(node.value)
            continue
        if any(text):
            nodes.append(Text("".join(text)))
        text = []
        nodes.append(node)
    if any(text):
        nodes.append(Text("".join(text)))
    return nodes


def _read_tag(source: str, start: int, where: str, line: int) -> tuple[Node, int]:
    def fail(problem: str) -> NoReturn:
        raise UsageError(f"{where}:{line}: {problem}")

    if source.startswith("{{{{", start):
        return _read_raw_block(source, start, fail)
    pos = start + 2
    strip_left = source.startswith("~", pos)
    pos += strip_left
    if source.startswith("!--", pos):
        found = re.compile(r"--(~?)\}\}").search(source, pos + 3)
        body_start, kind = pos + 3, "comment"
    elif source.startswith("!", pos):
        found = _CLOSE.search(source, pos + 1)
        body_start, kind = pos + 1, "comment"
    elif source.startswith("{", pos):
        found = re.compile(r"\}(~?)\}\}").search(source, pos + 1)
        body_start, kind = pos + 1, "mustache"
    else:
        found = _find_close(source, pos)
        body_start, kind = pos, ""
    if found is None:
        fail(f"'{source[start : start + 20].splitlines()[0]}' is never closed with '}}}}'")
    body = source[body_start : found.start()]
    bare_else = re.fullmatch(r"\s*(?:else|\^)\s*", body) is not None
    # handlebars.js reads `}}}` (and `}}}}`) as closers of other tags
    closed_twice = not found.group(1) and source.startswith("}", found.end())
    if closed_twice and kind != "comment" and not bare_else:
        fail(f"'{source[start : found.end()]}}}' is not a tag Handlebars can read")
    tag = Tag(kind, body, line, source[start : found.end()], strip_left, bool(found.group(1)))
    if not kind:
        _classify(tag, fail)
    return tag, found.end()


def read_tag(source: str) -> Tag:
    """One tag as the scanner reads it, for writers that build Handlebars."""
    node, end = _read_tag(source, 0, "written", 0)
    assert isinstance(node, Tag) and end == len(source), source
    return node


def _read_raw_block(source: str, start: int, fail: Fail) -> tuple[Node, int]:
    opened = re.compile(r"\{\{\{\{\s*(" + ID + r")[^}]*\}\}\}\}").match(source, start)
    if opened is None:
        fail("cannot read the raw block '{{{{'")
    closing = "{{{{/" + opened.group(1) + "}}}}"
    end = source.find(closing, opened.end())
    if end < 0:
        fail(f"raw block '{{{{{{{{{opened.group(1)}}}}}}}}}' is never closed")
    return Text(source[opened.end() : end]), end + len(closing)


def _find_close(source: str, pos: int) -> re.Match[str] | None:
    """The `}}` ending a tag, skipping quoted strings and [literal] segments that may hold one."""
    quote = ""
    i = pos
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'[":
            quote = "]" if char == "[" else char
        elif char == "{" and source.startswith("{{", i):
            return None  # a tag opened inside a tag: Handlebars reports it unclosed too
        else:
            found = _CLOSE.match(source, i)
            if found is not None:
                return found
        i += 1
    return None


def _classify(tag: Tag, fail: Fail) -> None:
    body = tag.body
    sigil = body[:1]
    if sigil == "#":  # `#>name` (partial block) and `#*name` (decorator block) keep their mark
        tag.kind, tag.body = "open", body[1:]
    elif sigil == "/":
        tag.kind, tag.body = "close", body[1:].strip()
    elif sigil == "^":
        rest = body[1:]
        tag.kind, tag.body = ("else", "") if not rest.strip() else ("inverse", rest)
    elif sigil == ">":
        tag.kind, tag.body = "partial", body[1:]
    elif sigil == "&":
        tag.kind, tag.body = "mustache", body[1:]
    elif sigil == "*":
        tag.kind, tag.body = "decorator", body[1:]
    elif re.match(r"\s*else(\s|\Z)", body):
        tag.kind, tag.body = "else", body.strip()[4:]
    else:
        tag.kind = "mustache"
    if not tag.body.strip() and tag.kind in ("open", "inverse", "close", "partial", "mustache"):
        fail(f"empty tag '{tag.source}'")


def block_name(tag: Tag) -> str:
    """What `{{/name}}` must say to close the block `tag` opens."""
    words = tag.body.strip().lstrip(">*").split(None, 1)
    return words[0] if words else ""


# --- the tree of blocks ---------------------------------------------------------------------


def build(nodes: Sequence[Node], where: str) -> Program:
    program, _end, stop = _program_until(nodes, 0, where, 0)
    if stop is not None:
        problem = "outside any block" if stop.kind == "else" else "closes no open block"
        raise UsageError(f"{where}:{stop.line}: '{stop.source}' {problem}")
    return program


def _program_until(
    nodes: Sequence[Node], pos: int, where: str, depth: int
) -> tuple[Program, int, Tag | None]:
    """Items up to the `{{else}}` or `{{/...}}` that ends them (None at the end of input)."""
    body: list[Item] = []
    while pos < len(nodes):
        node = nodes[pos]
        if isinstance(node, Tag) and node.kind in ("else", "close"):
            return Program(body), pos, node
        if isinstance(node, Tag) and node.kind in ("open", "inverse"):
            if depth >= _MAX_DEPTH:
                raise UsageError(f"{where}:{node.line}: blocks nested more than {_MAX_DEPTH} deep")
            block, pos = _block_rest(
                nodes, pos + 1, node, name=block_name(node), where=where, depth=depth + 1
            )
            body.append(block)
            continue
        body.append(node)
        pos += 1
    return Program(body), pos, None


def _block_rest(
    nodes: Sequence[Node], pos: int, opener: Tag, *, name: str, where: str, depth: int
) -> tuple[Block, int]:
    program, pos, stop = _program_until(nodes, pos, where, depth)
    if stop is None:
        raise UsageError(f"{where}:{opener.line}: '{opener.source}' is never closed")
    if stop.kind == "close":
        _check_close(stop, name, opener, where)
        return Block(opener, program, None, None, stop), pos + 1
    if stop.body.strip():  # `{{else if x}}` opens a block of its own, closed with this one
        inner, pos = _block_rest(nodes, pos + 1, stop, name=name, where=where, depth=depth)
        return Block(opener, program, Program([inner], chained=True), stop, inner.close), pos
    inverse, pos, end = _program_until(nodes, pos + 1, where, depth)
    if end is None:
        raise UsageError(f"{where}:{opener.line}: '{opener.source}' is never closed")
    if end.kind == "else":
        raise UsageError(f"{where}:{end.line}: a second '{{{{else}}}}' in '{opener.source}'")
    _check_close(end, name, opener, where)
    return Block(opener, program, inverse, stop, end), pos + 1


def _check_close(close: Tag, name: str, opener: Tag, where: str) -> None:
    if close.body != name:
        raise UsageError(
            f"{where}:{close.line}: '{close.source}' closes '{opener.source}' "
            f"opened on line {opener.line}"
        )


# --- whitespace control (handlebars.js compiler/whitespace-control.js) ----------------------

_PREV_WS = re.compile(r"(?:^|\S)[^\S\n]*\n\s*\Z")
_PREV_WS_ROOT = re.compile(r"\A\s*\Z|(?:^|\S)[^\S\n]*\n\s*\Z")
_NEXT_WS = re.compile(r"\s*?\r?\n")
_NEXT_WS_ROOT = re.compile(r"\s*?(?:\r?\n|\Z)")


@dataclass(slots=True)
class _Strip:
    open: bool
    close: bool
    open_standalone: bool = False
    close_standalone: bool = False
    inline_standalone: bool = False


def control_whitespace(program: Program) -> None:
    _program(program, is_root=True)


def _program(program: Program, is_root: bool) -> None:
    body = program.body
    for index, current in enumerate(body):
        strip = _accept(current)
        if strip is None:
            continue
        prev_ws = _is_prev_whitespace(body, index, is_root)
        next_ws = _is_next_whitespace(body, index, is_root)
        if strip.close:
            _omit_right(body, index, multiple=True)
        if strip.open:
            _omit_left(body, index, multiple=True)
        if strip.inline_standalone and prev_ws and next_ws:
            _omit_right(body, index)
            _omit_left(body, index)
        if isinstance(current, Block) and strip.open_standalone and prev_ws:
            _omit_right(current.program.body, None)
            _omit_left(body, index)
        if isinstance(current, Block) and strip.close_standalone and next_ws:
            _omit_right(body, index)
            _omit_left((current.inverse or current.program).body, None)


def _accept(item: Item) -> _Strip | None:
    if isinstance(item, Block):
        return _block(item)
    if isinstance(item, Tag) and item.kind in ("comment", "partial"):
        return _Strip(item.strip_left, item.strip_right, inline_standalone=True)
    if isinstance(item, Tag):
        return _Strip(item.strip_left, item.strip_right)
    return None


def _block(block: Block) -> _Strip:
    _program(block.program, is_root=False)
    if block.inverse is not None:
        _program(block.inverse, is_root=False)
    program, inverse = block.program, block.inverse
    first = last = inverse
    if inverse is not None and inverse.chained:
        first = _chained(inverse).program
        last = inverse
        while last.chained:
            last = _chained(last, last=True).program
    strip = _Strip(
        open=block.open.strip_left,
        close=block.close.strip_right,
        open_standalone=_is_next_whitespace(program.body, None, False),
        close_standalone=_is_prev_whitespace((first or program).body, None, False),
    )
    if block.open.strip_right:
        _omit_right(program.body, None, multiple=True)
    if inverse is not None and first is not None and last is not None:
        else_tag = block.else_tag
        if else_tag is not None and else_tag.strip_left:
            _omit_left(program.body, None, multiple=True)
        if else_tag is not None and else_tag.strip_right:
            _omit_right(first.body, None, multiple=True)
        if block.close.strip_left:
            _omit_left(last.body, None, multiple=True)
        if _is_prev_whitespace(program.body, None, False) and _is_next_whitespace(
            first.body, None, False
        ):
            _omit_left(program.body, None)
            _omit_right(first.body, None)
    elif block.close.strip_left:
        _omit_left(program.body, None, multiple=True)
    return strip


def _chained(program: Program, last: bool = False) -> Block:
    item = program.body[-1 if last else 0]
    assert isinstance(item, Block)  # a chained inverse holds just the `{{else if}}` block
    return item


def _is_prev_whitespace(body: Sequence[Item], index: int | None, is_root: bool) -> bool:
    index = len(body) if index is None else index
    prev = body[index - 1] if index >= 1 else None
    if prev is None:
        return is_root
    if isinstance(prev, Text):
        pattern = _PREV_WS if index >= 2 or not is_root else _PREV_WS_ROOT
        return pattern.search(prev.original) is not None
    return False


def _is_next_whitespace(body: Sequence[Item], index: int | None, is_root: bool) -> bool:
    index = -1 if index is None else index
    nxt = body[index + 1] if index + 1 < len(body) else None
    if nxt is None:
        return is_root
    if isinstance(nxt, Text):
        pattern = _NEXT_WS if index + 2 < len(body) or not is_root else _NEXT_WS_ROOT
        return pattern.match(nxt.original) is not None
    return False


def _omit_right(body: Sequence[Item], index: int | None, multiple: bool = False) -> None:
    position = 0 if index is None else index + 1
    current = body[position] if position < len(body) else None
    if not isinstance(current, Text) or (not multiple and current.right_stripped):
        return
    before = current.value
    current.value = re.sub(r"\A\s+" if multiple else r"\A[ \t]*\r?\n?", "", before, count=1)
    current.right_stripped = current.value != before


def _omit_left(body: Sequence[Item], index: int | None, multiple: bool = False) -> None:
    position = len(body) - 1 if index is None else index - 1
    current = body[position] if 0 <= position < len(body) else None
    if not isinstance(current, Text) or (not multiple and current.left_stripped):
        return
    before = current.value
    current.value = before.rstrip() if multiple else before.rstrip(" \t")
    current.left_stripped = current.value != before


# --- expressions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Path:
    raw: str
    data: bool  # `@index`, `@root.x`
    depth: int  # leading `../`
    this: bool  # `this`, `.`, `./x`, `this.x`
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lit:
    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Sub:
    raw: str  # a `(helper ...)` subexpression


Param = Path | Lit | Sub


@dataclass(frozen=True, slots=True)
class Call:
    head: Param
    params: tuple[Param, ...] = ()
    hash: tuple[str, ...] = ()  # the keys only: no helper read here takes any
    block_params: tuple[str, ...] = ()

    @property
    def helper(self) -> str:
        """The head's name when it is a plain one-part path, else ""."""
        head = self.head
        plain = isinstance(head, Path) and not head.data and not head.this and not head.depth
        return head.raw if isinstance(head, Path) and plain and len(head.parts) == 1 else ""


def parse_call(text: str, fail: Fail) -> Call:
    items: list[Param] = []
    hash_keys: list[str] = []
    block_params: tuple[str, ...] = ()
    pos = 0
    expression = text.strip()

    def fail_in(problem: str) -> NoReturn:
        fail(f"{problem} in '{expression}'")

    while pos < len(text):
        found = _EXPR_TOKEN.match(text, pos)
        if found is None:
            fail(f"cannot read the Handlebars expression '{text.strip()}'")
        kind, pos = found.lastgroup, found.end()
        if kind == "ws":
            continue
        if block_params:
            fail(f"'as |...|' must end the expression '{text.strip()}'")
        if kind == "sub":
            end = _matching_paren(text, found.start(), fail)
            items.append(Sub(text[found.start() : end]))
            pos = end
        elif kind == "string":
            raw = found.group()
            items.append(Lit(raw[1:-1].replace("\\" + raw[0], raw[0])))
        elif kind == "params":
            block_params = tuple(found.group()[2:].strip()[1:-1].split())
        elif kind == "hash":
            hash_keys.append(found.group("hash"))
            value = _EXPR_TOKEN.match(text, pos)
            if value is None or value.lastgroup in ("ws", "hash", "params"):
                fail(f"'{found.group('hash')}=' has no value in '{text.strip()}'")
        elif kind == "number":
            raw = found.group()
            items.append(Lit(float(raw) if "." in raw else int(raw)))
        else:
            items.append(_literal_or_path(found.group(), fail_in))
    if not items:
        fail(f"empty expression '{text}'")
    return Call(items[0], tuple(items[1:]), tuple(hash_keys), block_params)


def _matching_paren(text: str, start: int, fail: Fail) -> int:
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote and text[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return fail(f"unbalanced '(' in '{text.strip()}'")


_LITERALS = {"true": Lit(True), "false": Lit(False), "null": Lit(None), "undefined": Lit(None)}


def _literal_or_path(raw: str, fail: Fail) -> Param:
    if raw in _LITERALS:
        return _LITERALS[raw]
    data = raw.startswith("@")
    rest = raw[1:] if data else raw
    depth = 0
    while rest.startswith("../"):
        depth, rest = depth + 1, rest[3:]
    this = False
    if rest == "..":
        depth, this, rest = depth + 1, True, ""
    elif rest in (".", "this"):
        this, rest = True, ""
    else:
        for prefix in ("./", "this/", "this."):
            if rest.startswith(prefix):
                this, rest = True, rest[len(prefix) :]
                break
    parts: list[str] = []
    pos = 0
    while pos < len(rest):
        found = _SEGMENT.match(rest, pos)
        if found is None or found.group(2) in ("this", ".."):
            fail(f"invalid path '{raw}'")
        literal = found.group(1)
        parts.append(literal.replace("\\]", "]") if literal is not None else found.group(2))
        pos = found.end()
        if pos < len(rest):
            if rest[pos] not in "./" or pos + 1 == len(rest):
                fail(f"invalid path '{raw}'")
            pos += 1
    if not parts and not this:
        fail(f"invalid path '{raw}'")
    return Path(raw, data, depth, this, tuple(parts))
