"""Syntax colouring for prompt templates and JSON, driven by Pygments lexers.

Follows Spyder's Pygments highlighter: a lexer cuts each block (line) into tokens, and each token
type gets a QTextCharFormat built once from a Pygments style and cached. Plain text tokens get no
format at all, so prose keeps the editor's own colour in light and dark themes.

A template tag may span lines (`{# a long note #}`, `{% set x = ... %}`). The template lexer is
an ExtendedRegexLexer, whose context keeps the state stack it ends a line in; that stack is
stored as the block state, and the next line resumes from it.

Import cost (measured, Qt already loaded): pygments.lexer and pygments.token load with this
module, about 6 ms; the first highlighter compiles its lexer and loads a style, about 15 ms; the
JSON lexer, loaded by the first JsonHighlighter, about 5 ms more.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from pygments.lexer import ExtendedRegexLexer, Lexer, LexerContext, default, include, words
from pygments.style import Style
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Other,
    String,
    Text,
    Token,
    _TokenType,
    is_token_subtype,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

_Tokens = Iterable[tuple[int, _TokenType, str]]

_JINJA_WORDS = (
    "if", "elif", "else", "endif", "for", "endfor", "in", "set", "endset", "macro", "endmacro",
    "call", "endcall", "filter", "endfilter", "with", "endwith", "raw", "endraw", "and", "or",
    "not", "is", "true", "false", "none", "True", "False", "None",
)  # fmt: skip


class PromptTemplateLexer(ExtendedRegexLexer):
    """Prose with Jinja2 tags; everything outside a tag is plain text."""

    name = "Prompt template"

    tokens = {  # noqa: RUF012 (Pygments reads this class attribute as it is)
        "root": [
            (r"\{#-?", Comment.Multiline, "comment"),
            (r"\{\{-?", Comment.Preproc, "variable"),
            (r"\{%-?", Comment.Preproc, "block"),
            (r"[^{]+", Text),
            (r"\{", Text),
        ],
        "comment": [
            (r"-?#\}", Comment.Multiline, "#pop"),
            (r"[^#-]+|[#-]", Comment.Multiline),
        ],
        "variable": [
            (r"-?\}\}", Comment.Preproc, "#pop"),
            include("expression"),
        ],
        "block": [
            (r"-?%\}", Comment.Preproc, "#pop"),
            include("expression"),
        ],
        "filter": [
            (r"\s+", Text.Whitespace),
            (r"\w+", Name.Function, "#pop"),
            default("#pop"),
        ],
        "expression": [
            (r"\s+", Text.Whitespace),
            (r"\"[^\"\n]*\"?|'[^'\n]*'?", String),
            (r"\d+(\.\d+)?", Number),
            (words(_JINJA_WORDS, suffix=r"\b"), Keyword),
            (r"\|", Operator, "filter"),
            (r"\w+", Name.Variable),
            (r"[^\s\w]", Operator),
        ],
    }


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours a document with `lexer`; `style` names a Pygments style (default: by palette)."""

    def __init__(self, document: QTextDocument, lexer: Lexer, style: str | None = None) -> None:
        from pygments.styles import get_style_by_name  # noqa: PLC0415 (loads on first use)

        # Qt colours the document on the next event-loop pass, after these are set. Edits are
        # reported only by a document with a layout: asking for it makes one on a bare document.
        document.documentLayout()
        super().__init__(document)
        self._lexer = lexer
        self._style: type[Style] = get_style_by_name(style or _style_for_palette())
        self._formats: dict[_TokenType, QTextCharFormat | None] = {}
        # Lexer state stacks seen at line ends, numbered for QTextBlock.userState.
        self._stacks: list[tuple[str, ...]] = [("root",)]

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        offsets = _utf16_offsets(text)
        for index, token, value in self._tokens(text):
            char_format = self._format(token)
            if char_format is None:
                continue
            start = offsets[index] if offsets else index
            end = offsets[index + len(value)] if offsets else index + len(value)
            self.setFormat(start, end - start, char_format)

    def _tokens(self, text: str) -> _Tokens:
        if not isinstance(self._lexer, ExtendedRegexLexer):
            return self._lexer.get_tokens_unprocessed(text)
        return self._resumed(self._lexer, text)

    def _resumed(
        self, lexer: ExtendedRegexLexer, text: str
    ) -> Iterator[tuple[int, _TokenType, str]]:
        state = self.previousBlockState()
        stack = list(self._stacks[state] if 0 <= state < len(self._stacks) else ("root",))
        context = LexerContext(text, 0, stack=stack)
        yield from lexer.get_tokens_unprocessed(context=context)
        ended = tuple(context.stack)
        if ended not in self._stacks:
            self._stacks.append(ended)
        self.setCurrentBlockState(self._stacks.index(ended))

    def _format(self, token: _TokenType) -> QTextCharFormat | None:
        if token not in self._formats:
            self._formats[token] = self._build_format(token)
        return self._formats[token]

    def _build_format(self, token: _TokenType) -> QTextCharFormat | None:
        if token is Token or is_token_subtype(token, Text) or is_token_subtype(token, Other):
            return None  # prose and whitespace keep the document's own colour
        style = self._style.style_for_token(token)
        if not (style["color"] or style["bgcolor"] or style["bold"] or style["italic"]):
            return None
        char_format = QTextCharFormat()
        if style["color"]:
            char_format.setForeground(QColor(f"#{style['color']}"))
        if style["bgcolor"]:
            char_format.setBackground(QColor(f"#{style['bgcolor']}"))
        if style["bold"]:
            char_format.setFontWeight(QFont.Weight.Bold)
        if style["italic"]:
            char_format.setFontItalic(True)
        if style["underline"]:
            char_format.setFontUnderline(True)
        return char_format


class TemplateHighlighter(PygmentsHighlighter):
    """Makes Jinja2 `{{ variables }}`, `{% blocks %}` and `{# comments #}` stand out in prose."""

    def __init__(self, document: QTextDocument, style: str | None = None) -> None:
        super().__init__(document, PromptTemplateLexer(), style)


class JsonHighlighter(PygmentsHighlighter):
    """Colours JSON keys, strings, numbers and constants (one line at a time: JSON strings
    cannot span lines)."""

    def __init__(self, document: QTextDocument, style: str | None = None) -> None:
        from pygments.lexers.data import JsonLexer  # noqa: PLC0415 (loads on first use)

        super().__init__(document, JsonLexer(), style)


def _style_for_palette() -> str:
    """A Pygments style readable on the application's text background."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return "github-dark" if base.lightness() < 128 else "default"


def _utf16_offsets(text: str) -> list[int]:
    """Qt counts UTF-16 units, Python code points: map one to the other when they differ
    (characters beyond the BMP, such as emoji, take two units). Empty when they agree."""
    if text.isascii() or len(text.encode("utf-16-le")) == 2 * len(text):
        return []
    units = (2 if ord(char) > 0xFFFF else 1 for char in text)
    return list(itertools.accumulate(units, initial=0))
