"""JavaScript regular expressions run with Python's `re`, as promptfoo's `new RegExp(value)` would.

The pattern is translated, then compiled with `re.ASCII` (JavaScript's \\d, \\w and \\b are ASCII):
`$` matches only at the very end (Python's also matches before a final newline), `.` stops at
\\r, U+2028 and U+2029 too, \\s is JavaScript's set, `(?<name>` and `\\k<name>` become Python's
spelling, an identity escape like `\\a` is the letter, `\\cX` a control character, `{` is literal
unless it makes a quantifier, `[^]` matches anything and `[]` nothing. Syntax JavaScript refuses
but Python accepts (possessive `a*+`, atomic `(?>`, inline flags, `(?P`) is refused. Python
still refuses variable-width lookbehind, which JavaScript allows: that pattern fails as invalid.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from workbench.checks_js import JS_SPACE

_SPACE = "".join(f"\\u{ord(char):04x}" for char in JS_SPACE)
_ANY_BUT_LINE_END = "[^\\n\\r\\u2028\\u2029]"
_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z_]\w*)>")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_BRACED_HEX = re.compile(r"\{([0-9A-Fa-f]+)\}")
_KNOWN_LETTER_ESCAPES = frozenset("bBdDwWtnrfv")
_SYNTAX = frozenset("^$\\.*+?()[]{}|/-")


class JsRegexError(ValueError):
    """A pattern JavaScript (or, for the few cases above, Python) cannot compile."""


@lru_cache(maxsize=1024)
def compile_js_regex(source: str, unicode: bool = False) -> re.Pattern[str]:
    """Compile `source` as `new RegExp(source)` (or with the `u` flag when `unicode`)."""
    translated = _Translation(source, unicode).run()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" notices about valid classes
            return re.compile(translated, re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:
        raise JsRegexError(str(exc)) from exc


class _Translation:
    def __init__(self, source: str, unicode: bool) -> None:
        self.source = source
        self.unicode = unicode
        self.named = bool(_NAMED_GROUP.search(source))
        self.out: list[str] = []
        self.i = 0
        self.in_class = False

    def run(self) -> str:
        while self.i < len(self.source):
            char = self.source[self.i]
            if char == "\\":
                self._escape()
            elif self.in_class:
                self._class_char(char)
            else:
                self._char(char)
        return "".join(self.out)

    def _emit(self, text: str, width: int = 1) -> None:
        self.out.append(text)
        self.i += width

    def _class_char(self, char: str) -> None:
        if char == "]":
            self.in_class = False
            self._emit("]")
        else:
            # Escaped so Python never reads "[", "&&", "~~" or "||" as set operations.
            self._emit("\\" + char if char in "[&~|" else char)

    def _char(self, char: str) -> None:
        rest = self.source[self.i :]
        if char == "[":
            if rest.startswith("[^]"):
                self._emit("[\\s\\S]", 3)
            elif rest.startswith("[]"):
                self._emit("(?!)", 2)
            else:
                self.in_class = True
                self._emit(
                    "[^" if rest.startswith("[^") else "[", 2 if rest.startswith("[^") else 1
                )
        elif char == "$":
            self._emit("\\Z")
        elif char == ".":
            self._emit(_ANY_BUT_LINE_END)
        elif char == "(":
            self._group(rest)
        elif char in "*+?":
            self._emit(char)
            self._after_quantifier()
        elif char == "{":
            match = _QUANTIFIER.match(rest)
            if match:
                self._emit(match.group(), len(match.group()))
                self._after_quantifier()
            else:
                self._emit("\\{")
        else:
            self._emit(char)

    def _after_quantifier(self) -> None:
        if self.source.startswith("?", self.i):
            self._emit("?")  # lazy
        if self.source.startswith("+", self.i):
            raise JsRegexError("Nothing to repeat")  # Python would read a possessive quantifier

    def _group(self, rest: str) -> None:
        if not rest.startswith("(?"):
            self._emit("(")
            return
        for opening in ("(?:", "(?=", "(?!", "(?<=", "(?<!"):
            if rest.startswith(opening):
                self._emit(opening, len(opening))
                return
        named = _NAMED_GROUP.match(rest)
        if named is None:
            raise JsRegexError(f"Invalid group {rest[:4]!r}")
        self._emit(f"(?P<{named.group(1)}>", len(named.group()))

    def _escape(self) -> None:  # noqa: PLR0912 - one branch per JavaScript escape
        source, i = self.source, self.i
        if i + 1 >= len(source):
            raise JsRegexError("\\ at end of pattern")
        char = source[i + 1]
        after = source[i + 2 :]
        if char == "s":
            self._emit(_SPACE if self.in_class else f"[{_SPACE}]", 2)
        elif char == "S" and not self.in_class:
            self._emit(f"[^{_SPACE}]", 2)
        elif char in _KNOWN_LETTER_ESCAPES or char == "S" or char.isdigit():
            self._emit("\\" + char, 2)
        elif char == "c" and after[:1].isascii() and after[:1].isalpha():
            self._emit(f"\\x{ord(after[0]) % 32:02x}", 3)
        elif char == "x" and _HEX2.match(after):
            self._emit("\\x" + after[:2], 4)
        elif char == "u" and _HEX4.match(after):
            self._unicode_escape(after)
        elif char == "u" and self.unicode and _BRACED_HEX.match(after):
            braced = _BRACED_HEX.match(after)
            assert braced is not None
            self._emit(f"\\U{int(braced.group(1), 16):08x}", 2 + len(braced.group()))
        elif char == "k" and self.named and after.startswith("<") and ">" in after:
            name = after[1 : after.index(">")]
            self._emit(f"(?P={name})", 4 + len(name))
        elif char in "pP" and self.unicode:
            raise JsRegexError("Unicode property escapes (\\p{...}) are not supported")
        elif self.unicode and char not in _SYNTAX:
            raise JsRegexError(f"Invalid escape \\{char}")
        elif char.isascii() and char.isalpha():
            self._emit(char, 2)  # an identity escape: "\a" is "a" in JavaScript
        else:
            self._emit(re.escape(char), 2)

    def _unicode_escape(self, after: str) -> None:
        high = int(after[:4], 16)
        pair = after[4:10]
        if 0xD800 <= high <= 0xDBFF and pair.startswith("\\u") and _HEX4.match(pair[2:]):
            low = int(pair[2:6], 16)
            if 0xDC00 <= low <= 0xDFFF:  # a surrogate pair is one character in Python
                code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                self._emit(f"\\U{code:08x}", 12)
                return
        self._emit(f"\\u{high:04x}", 6)
