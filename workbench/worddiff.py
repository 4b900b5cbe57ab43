"""Word-level differences between two texts, for comparing two outputs side by side.

The texts are cut into words, single punctuation marks and runs of whitespace, so the parts
rejoin exactly: "same" + "removed" parts give the left text, "same" + "added" the right one.

difflib's longest-match search costs, per call, the number of equal token pairs between the
sides, so tokens that repeat a lot make it quadratic: with whitespace as tokens of its own, 14 KB
of prose took 4 s, and 20 KB of JSON with repeated keys 25 s. Three things keep it fast:
- a coarse pass first, each word or mark carrying the whitespace after it (no token is then half
  of all tokens), then each replaced stretch re-diffed token by token, so a word followed by
  different whitespace still shows as the same word;
- the common head and tail are cut off before matching;
- when the remaining pairs are many, tokens (or short runs of tokens) that occur once on each
  side anchor the match (the "patience" idea) and difflib runs only on the stretches between
  anchors. A stretch that is both large and without anchors is shown as replaced whole.

Measured on 20 KB texts: two versions of a licence 35 ms, JSON with repeated keys 20 to 50 ms,
one word changed 6 ms; the slowest seen, a text repeating one sentence with every copy edited
(nothing unique to anchor on), 150 to 250 ms.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["same", "removed", "added"]

# Han and kana are written without spaces: each character is a word of its own, or a whole
# sentence would count as one word and every edit would replace all of it.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# A word: letters and digits (combining accents stay inside), or one CJK character.
_WORD = rf"(?:[^\W{_CJK}]|[\u0300-\u036f])+|[{_CJK}]"
_FINE = re.compile(rf"{_WORD}|\s+|.", re.DOTALL)
_COARSE = re.compile(rf"\s+|(?:{_WORD}|.)\s*", re.DOTALL)
# Equal token pairs difflib may visit in one stretch (tens of ms of work), and how deep
# anchoring may recurse before a stretch is shown as replaced whole.
_PAIR_LIMIT = 100_000
_DEPTH_LIMIT = 24
# Anchor on single tokens first; where none is unique (JSON repeats every key and often every
# value), on short sequences of tokens.
_GRAM_SIZES = (1, 2, 4, 8)

# (same, left tokens, right tokens): one aligned stretch.
_Stretch = tuple[bool, Sequence[str], Sequence[str]]


@dataclass(frozen=True)
class DiffPart:
    """One stretch of text that both sides share, or that only one side has."""

    kind: Kind
    text: str


def word_diff(a: str, b: str) -> list[DiffPart]:
    """The word-level differences that turn `a` into `b`, adjacent parts of a kind merged."""
    if a == b:
        return [DiffPart("same", a)] if a else []
    return list(_merge(_word_parts(a, b)))


def diff_counts(parts: Iterable[DiffPart]) -> tuple[int, int]:
    """How many words were removed and added; a punctuation mark counts as a word."""
    removed = added = 0
    for part in parts:
        if part.kind == "same":
            continue
        words = sum(1 for token in _FINE.findall(part.text) if not token.isspace())
        if part.kind == "removed":
            removed += words
        else:
            added += words
    return removed, added


def _word_parts(a: str, b: str) -> Iterator[DiffPart]:
    left, right = _COARSE.findall(a), _COARSE.findall(b)
    # Coarse tokens compare without their trailing whitespace ("word" at the end of a text is the
    # same word as "word " inside one); stretches that then differ are refined token by token,
    # unless they are too large for that to be cheap (they then show as replaced whole).
    i = j = 0
    for same, old, new in _align(_keys(left), _keys(right), 0):
        old_text = "".join(left[i : i + len(old)])
        new_text = "".join(right[j : j + len(new)])
        i, j = i + len(old), j + len(new)
        if old_text == new_text:
            yield DiffPart("same", old_text)
        elif same or (old_text and new_text and len(old) * len(new) <= _PAIR_LIMIT):
            for fine_same, fine_old, fine_new in _align(
                _FINE.findall(old_text), _FINE.findall(new_text), 0
            ):
                yield from _parts(fine_same, "".join(fine_old), "".join(fine_new))
        else:
            yield from _parts(False, old_text, new_text)


def _keys(tokens: Sequence[str]) -> list[str]:
    return [token.rstrip() or token for token in tokens]


def _parts(same: bool, old: str, new: str) -> Iterator[DiffPart]:
    if same:
        yield DiffPart("same", old)
        return
    if old:
        yield DiffPart("removed", old)
    if new:
        yield DiffPart("added", new)


def _align(left: Sequence[str], right: Sequence[str], depth: int) -> Iterator[_Stretch]:
    head = 0
    while head < min(len(left), len(right)) and left[head] == right[head]:
        head += 1
    tail = 0
    while tail < min(len(left), len(right)) - head and left[-1 - tail] == right[-1 - tail]:
        tail += 1
    if head:
        yield True, left[:head], right[:head]
    yield from _align_middle(left[head : len(left) - tail], right[head : len(right) - tail], depth)
    if tail:
        yield True, left[len(left) - tail :], right[len(right) - tail :]


def _align_middle(left: Sequence[str], right: Sequence[str], depth: int) -> Iterator[_Stretch]:
    if not (left and right):
        if left or right:
            yield False, left, right
        return
    left_counts, right_counts = Counter(left), Counter(right)
    pairs = sum(n * right_counts[token] for token, n in left_counts.items())
    if pairs <= _PAIR_LIMIT:
        matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            yield op == "equal", left[i1:i2], right[j1:j2]
        return
    size, anchors = _find_anchors(left, right) if depth < _DEPTH_LIMIT else (1, [])
    if not anchors:
        yield False, left, right
        return
    i0 = j0 = 0
    for i, j in anchors:
        yield from _align(left[i0:i], right[j0:j], depth + 1)
        yield True, left[i : i + size], right[j : j + size]
        i0, j0 = i + size, j + size
    yield from _align(left[i0:], right[j0:], depth + 1)


def _find_anchors(left: Sequence[str], right: Sequence[str]) -> tuple[int, list[tuple[int, int]]]:
    for size in _GRAM_SIZES:
        anchors = _anchors(left, right, size)
        if anchors:
            return size, anchors
    return 1, []


def _anchors(left: Sequence[str], right: Sequence[str], size: int) -> list[tuple[int, int]]:
    """The longest in-order run of `size`-token sequences found exactly once on each side."""
    left_grams = [tuple(left[i : i + size]) for i in range(len(left) - size + 1)]
    right_grams = [tuple(right[j : j + size]) for j in range(len(right) - size + 1)]
    left_counts, right_counts = Counter(left_grams), Counter(right_grams)
    where = {
        g: j for j, g in enumerate(right_grams) if right_counts[g] == 1 and left_counts[g] == 1
    }
    pairs = [(i, where[g]) for i, g in enumerate(left_grams) if g in where]
    # Longest increasing subsequence of the right positions (patience sorting).
    tops: list[int] = []  # right position ending the best run of each length
    ends: list[int] = []  # index into `pairs` of that run's last pair
    back: list[int] = []  # previous pair in the run each pair ends
    for k, (_, j) in enumerate(pairs):
        at = bisect.bisect_left(tops, j)
        back.append(ends[at - 1] if at else -1)
        if at == len(tops):
            tops.append(j)
            ends.append(k)
        else:
            tops[at], ends[at] = j, k
    run: list[tuple[int, int]] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    # Sequences longer than one token may overlap their neighbours: keep the first of those.
    kept: list[tuple[int, int]] = []
    for i, j in reversed(run):
        if not kept or (i >= kept[-1][0] + size and j >= kept[-1][1] + size):
            kept.append((i, j))
    return kept


def _merge(parts: Iterable[DiffPart]) -> Iterator[DiffPart]:
    pending: list[DiffPart] = []
    for part in parts:
        if pending and pending[0].kind != part.kind:
            yield DiffPart(pending[0].kind, "".join(p.text for p in pending))
            pending = []
        pending.append(part)
    if pending:
        yield DiffPart(pending[0].kind, "".join(p.text for p in pending))
