"""Handlebars (Dotprompt's template language) to Jinja2 and back, for what maps cleanly.

Read: paths (`name`, `a.b`, `this`, `../x`, `@root.x`), `{{#if}}`/`{{else}}`/`{{else if}}`,
`{{#unless}}`, `{{#each}}` with `this`, `@index`, `@first`, `@last` and `as |item index|`,
Dotprompt's `{{#ifEquals}}`/`{{#unlessEquals}}`, and comments. Whitespace is settled the way
handlebars.js settles it (see `handlebars_syntax`), so the Jinja2 renders the same text. Dotprompt
role markers (`{{role "user"}}`) split the text into sections. What has no Jinja2 equivalent
(partials, `{{media}}`, `{{history}}`, `{{json}}`, custom helpers, `{{#with}}`...) is left out and
named in a note.

Inside `{{#each}}` the item is the Jinja2 loop variable `this` (`this2`, `this3` when nested)
unless the block names it with `as |item|`. Writing goes the other way for the same subset; a
template using anything else (filters, `{% set %}`, macros...) cannot be written and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from workbench.errors import UsageError
from workbench.formats.handlebars_syntax import (
    ID_ONLY,
    Block,
    Call,
    Fail,
    Lit,
    Node,
    Param,
    Path,
    Program,
    Sub,
    Tag,
    Text,
    block_name,
    build,
    control_whitespace,
    parse,
    parse_call,
    read_tag,
)
from workbench.formats.jinja_text import (
    JinjaPiece,
    JinjaText,
    Notes,
    is_jinja_name,
    jinja_pieces,
    jinja_string,
    jinja_string_value,
)

# Handlebars' own helpers and Dotprompt's: `{{name}}` calls them instead of reading a variable.
_HANDLEBARS_HELPERS = ("if", "unless", "each", "with", "lookup", "log", "helperMissing")
_DOTPROMPT_HELPERS = ("role", "history", "section", "media", "json", "ifEquals", "unlessEquals")
HELPERS = frozenset((*_HANDLEBARS_HELPERS, "blockHelperMissing", *_DOTPROMPT_HELPERS))
_TESTS = ("if", "unless", "ifEquals", "unlessEquals")


@dataclass(frozen=True, slots=True)
class Section:
    """Text between Dotprompt role markers, as Jinja2; `role` None before the first marker."""

    role: str | None
    text: str
    line: int


def handlebars_to_jinja(
    source: str, where: str, first_line: int = 1
) -> tuple[list[Section], Notes]:
    """Translate a Dotprompt body; `where` and `first_line` place errors in the file."""
    translator = _Translator(where)
    translator.sections.append((None, first_line, JinjaText()))
    translator.program(parse(source, where, first_line))
    sections = [Section(role, out.text(), line) for role, line, out in translator.sections]
    return sections, translator.notes


# --- reading: the tree to Jinja2 ------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    var: str  # the Jinja2 loop variable holding the item
    alias: str | None  # `as |alias index|`
    index_alias: str | None


@dataclass(slots=True)
class _Translator:
    where: str
    notes: Notes = field(default_factory=Notes)
    sections: list[tuple[str | None, int, JinjaText]] = field(default_factory=list)
    scopes: list[_Scope] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # open blocks, for role markers inside them

    @property
    def out(self) -> JinjaText:
        return self.sections[-1][2]

    def fail(self, line: int, problem: str) -> NoReturn:
        raise UsageError(f"{self.where}:{line}: {problem}")

    def call(self, tag: Tag, text: str | None = None) -> Call:
        return parse_call(tag.body if text is None else text, lambda p: self.fail(tag.line, p))

    def program(self, program: Program) -> None:
        for item in program.body:
            if isinstance(item, Text):
                self.out.literal(item.value)
            elif isinstance(item, Block):
                self.block(item)
            elif item.kind == "mustache":
                self.mustache(item)
            elif item.kind == "comment":
                self.comment(item)
            elif item.kind == "partial":
                label = block_name(item)
                self.notes.add(f"partial '{{{{> {label}}}}}' not supported", item.line)
            else:
                self.notes.add(f"decorator '{{{{*{block_name(item)}}}}}' not supported", item.line)

    def mustache(self, tag: Tag) -> None:
        call = self.call(tag)
        helper = call.helper
        if helper == "role" and call.params:
            self.role(tag, call)
        elif helper == "history" and not call.params:
            # Dotprompt puts the conversation here, then what follows is the model's turn
            self.notes.add("helper '{{history}}' not supported", tag.line)
            if not self.blocks:
                self.sections.append(("model", tag.line, JinjaText()))
        elif not isinstance(call.head, Path) or helper in HELPERS or call.params or call.hash:
            label = helper or tag.body.strip()
            self.notes.add(f"helper '{{{{{label}}}}}' not supported", tag.line)
        else:
            expr = self.value(call.head, tag.line)
            if expr is None:
                return
            if expr in ("loop.first", "loop.last"):
                expr += "|lower"  # Handlebars prints true/false, Jinja2 True/False
            body = tag.body
            lead = body[: len(body) - len(body.lstrip())]
            self.out.tag("{{" + lead + expr + body[len(body.rstrip()) :] + "}}")

    def role(self, tag: Tag, call: Call) -> None:
        role = call.params[0]
        if not isinstance(role, Lit) or not isinstance(role.value, str) or len(call.params) > 1:
            self.fail(tag.line, f"'{tag.source}' needs one quoted role name")
        if self.blocks:
            inside = f"'{{{{#{self.blocks[-1]}}}}}'"
            self.notes.add(f"role marker {tag.source} inside {inside} not supported", tag.line)
            return
        self.sections.append((role.value, tag.line, JinjaText()))

    def comment(self, tag: Tag) -> None:
        text = tag.body
        if not text:
            return
        if "#}" in text:
            self.notes.add("comment holding '#}' not supported", tag.line)
            return
        # `{#-`/`{#+` and `-#}` are Jinja2 whitespace control: keep a comment from reading as one
        text = (" " if text[0] in "-+" else "") + text + (" " if text.endswith("-") else "")
        self.out.tag("{#" + text + "#}")

    def value(self, param: Param, line: int) -> str | None:
        """A parameter as a Jinja2 expression, or None (with a note) when it has none."""
        if isinstance(param, Lit):
            return _jinja_literal(param.value)
        if isinstance(param, Sub):
            self.notes.add(f"subexpression '{param.raw}' not supported", line)
            return None
        expr = self.data_path(param) if param.data else self.path(param)
        if expr is None:
            self.notes.add(f"path '{{{{{param.raw}}}}}' not supported", line)
        return expr

    def data_path(self, path: Path) -> str | None:
        """`@root.x`, and `@index`/`@first`/`@last` inside `{{#each}}`."""
        parts = path.parts
        if path.depth or not parts:
            return None
        if parts[0] == "root":
            return self.root_path(parts[1:])
        loop_fields = {"index": "loop.index0", "first": "loop.first", "last": "loop.last"}
        if len(parts) == 1 and parts[0] in loop_fields and self.scopes:
            return loop_fields[parts[0]]
        return None

    def path(self, path: Path) -> str | None:
        parts = path.parts
        if path.depth or path.this:
            level = len(self.scopes) - 1 - path.depth
            if level < 0:
                return self.root_path(parts) if parts else None
            return self.scopes[level].var + _suffix(parts)
        for depth, scope in enumerate(reversed(self.scopes)):
            if parts[0] == scope.alias:
                return scope.var + _suffix(parts[1:])
            if parts[0] == scope.index_alias and len(parts) == 1:
                return "loop.index0" if depth == 0 else None
        if self.scopes:
            return self.scopes[-1].var + _suffix(parts)
        return self.root_path(parts)

    def root_path(self, parts: tuple[str, ...]) -> str | None:
        if not parts or not is_jinja_name(parts[0]):
            return None
        if parts[0] == "loop" or any(scope.var == parts[0] for scope in self.scopes):
            return None  # hidden by a loop variable of the same name
        return parts[0] + _suffix(parts[1:])

    def test(self, tag: Tag, call: Call) -> str | None:
        """`if x`, `unless x`, `ifEquals a b` as a Jinja2 test; None (noted) when unsupported."""
        helper = call.helper
        if helper not in _TESTS:
            return None
        arity = 2 if helper in ("ifEquals", "unlessEquals") else 1
        if len(call.params) != arity or call.block_params:
            self.fail(tag.line, f"'{{{{#{helper}}}}}' takes {arity} value(s): '{tag.source}'")
        if call.hash:
            options = " ".join(key + "=" for key in call.hash)
            self.notes.add(f"'{options}' of '{{{{#{helper}}}}}' ignored", tag.line)
        values = [self.value(param, tag.line) for param in call.params]
        if None in values:
            return None
        if helper == "if":
            return str(values[0])
        if helper == "unless":
            return f"not {values[0]}"
        return f"{values[0]} {'==' if helper == 'ifEquals' else '!='} {values[1]}"

    def block(self, block: Block) -> None:
        tag = block.open
        body = tag.body.lstrip()
        if body.startswith("*"):  # a decorator block (`{{#*inline}}`) renders nothing here
            self.notes.add(f"decorator '{{{{#*{block_name(tag)}}}}}' not supported", tag.line)
            return
        if body.startswith(">"):
            self.notes.add(f"partial block '{{{{#> {block_name(tag)}}}}}' not supported", tag.line)
            self.kept(block)
            return
        call = self.call(tag)
        if tag.kind == "inverse":  # `{{^x}}` renders when x is falsy
            call = Call(Path("unless", False, 0, False, ("unless",)), (call.head, *call.params))
        if call.helper == "each":
            self.each(block, call)
        elif call.helper == "role":
            self.role(tag, call)
            self.program(block.program)
            if block.inverse is not None:
                self.notes.add(f"'{{{{else}}}}' in '{tag.source}' not supported", tag.line)
        elif (test := self.test(tag, call)) is not None:
            self.blocks.append(block_name(tag))
            self.out.tag(f"{{% if {test} %}}")
            self.program(block.program)
            self.inverse(block, chain_elif=True)
            self.out.tag("{% endif %}")
            self.blocks.pop()
        else:
            label = block_name(tag) or tag.body.strip()
            self.notes.add(f"block helper '{{{{#{label}}}}}' not supported", tag.line)
            self.kept(block)

    def kept(self, block: Block) -> None:
        """An unsupported block: its tags dropped, the text of both branches kept."""
        self.blocks.append(block_name(block.open))
        self.program(block.program)
        if block.inverse is not None:
            self.program(block.inverse)
        self.blocks.pop()

    def inverse(self, block: Block, chain_elif: bool) -> None:
        """`{{else}}` (or an `{{else if}}` chain): elif where Jinja2 allows it, else nested ifs."""
        inverse = block.inverse
        opened = 0
        while inverse is not None:
            if not inverse.chained:
                self.out.tag("{% else %}")
                self.program(inverse)
                break
            link = inverse.body[0]
            assert isinstance(link, Block)
            test = self.test(link.open, self.call(link.open, link.open.body.strip()))
            if test is None:
                self.fail(link.open.line, f"'{link.open.source}' cannot be read as Jinja2")
            if chain_elif or opened:
                self.out.tag(f"{{% elif {test} %}}")
            else:  # a for loop's else cannot hold elif
                self.out.tag(f"{{% else %}}{{% if {test} %}}")
                opened = 1
            self.program(link.program)
            inverse = link.inverse
        for _ in range(opened):
            self.out.tag("{% endif %}")

    def each(self, block: Block, call: Call) -> None:
        tag = block.open
        if len(call.params) != 1 or len(call.block_params) > 2:
            self.fail(tag.line, f"'{{{{#each}}}}' takes one list: '{tag.source}'")
        if call.hash:
            options = " ".join(key + "=" for key in call.hash)
            self.notes.add(f"'{options}' of '{{{{#each}}}}' ignored", tag.line)
        items = self.value(call.params[0], tag.line)
        if items is None:
            self.notes.add("block helper '{{#each}}' over that value not supported", tag.line)
            self.kept(block)
            return
        alias = call.block_params[0] if call.block_params else None
        index_alias = call.block_params[1] if len(call.block_params) > 1 else None
        depth = len(self.scopes) + 1
        taken = {scope.var for scope in self.scopes}
        named = alias if alias and is_jinja_name(alias) and alias not in taken else None
        var = named or ("this" if depth == 1 else f"this{depth}")
        self.blocks.append("each")
        self.out.tag(f"{{% for {var} in {items} %}}")
        self.scopes.append(_Scope(var, alias, index_alias))
        self.program(block.program)
        self.scopes.pop()  # the else branch renders outside the loop
        self.inverse(block, chain_elif=False)
        self.out.tag("{% endfor %}")
        self.blocks.pop()


def _suffix(parts: Sequence[str]) -> str:
    out = []
    for part in parts:
        if part.isidentifier():
            out.append("." + part)
        elif part.isdigit() and part.isascii():
            out.append(f"[{int(part)}]")
        else:
            out.append(f"[{jinja_string(part)}]")
    return "".join(out)


def _jinja_literal(value: str | int | float | bool | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return jinja_string(value)
    return repr(value)


# --- writing Handlebars from Jinja2 ---------------------------------------------------------

_HB_FIELDS = {"index0": "@index", "first": "@first", "last": "@last"}
_HB_RESERVED = HELPERS | {"this", "null", "undefined", "true", "false", "else"}
_LOOPS = ("each", "each-else")


@dataclass(slots=True)
class _Writer:
    what: str
    nodes: list[Node] = field(default_factory=list)
    loops: list[tuple[str, bool]] = field(default_factory=list)  # (variable, named with as |x|)
    closes: list[str] = field(default_factory=list)

    def fail(self, piece: JinjaPiece, problem: str) -> NoReturn:
        raise UsageError(f"cannot write {self.what} as Dotprompt (line {piece.line}): {problem}")

    def failing(self, piece: JinjaPiece) -> Fail:
        return lambda problem: self.fail(piece, problem)

    def text(self, text: str) -> None:
        if text:
            self.nodes.append(Text(text.replace("{{", "\\{{")))

    def tag(self, piece: JinjaPiece, inner: str) -> None:
        left = "{{~" if piece.strip_left else "{{"
        self.nodes.append(read_tag(left + inner + ("~}}" if piece.strip_right else "}}")))

    def piece(self, piece: JinjaPiece) -> None:
        if piece.kind == "data":
            self.text(piece.text)
        elif piece.kind == "comment":
            content = piece.text
            if "}}" not in content and not content.startswith("--"):
                self.tag(piece, "!" + content)
            elif "--}}" not in content and not content.endswith("-"):
                self.tag(piece, "!--" + content + "--")
            else:
                self.fail(piece, "a comment holding '}}'")
        elif piece.kind == "variable":
            self.variable(piece)
        else:
            self.statement(piece)

    def variable(self, piece: JinjaPiece) -> None:
        core = piece.core
        if len(core) == 1 and core[0][0] == "string":
            self.text(jinja_string_value(core[0][1], self.what))
            return
        if core[-2:] == (("operator", "|"), ("name", "lower")) and core[:2] == (
            ("name", "loop"),
            ("operator", "."),
        ):
            core = core[:-2]  # `loop.first|lower` is how the reader prints `@first`
        lead, trail = piece.padding
        self.tag(piece, lead + self.path(piece, core) + trail)

    def path(self, piece: JinjaPiece, tokens: Sequence[tuple[str, str]]) -> str:
        parts = _token_path(tokens)
        if parts is None:
            self.fail(piece, f"'{piece.source}' has no Handlebars equivalent")
        head, rest = str(parts[0]), parts[1:]
        if head == "loop" and self.loops and len(rest) == 1 and rest[0] in _HB_FIELDS:
            return _HB_FIELDS[str(rest[0])]
        for distance, (var, named) in enumerate(reversed(self.loops)):
            if var == head:
                base = var if named else "../" * distance + "this"
                return base + _hb_suffix(rest, self.failing(piece))
        if head in _HB_RESERVED:
            self.fail(piece, f"the variable '{head}' would read as Handlebars' own '{head}'")
        base = "@root." + head if self.loops else head
        return base + _hb_suffix(rest, self.failing(piece))

    def operand(self, piece: JinjaPiece, tokens: Sequence[tuple[str, str]]) -> str:
        if len(tokens) == 1:
            kind, value = tokens[0]
            if kind == "string":
                text = jinja_string_value(value, self.what)
                if '\\"' in text or text.endswith("\\"):
                    self.fail(piece, f"the string {value} has no Handlebars spelling")
                return '"' + text.replace('"', '\\"') + '"'
            if kind in ("integer", "float"):
                return value.replace("_", "")
            if kind == "name" and value.lower() in ("true", "false", "none"):
                return {"true": "true", "false": "false", "none": "null"}[value.lower()]
        return self.path(piece, tokens)

    def condition(self, piece: JinjaPiece, tokens: Sequence[tuple[str, str]]) -> str:
        """`if` tests as Handlebars helpers: `x`, `not x`, `a == b`, `a != b`."""
        if tokens and tokens[0] == ("name", "not"):
            return "unless " + self.operand(piece, tokens[1:])
        for index, (kind, value) in enumerate(tokens):
            if kind == "operator" and value in ("==", "!="):
                helper = "ifEquals" if value == "==" else "unlessEquals"
                left = self.operand(piece, tokens[:index])
                return f"{helper} {left} {self.operand(piece, tokens[index + 1 :])}"
        return "if " + self.operand(piece, tokens)

    def statement(self, piece: JinjaPiece) -> None:
        core = piece.core
        keyword = core[0][1] if core and core[0][0] == "name" else ""
        in_if = bool(self.closes) and self.closes[-1] not in _LOOPS
        if keyword == "if":
            test = self.condition(piece, core[1:])
            self.tag(piece, "#" + test)
            self.closes.append(test.split(" ", 1)[0])
        elif keyword == "elif" and in_if:
            self.tag(piece, "else " + self.condition(piece, core[1:]))
        elif keyword == "else" and len(core) == 1 and self.closes:
            if self.closes[-1] == "each":  # a for loop's else runs outside the loop
                self.closes[-1] = "each-else"
                self.loops.pop()
            self.tag(piece, "else")
        elif keyword == "endif" and in_if:
            self.tag(piece, "/" + self.closes.pop())
        elif keyword == "for":
            self.open_for(piece, core)
        elif keyword == "endfor" and self.closes and self.closes[-1] in _LOOPS:
            if self.closes.pop() == "each":
                self.loops.pop()
            self.tag(piece, "/each")
        else:
            self.fail(piece, f"'{piece.source}' has no Handlebars equivalent")

    def open_for(self, piece: JinjaPiece, core: Sequence[tuple[str, str]]) -> None:
        if len(core) < 4 or core[1][0] != "name" or core[2] != ("name", "in"):
            self.fail(piece, f"'{piece.source}' has no Handlebars equivalent")
        var = core[1][1]
        items = self.path(piece, core[3:])
        generated = "this" if not self.loops else f"this{len(self.loops) + 1}"
        named = var != generated
        self.tag(piece, f"#each {items}" + (f" as |{var}|" if named else ""))
        self.loops.append((var, named))
        self.closes.append("each")


def _token_path(tokens: Sequence[tuple[str, str]]) -> list[str | int] | None:
    """`a.b[0]["c"]` as its parts; None when the tokens are anything else."""
    if not tokens or tokens[0][0] != "name":
        return None
    parts: list[str | int] = [tokens[0][1]]
    index = 1
    while index < len(tokens):
        kind, value = tokens[index]
        after = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if (kind, value) == ("operator", ".") and after[0] in ("name", "integer"):
            parts.append(after[1] if after[0] == "name" else int(after[1].replace("_", "")))
            index += 2
        elif (kind, value) == ("operator", "[") and index + 2 < len(tokens):
            if tokens[index + 2] != ("operator", "]") or after[0] not in ("string", "integer"):
                return None
            if after[0] == "string":
                parts.append(jinja_string_value(after[1], "template"))
            else:
                parts.append(int(after[1].replace("_", "")))
            index += 3
        else:
            return None
    return parts


def _hb_suffix(parts: Sequence[str | int], fail: Fail) -> str:
    out = []
    for part in parts:
        text = str(part)
        if isinstance(part, int) or ID_ONLY.match(text):
            out.append("." + text)
        elif "]" in text or not text:
            fail(f"the key {text!r} has no Handlebars spelling")
        else:
            out.append(".[" + text + "]")
    return "".join(out)


def _separated(nodes: Sequence[Node], what: str) -> tuple[list[Node], list[str | None]]:
    """Texts merged, and braces kept from running into tags: a `{` before a tag is written
    `{ {{~tag` (the `~` takes the space back) and a `}` after one follows an empty `{{!}}`.
    Also the text each node must read back as (None for tags)."""
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].value + node.value)
        elif not isinstance(node, Text) or node.value:
            merged.append(node)
    for node in merged:
        if isinstance(node, Text) and "\\\\{{" in node.value:
            raise UsageError(f"cannot write {what}: a backslash before a literal '{{{{'")
    out: list[Node] = []
    wanted: list[str | None] = []
    for node in merged:
        last = out[-1] if out else None
        item = node
        if isinstance(node, Tag) and isinstance(last, Text) and last.value.endswith("{"):
            out[-1] = Text(last.value + " ")
            item = node if node.strip_left else read_tag("{{~" + node.source[2:])
        brace_after_tag = isinstance(last, Tag) and last.kind != "comment"
        if isinstance(node, Text) and brace_after_tag and node.value.startswith("}"):
            out.append(read_tag("{{!}}"))  # handlebars.js reads `}}}` as a tag's end
            wanted.append(None)
        out.append(item)
        wanted.append(item.value if isinstance(item, Text) else None)
    return out, wanted


def _cuts(nodes: Sequence[Node], wanted: Sequence[str | None]) -> list[tuple[int, Text]]:
    """The texts that Handlebars' whitespace rules would cut when reading `nodes` back."""
    probe = [Text(node.value) if isinstance(node, Text) else node for node in nodes]
    control_whitespace(build(probe, "written"))
    return [
        (index, node)
        for index, node in enumerate(probe)
        if isinstance(node, Text) and node.value != wanted[index]
    ]


def _render(nodes: list[Node], what: str) -> str:
    """Handlebars source that reads back as `nodes`. Where Handlebars would take a standalone
    tag's line, the text gets one more newline; where it would take the indentation before
    one, an empty `{{!}}` goes beside the tag (two tags on a line are not standalone)."""
    merged, wanted = _separated(nodes, what)
    for _attempt in range(8):
        cuts = _cuts(merged, wanted)
        # a cut at the end of a text is indentation before a standalone tag
        indented = [i for i, probe in cuts if not str(wanted[i]).endswith(probe.value)]
        for index in reversed(indented):  # first, since they end standalone-ness
            merged.insert(index + 2, read_tag("{{!}}"))
            wanted.insert(index + 2, None)
        if not indented:
            for index, probe in cuts:
                merged[index] = Text("\n" + probe.original)
        if not cuts:
            break
    out: list[str] = []
    for index, node in enumerate(merged):
        if isinstance(node, Tag):
            out.append(node.source)
        elif node.value.endswith("\\") and index + 1 < len(merged):
            out.append(node.value + "\\")  # Handlebars reads `\\{{` as `\` and a tag
        else:
            out.append(node.value)
    return "".join(out)


def jinja_to_handlebars(sections: Sequence[tuple[str, str]], what: str) -> str:
    """A Dotprompt body: each (role, Jinja2 text) after a `{{role "..."}}` marker."""
    nodes: list[Node] = []
    for number, (role, text) in enumerate(sections):
        writer = _Writer(f"{what}, {role} message")
        for piece in jinja_pieces(text, writer.what):
            writer.piece(piece)
        if writer.closes:
            raise UsageError(f"cannot write {writer.what}: a block is never closed")
        nodes += [read_tag(f'{{{{role "{role}"}}}}'), Text("\n"), *writer.nodes]
        nodes.append(Text("\n" if number == len(sections) - 1 else "\n\n"))
    return _render(nodes, what)
