"""Jinja2 source as the foreign formats build and take it apart.

Every reader turns its format's template text into Jinja2 (the workbench's template language), and
every writer turns Jinja2 back. This module holds what they share: literal text escaped so Jinja2
reads it as text, the tags of a template cut into pieces for the writers, a syntax check that
names the file's line, a "renders alike" comparison the writers check themselves with, and the
notes that name what could not be carried over.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from jinja2 import nodes

from workbench.errors import UsageError

# Only lexes and parses (to translate and to check); nothing renders with it.
_JINJA = jinja2.Environment(keep_trailing_newline=True)  # noqa: S701 - never renders
_JINJA_OPENERS = re.compile(r"\{[{%#]")
_KEYWORDS = ("and", "or", "not", "in", "is", "if", "else", "elif")
_NOT_NAMES = frozenset((*_KEYWORDS, "true", "false", "none", "True", "False", "None"))


@lru_cache(maxsize=1024)
def is_jinja_name(name: str) -> bool:
    """A name Jinja2 reads as a variable (not a keyword, a constant or a stray Unicode form)."""
    if not name.isidentifier() or name in _NOT_NAMES:
        return False
    try:
        body = _JINJA.parse("{{" + name + "}}").body
    except jinja2.TemplateSyntaxError:
        return False
    expected = nodes.Output([nodes.Name(name, "load")])
    return len(body) == 1 and body[0] == expected


def jinja_string(value: str) -> str:
    """`value` as a Jinja2 string literal (Jinja2 reads Python's escapes)."""
    return repr(value)


def jinja_string_value(raw: str, what: str) -> str:
    """The text of a Jinja2 string literal as the lexer gave it (quotes included)."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError) as exc:
        raise UsageError(f"{what}: cannot read the string {raw}") from exc
    if not isinstance(value, str):
        raise UsageError(f"{what}: cannot read the string {raw}")
    return value


def escape_jinja_text(text: str) -> str:
    """Literal text whose `{{`, `{%` and `{#` Jinja2 would read as tags, written as strings."""
    return _JINJA_OPENERS.sub(lambda found: "{{ '" + found.group() + "' }}", text)


class JinjaText:
    """Jinja2 source built from literal text and tags, escaping what Jinja2 would misread."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._literal: list[str] = []

    def literal(self, text: str) -> None:
        self._literal.append(text)

    def tag(self, source: str) -> None:
        self._flush(before_tag=True)
        self._pieces.append(source)

    def _flush(self, before_tag: bool) -> None:
        text = escape_jinja_text("".join(self._literal))
        self._literal = []
        if before_tag and text.endswith("{"):
            text = text[:-1] + "{{ '{' }}"  # else `{` and the tag's `{{` make `{{{`
        self._pieces.append(text)

    def text(self) -> str:
        self._flush(before_tag=False)
        return "".join(self._pieces)


@dataclass(frozen=True, slots=True)
class JinjaPiece:
    """A run of Jinja2 source: literal data, or one tag with its tokens (whitespace kept)."""

    kind: str  # data, variable, block, comment
    text: str  # the data, or a comment's text
    line: int
    tokens: tuple[tuple[str, str], ...] = ()
    strip_left: bool = False
    strip_right: bool = False

    @property
    def core(self) -> tuple[tuple[str, str], ...]:
        return tuple(token for token in self.tokens if token[0] != "whitespace")

    @property
    def padding(self) -> tuple[str, str]:
        """The whitespace just inside the tag's delimiters."""
        values = [value for _kind, value in self.tokens]
        joined = "".join(values)
        return joined[: len(joined) - len(joined.lstrip())], joined[len(joined.rstrip()) :]

    @property
    def source(self) -> str:
        left, right = {"variable": ("{{", "}}"), "block": ("{%", "%}")}.get(self.kind, ("", ""))
        return left + "".join(value for _kind, value in self.tokens) + right


@lru_cache(maxsize=1024)
def _tree(source: str) -> nodes.Template:
    """The parsed template (cached: readers, writers and their self-checks parse the same text;
    callers only compare trees, never change them)."""
    return _JINJA.parse(source)


def check_jinja(text: str, where: str, first_line: int = 1) -> None:
    """Raise a UsageError at the right line of the file if `text` is not valid Jinja2."""
    try:
        _tree(text)
    except jinja2.TemplateSyntaxError as exc:
        line = first_line + (exc.lineno or 1) - 1
        raise UsageError(f"{where}:{line}: template syntax error: {exc.message}") from exc


def jinja_pieces(source: str, what: str) -> list[JinjaPiece]:
    """`source` cut into data and tags, for the writers; a UsageError if it is not Jinja2."""
    try:
        _tree(source)
        tokens = list(_JINJA.lex(source))
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(
            f"{what}: template syntax error on line {exc.lineno}: {exc.message}"
        ) from exc
    pieces: list[JinjaPiece] = []
    inside: list[tuple[str, str]] = []
    kind, strip_left, start, comment = "", False, 1, ""
    for line, kind_of, value in tokens:
        if kind_of == "data":
            if pieces and pieces[-1].kind == "data":
                pieces[-1] = JinjaPiece("data", pieces[-1].text + value, pieces[-1].line)
            elif value:
                pieces.append(JinjaPiece("data", value, line))
        elif kind_of in ("raw_begin", "raw_end"):
            continue
        elif kind_of.endswith("_begin"):
            kind, strip_left, start, inside, comment = kind_of[:-6], "-" in value, line, [], ""
        elif kind_of.endswith("_end"):
            piece = JinjaPiece(kind, comment, start, tuple(inside), strip_left, value[:1] == "-")
            pieces.append(piece)
        elif kind_of == "comment":
            comment = value
        else:
            inside.append((kind_of, value))
    return pieces


def renders_empty(source: str) -> bool:
    """Whether `source` is only comments and whitespace (valid Jinja2 assumed)."""
    try:
        return not _without_comments(source).strip()
    except jinja2.TemplateSyntaxError:
        return False


def _without_comments(source: str) -> str:
    kept = (value for _line, token, value in _JINJA.lex(source) if not token.startswith("comment"))
    return "".join(kept)


def same_template(left: str, right: str) -> bool:
    """Whether two Jinja2 sources render alike (same syntax tree, comments aside)."""
    try:
        return _tree(_without_comments(left)) == _tree(_without_comments(right))
    except jinja2.TemplateSyntaxError:
        return False


class Notes:
    """What could not be carried over, each named once with the lines it was seen on."""

    def __init__(self) -> None:
        self._lines: dict[str, list[int]] = {}

    def add(self, note: str, line: int | None = None) -> None:
        lines = self._lines.setdefault(note, [])
        if line is not None and line not in lines:
            lines.append(line)

    def as_list(self) -> list[str]:
        out = []
        for note, lines in self._lines.items():
            if not lines:
                out.append(note)
            else:
                label = "line" if len(lines) == 1 else "lines"
                out.append(f"{note} ({label} {', '.join(map(str, lines))})")
        return out
