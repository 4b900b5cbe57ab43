"""`bleu`, `rouge-n` and `rouge-l`: how close the output's words are to a reference's.

`bleu` is promptfoo's src/assertions/bleu.ts (calculateBleuScore) computed the same way: both
sides lower-cased, trimmed and split at JavaScript whitespace; modified n-gram precisions for
n = 1..4, each clipped by the best single reference; the brevity penalty against the reference
whose length is closest to the output's (the first on a tie); a precision of 0 smoothed to 1e-7;
weights 0.25 each. So an output of fewer than four words scores near 0 even when it equals the
reference, exactly as in promptfoo. promptfoo's brevity penalty is exp(1 - c/r) (output length
c, reference length r) where Papineni et al. have exp(1 - r/c): for an output shorter than its
reference it is above 1, a bonus. Kept, so verdicts agree with promptfoo; such a score can pass
1, and the verdict's score is clamped to 1 while the reason shows the value. The value is a
reference or a list of references; it passes at score >= threshold (default 0.5).

`rouge-n` is promptfoo's src/assertions/rouge.ts, which calls js-rouge's `n(output, value, {})`:
unigrams (n = 1), case-sensitive, words from js-rouge's Penn Treebank tokenizer (punctuation and
contractions are words of their own: "can't" is "ca" "n't"); the score is the number of distinct
output words found in the reference over the reference's word count. It passes at score >=
threshold (default 0.75). The tokenizer follows js-rouge 3.x (src/utils.ts treeBankTokenize);
js-rouge has tuned its quote rules from release to release, so a rare text with unusual quotes
may split differently from the js-rouge a given promptfoo installs.

`rouge-l` is the workbench's own (promptfoo accepts no such type): the F1 measure of the longest
common subsequence of the two texts' words, lower-cased, from the same tokenizer: 2 * LCS /
(output words + reference words), over the whole text (js-rouge's `l` unions LCS per sentence and
weighs precision and recall differently). Threshold default 0.75, like rouge-n. The LCS runs
bit-parallel (Hyyrö's formula), so each side is capped at 20,000 words, with a reason saying so.

A "not-" prefix inverts the verdict, and the score becomes 1 - score (promptfoo's rule). An
empty output fails bleu and rouge-n whatever the "not-": promptfoo's metric throws on it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from workbench.checks_base import CheckValueError, Outcome, Params
from workbench.checks_js import JS_SPACE, js_number

DEFAULT_BLEU_THRESHOLD = 0.5
DEFAULT_ROUGE_THRESHOLD = 0.75
MAX_LCS_WORDS = 20_000

_BLEU_ORDER = 4
_BLEU_SMOOTHING = 1e-7
_JS_SPACES = re.compile(f"[{re.escape(JS_SPACE)}]+")


def bleu_value(value: object) -> list[str]:
    """One reference or a non-empty list of them (promptfoo: 'Invalid inputs' for none)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return list(value)
    raise CheckValueError('"bleu" needs a string or a non-empty list of strings value')


def rouge_value(kind: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise CheckValueError(f'"{kind}" needs a non-empty string value')
    return value


def _threshold(p: Params, default: float) -> float:
    return default if p.threshold is None else p.threshold


def _scored(kind: str, score: float, digits: int, p: Params, default: float) -> Outcome:
    """promptfoo's verdict on a metric: score >= threshold, "not-" inverting it and the score."""
    limit = _threshold(p, default)
    reached = score >= limit
    side = "at or above" if reached else "below"
    reason = f"{kind} score {score:.{digits}f} is {side} the threshold {js_number(limit)}"
    return Outcome(reached != p.inverse, reason, 1 - score if p.inverse else score)


def bleu(p: Params) -> Outcome:
    references = bleu_value(p.value)
    if not p.output:
        return Outcome(False, "BLEU cannot score an empty output")
    return _scored("BLEU", bleu_score(p.output, references), 4, p, DEFAULT_BLEU_THRESHOLD)


def _bleu_words(text: str) -> list[str]:
    return _JS_SPACES.split(text.lower().strip(JS_SPACE))


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def bleu_score(candidate: str, references: Sequence[str]) -> float:
    """BLEU-4 as promptfoo's calculateBleuScore computes it (see the module docstring)."""
    words = _bleu_words(candidate)
    reference_words = [_bleu_words(reference) for reference in references]
    closest = reference_words[0]
    for other in reference_words[1:]:
        if abs(len(other) - len(words)) < abs(len(closest) - len(words)):
            closest = other
    log_sum = 0.0
    for n in range(1, _BLEU_ORDER + 1):
        grams = _ngrams(words, n)
        total = sum(grams.values())
        clipped = 0
        for ref in reference_words:
            ref_grams = _ngrams(ref, n)
            clipped = max(clipped, sum(min(c, ref_grams[gram]) for gram, c in grams.items()))
        precision = clipped / total if total else 0.0
        log_sum += math.log(precision or _BLEU_SMOOTHING) / _BLEU_ORDER
    # promptfoo's calculateBrevityPenalty, c/r the other way round from Papineni's: see above.
    brevity = 1.0 if len(words) > len(closest) else math.exp(1 - len(words) / len(closest))
    return brevity * math.exp(log_sum)


def rouge_n(p: Params) -> Outcome:
    reference = rouge_value("rouge-n", p.value)
    if not p.output:
        return Outcome(False, "ROUGE-N cannot score an empty output")
    words = treebank_words(p.output)
    if not words:
        return Outcome(False, "ROUGE-N cannot score an output with no words")
    reference_words = treebank_words(reference)
    if not reference_words:
        return Outcome(False, f"ROUGE-N cannot compare with a reference of no words {reference!r}")
    found = len(set(words) & set(reference_words))
    return _scored("ROUGE-N", found / len(reference_words), 2, p, DEFAULT_ROUGE_THRESHOLD)


def rouge_l(p: Params) -> Outcome:
    reference = rouge_value("rouge-l", p.value)
    words = treebank_words(p.output.lower())
    reference_words = treebank_words(reference.lower())
    for side, count in (("output", len(words)), ("reference", len(reference_words))):
        if count > MAX_LCS_WORDS:
            return Outcome(
                False,
                f"ROUGE-L compares at most {MAX_LCS_WORDS:,} words a side; the {side} has "
                f"{count:,}",
            )
    longest = lcs_length(words, reference_words)
    score = 2 * longest / (len(words) + len(reference_words)) if longest else 0.0
    return _scored("ROUGE-L", score, 2, p, DEFAULT_ROUGE_THRESHOLD)


def lcs_length(left: Sequence[str], right: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel over the shorter side."""
    if len(left) < len(right):
        left, right = right, left
    if not right:
        return 0
    masks: dict[str, int] = {}
    for index, word in enumerate(right):
        masks[word] = masks.get(word, 0) | (1 << index)
    full = (1 << len(right)) - 1
    row = full  # a 0 bit marks a column where the subsequence grew
    for word in left:
        matches = row & masks.get(word, 0)
        if matches:
            row = ((row + matches) | (row - matches)) & full
    return len(right) - row.bit_count()


# --- js-rouge's Penn Treebank tokenizer ------------------------------------------------------
_WS = re.escape(JS_SPACE)
_QUOTES = re.compile(r"``|''|\"")
# Each pair is a JavaScript `replace(/.../g, ...)` of treeBankTokenize, in its order.
_PUNCTUATION = [
    (re.compile(r"\.{3}"), " ... "),
    (re.compile(r"[:,](?![0-9])"), r" \g<0> "),
    (re.compile(r"[;@#$%&]"), r" \g<0> "),
    # A final period (after closing brackets or quotes) splits off, but not the one of "U.S.".
    (
        re.compile(rf"([^.])(?<!\b[A-Za-z]\.[A-Za-z])(\.)([\])}}>'{_WS}]*)\Z", re.ASCII),
        r"\1 \2\3 ",
    ),
    (re.compile(r"[?!]"), r" \g<0> "),
    (re.compile(r"[\][(){}<>]"), r" \g<0> "),
    (re.compile("--"), " -- "),
]
_ENDINGS = [
    (re.compile(r"([^'])' "), r"\1 ' "),
    (re.compile(r"'([sSmMdD]) "), r" '\1 "),
    (re.compile(r"('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r" \1 "),
]
# Uncommon contractions: each pattern splits its first match only (no `g` flag in js-rouge).
_CONTRACTIONS = [
    re.compile(pattern, re.IGNORECASE | re.ASCII)
    for pattern in (
        r"\b(can)(not)\b",
        r"\b(d)('ye)\b",
        r"\b(gim)(me)\b",
        r"\b(gon)(na)\b",
        r"\b(got)(ta)\b",
        r"\b(lem)(me)\b",
        r"\b(more)('n)\b",
        r"\b(wan)(na) ",
        r" ('t)(is)\b",
        r" ('t)(was)\b",
    )
]
_OPENERS = JS_SPACE + "([{<"


def treebank_words(text: str) -> list[str]:
    """js-rouge's treeBankTokenize: words, punctuation and contraction parts as tokens."""
    plain = _JS_SPACES.sub(" ", text.strip(JS_SPACE))
    if not plain:
        return []
    parse = _mark_quotes(plain)
    for pattern, replacement in _PUNCTUATION:
        parse = pattern.sub(replacement, parse)
    parse = f" {parse} "
    for pattern, replacement in _ENDINGS:
        parse = pattern.sub(replacement, parse)
    for pattern in _CONTRACTIONS:
        parse = pattern.sub(r" \1 \2 ", parse, count=1)
    return re.sub(" {2,}", " ", parse).strip(" ").split(" ")


def _mark_quotes(text: str) -> str:
    """Double quotes (and `` or '') as opening `` or closing '', paired left to right."""
    inside = False
    pieces: list[str] = []
    done = 0
    for match in _QUOTES.finditer(text):
        quote, index = match.group(), match.start()
        opens = not inside and (index == 0 or text[index - 1] in _OPENERS)
        inside = quote == "``" or (
            opens
            and (
                quote == '"'
                or (index > 0 and _word_char(text, index + 2) and _next_quote(text, index + 2))
            )
        )
        pieces += [text[done:index], " `` " if inside else " '' "]
        done = match.end()
    return "".join([*pieces, text[done:]])


def _word_char(text: str, index: int) -> bool:
    """Whether a letter or a number (\\p{Letter}, \\p{Number}) stands at `index`."""
    return index < len(text) and unicodedata.category(text[index])[0] in "LN"


def _next_quote(text: str, start: int) -> bool:
    """Whether the next quote mark after `start` is a closing ''."""
    following = _QUOTES.search(text, start)
    return following is not None and following.group() == "''"
