"""bleu, rouge-n and rouge-l agree with promptfoo (and js-rouge, which promptfoo calls).

Cases name the test they come from (promptfoo's test/assertions/bleu.test.ts and rouge.test.ts,
js-rouge's test/tests.ts); expected scores are worked out by hand in the comments.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.checks import Observed, Verdict, evaluate, validate_check
from workbench.checks_similarity import (
    MAX_LCS_WORDS,
    bleu_score,
    lcs_length,
    treebank_words,
)
from workbench.errors import UsageError
from workbench.suite import Check, JsonValue

CAT = "The cat sat on the mat."


def judge(kind: str, value: JsonValue, output: str, threshold: float | None = None) -> Verdict:
    return evaluate(Check(kind, value, threshold), Observed(output), {})


# --- bleu --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "references", "expected"),
    [
        # "identical sentences ...": every precision 1, no brevity penalty.
        (CAT, [CAT], 1.0),
        # "partially matching sentences": precisions 5/6, 3/5, 2/4, 1/3, so (1/12) ** (1/4).
        ("The dog sat on the mat.", [CAT], 0.537284965911771),
        # "should handle empty or single word sentences": p1 = 1, p2..p4 smoothed to 1e-7.
        ("cat", ["cat"], 10**-5.25),
        # Lower-cased, split at any whitespace: p1..p3 = 1, p4 has no 4-gram (smoothed).
        ("THE  CAT\nsat", ["the cat sat"], 10**-1.75),
        # "sentences with different lengths": 2/3, 1/2, 0, 0 and promptfoo's brevity
        # "penalty" exp(1 - c/r) = exp(1 - 3/6), above 1 for a shorter output.
        ("The cat sat.", [CAT], math.exp(0.5) * (1 / 3 * 1e-14) ** 0.25),
        # "should use closest reference length for brevity penalty"
        ("The cat sat on mat.", ["The cat sat on mat.", "Cat mat.", "A cat is sitting on."], 1.0),
        # "multiple references with varying lengths"
        (
            "The small cat sat.",
            ["The small cat sat.", "A cat was sitting.", "The cat is on the mat."],
            1.0,
        ),
        # A tie in closeness (3 and 5 words for 4) takes the first reference: no penalty.
        ("a b c d", ["a b c", "a b c d e"], 1.0),
        # The first is 5 words: exp(1 - 4/5), a score over 1.
        ("a b c d", ["a b c d e", "a b c"], math.exp(1 - 4 / 5)),
    ],
)
def test_bleu_scores_as_promptfoo_computes_them(
    candidate: str, references: list[str], expected: float
) -> None:
    assert bleu_score(candidate, references) == pytest.approx(expected, rel=1e-12)


def test_bleu_verdicts_and_thresholds() -> None:
    # handleBleuScore: "should handle string reference with passing score"
    assert judge("bleu", CAT, CAT).passed
    # "should handle array of references"
    references = ["The cat sat on mat.", "The cat is sitting on mat."]
    assert judge("bleu", references, "The cat sat on mat.").passed
    # "should handle custom threshold": 0.537 < 0.8
    strict = judge("bleu", CAT, "The dog sat on the mat.", 0.8)
    assert not strict.passed
    assert strict.reason == "BLEU score 0.5373 is below the threshold 0.8"
    assert strict.score == pytest.approx(0.537284965911771)
    # "should use default threshold of 0.5"
    default = judge("bleu", CAT, "The dog ran in the park.")
    assert not default.passed and "below the threshold 0.5" in default.reason
    assert judge("bleu", CAT, "The dog sat on the mat.").passed  # 0.537 >= 0.5


def test_a_bleu_score_over_one_is_clamped_in_the_verdict() -> None:
    verdict = judge("bleu", ["a b c d e", "a b c"], "a b c d")
    assert verdict.passed and verdict.score == 1.0
    assert verdict.reason == "BLEU score 1.2214 is at or above the threshold 0.5"
    assert judge("not-bleu", ["a b c d e"], "a b c d").score == 0.0


def test_not_bleu_inverts_the_verdict_and_the_score() -> None:
    # "should handle inverse assertion": p1 = 2/6, the rest smoothed.
    verdict = judge("not-bleu", CAT, "The dog ran in the park.", 0.8)
    assert verdict.passed
    assert verdict.score == pytest.approx(1 - (1 / 3 * 1e-21) ** 0.25)
    identical = judge("not-bleu", CAT, CAT)
    assert not identical.passed and identical.score == 0.0


def test_bleu_on_an_empty_output_fails_either_way() -> None:
    # calculateBleuScore throws 'Invalid inputs' on an empty candidate.
    for kind in ("bleu", "not-bleu"):
        verdict = judge(kind, CAT, "")
        assert not verdict.passed and verdict.score == 0.0
        assert "empty output" in verdict.reason


# --- rouge-n -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "reference", "score"),
    [
        # js-rouge "ROUGE-N" cases at n = 1: may, ease, schizophrenic, voices of 10 words.
        (
            "pulses may ease schizophrenic voices",
            "magnetic pulse series sent through brain may ease schizophrenic voices",
            0.4,
        ),
        # "should be case-sensitive by default"
        ("Hello World", "hello world", 0.0),
        (CAT, CAT, 1.0),
        # Distinct output words over every reference word: {the} of the, cat, the.
        ("the the the", "the cat the", 1 / 3),
        # Treebank words: Do n't stop . against do n't stop; "Do" is not "do".
        ("Don't stop.", "do n't stop", 2 / 3),
    ],
)
def test_rouge_n_scores_unigrams_as_js_rouge(output: str, reference: str, score: float) -> None:
    verdict = judge("rouge-n", reference, output)
    assert verdict.score == pytest.approx(score)
    assert verdict.passed is (score >= 0.75)


def test_rouge_n_thresholds_and_reasons() -> None:
    # promptfoo rouge.test.ts: "ROUGE-N score 0.80 is less than threshold 0.75" and friends.
    output = "pulses may ease schizophrenic voices"
    reference = "magnetic pulse series sent through brain may ease schizophrenic voices"
    below = judge("rouge-n", reference, output)
    assert below.reason == "ROUGE-N score 0.40 is below the threshold 0.75"
    assert judge("rouge-n", reference, output, 0.4).passed
    inverse = judge("not-rouge-n", reference, output)
    assert inverse.passed and inverse.score == pytest.approx(0.6)
    assert not judge("not-rouge-n", CAT, CAT).passed


def test_rouge_n_refuses_what_js_rouge_throws_on() -> None:
    for kind in ("rouge-n", "not-rouge-n"):
        assert "empty output" in judge(kind, CAT, "").reason
        assert not judge(kind, CAT, " \n ").passed  # no words: nGram throws
        assert not judge(kind, "  ", "x").passed  # a reference with no words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # js-rouge test/tests.ts "treeBankTokenize"
        ("They'll save and invest more.", ["They", "'ll", "save", "and", "invest", "more", "."]),
        ("hi, my name can't hello,", ["hi", ",", "my", "name", "ca", "n't", "hello", ","]),
        (
            "Good muffins cost $3.88 in New York.",
            ["Good", "muffins", "cost", "$", "3.88", "in", "New", "York", "."],
        ),
        (
            '"We beat some pretty good teams to get here," Slocum said.',
            [
                *("``", "We", "beat", "some", "pretty", "good", "teams", "to", "get", "here"),
                *(",", "''", "Slocum", "said", "."),
            ],
        ),
        ("", []),
        # An initialism keeps its final period; an ellipsis, brackets and "cannot" split.
        ("I live in the U.S.", ["I", "live", "in", "the", "U.S."]),
        ("Wait... (really) I cannot!", ["Wait", "...", "(", "really", ")", "I", "can", "not", "!"]),
        ("1,000 at 10:30", ["1,000", "at", "10:30"]),
    ],
)
def test_treebank_words_follow_js_rouge(text: str, words: list[str]) -> None:
    assert treebank_words(text) == words


# --- rouge-l -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "score"),
    [
        # js-rouge "ROUGE-L" cases with beta 1 (F1 = 2 * LCS / (4 + 4)).
        ("police kill the gunman", 3 / 4),
        ("the gunman kill police", 1 / 2),
        ("the gunman police killed", 2 / 4),
        # Lower-cased, unlike js-rouge's default.
        ("POLICE KILLED THE GUNMAN", 1.0),
        ("", 0.0),
    ],
)
def test_rouge_l_is_f1_of_the_longest_common_subsequence(output: str, score: float) -> None:
    verdict = judge("rouge-l", "police killed the gunman", output)
    assert verdict.score == pytest.approx(score)
    assert verdict.passed is (score >= 0.75)


def test_rouge_l_inverts_and_caps_its_input() -> None:
    inverse = judge("not-rouge-l", "police killed the gunman", "the gunman kill police")
    assert inverse.passed and inverse.score == pytest.approx(0.5)
    long_output = "word " * (MAX_LCS_WORDS + 1)
    capped = judge("rouge-l", "word", long_output)
    assert not capped.passed
    assert capped.reason == "ROUGE-L compares at most 20,000 words a side; the output has 20,001"
    full = judge("rouge-l", "word " * MAX_LCS_WORDS, "word " * MAX_LCS_WORDS)
    assert full.passed and full.score == 1.0


def _textbook_lcs(left: list[str], right: list[str]) -> int:
    row = [0] * (len(right) + 1)
    for word in left:
        diagonal = 0
        for j, other in enumerate(right, 1):
            diagonal, row[j] = row[j], diagonal + 1 if word == other else max(row[j], row[j - 1])
    return row[-1]


WORDS = st.lists(st.sampled_from("abcd"), max_size=30)


@given(WORDS, WORDS)
def test_bit_parallel_lcs_matches_the_textbook_table(left: list[str], right: list[str]) -> None:
    assert lcs_length(left, right) == _textbook_lcs(left, right)


# --- values and thresholds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (Check("bleu", 5), "string or a non-empty list of strings"),
        (Check("bleu", []), "string or a non-empty list of strings"),
        (Check("bleu", ["a", 1]), "string or a non-empty list of strings"),
        (Check("bleu", "a", 1.5), "between 0 and 1"),
        (Check("rouge-n", ""), "non-empty string"),
        (Check("rouge-n", ["a"]), "non-empty string"),
        (Check("not-rouge-l", None), "non-empty string"),
        (Check("rouge-l", "a", -0.1), "between 0 and 1"),
    ],
    ids=lambda item: item.type if isinstance(item, Check) else "",
)
def test_validate_refuses_bad_values(check: Check, message: str) -> None:
    with pytest.raises(UsageError, match=r"^suite\.yaml:7: ") as info:
        validate_check(check, "suite.yaml:7")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "check",
    [
        Check("bleu", CAT),
        Check("bleu", [CAT, "{{ other }}"]),
        Check("not-bleu", "", 0.2),
        Check("rouge-n", CAT, 0),
        Check("rouge-l", "{{ expected }}", 1),
    ],
    ids=lambda check: check.type,
)
def test_validate_accepts_good_checks(check: Check) -> None:
    validate_check(check, "suite.yaml:7")


def test_references_are_rendered_with_the_case_variables() -> None:
    check = Check("rouge-l", "{{ expected }}")
    verdict = evaluate(
        check, Observed("Paris is the capital"), {"expected": "paris is the capital"}
    )
    assert verdict.passed and verdict.score == 1.0
