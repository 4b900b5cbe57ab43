"""Word diff: exact rejoining, readable parts, and large repetitive texts."""

from __future__ import annotations

import itertools
import json
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench import worddiff
from workbench.worddiff import DiffPart, diff_counts, word_diff


def _left(parts: list[DiffPart]) -> str:
    return "".join(p.text for p in parts if p.kind != "added")


def _right(parts: list[DiffPart]) -> str:
    return "".join(p.text for p in parts if p.kind != "removed")


def test_changed_words_are_removed_and_added_between_shared_text() -> None:
    parts = word_diff("The quick brown fox jumps.", "The quick red fox jumps!")
    assert parts == [
        DiffPart("same", "The quick "),
        DiffPart("removed", "brown"),
        DiffPart("added", "red"),
        DiffPart("same", " fox jumps"),
        DiffPart("removed", "."),
        DiffPart("added", "!"),
    ]
    assert diff_counts(parts) == (2, 2)


def test_inserted_and_deleted_words() -> None:
    parts = word_diff("keep this word", "keep word and more")
    assert _left(parts) == "keep this word"
    assert _right(parts) == "keep word and more"
    assert DiffPart("removed", "this ") in parts
    assert DiffPart("added", " and more") in parts
    assert diff_counts(parts) == (1, 2)


def test_a_word_followed_by_other_whitespace_stays_the_same_word() -> None:
    parts = word_diff("foo bar baz", "foo\nbar baz")
    assert parts == [
        DiffPart("same", "foo"),
        DiffPart("removed", " "),
        DiffPart("added", "\n"),
        DiffPart("same", "bar baz"),
    ]
    assert diff_counts(parts) == (0, 0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("", "", []),
        ("", "new text", [DiffPart("added", "new text")]),
        ("old text", "", [DiffPart("removed", "old text")]),
        ("same\ntext", "same\ntext", [DiffPart("same", "same\ntext")]),
    ],
)
def test_empty_and_identical_sides(a: str, b: str, expected: list[DiffPart]) -> None:
    assert word_diff(a, b) == expected


def test_unicode_words_accents_and_emoji() -> None:
    parts = word_diff("naïve café 👍 ok", "naive café 👎 ok")
    assert parts == [
        DiffPart("removed", "naïve"),
        DiffPart("added", "naive"),
        DiffPart("same", " café "),
        DiffPart("removed", "👍"),
        DiffPart("added", "👎"),
        DiffPart("same", " ok"),
    ]


def test_a_combining_accent_stays_inside_its_word() -> None:
    decomposed = "cafe\u0301 au lait"
    assert word_diff(decomposed, "cafe\u0301 noir") == [
        DiffPart("same", "cafe\u0301 "),
        DiffPart("removed", "au lait"),
        DiffPart("added", "noir"),
    ]


def test_han_characters_are_words_of_their_own() -> None:
    parts = word_diff("我们今天去公园", "我们明天去公园")
    assert parts == [
        DiffPart("same", "我们"),
        DiffPart("removed", "今"),
        DiffPart("added", "明"),
        DiffPart("same", "天去公园"),
    ]
    assert diff_counts(parts) == (1, 1)


def test_large_json_with_repeated_keys_finds_each_changed_value() -> None:
    # Repeated keys are the case that makes a plain difflib run take tens of seconds.
    records = [{"id": i, "name": f"item {i}", "ok": True} for i in range(400)]
    changed = [{"id": i, "name": f"item {i}", "ok": i % 10 != 0} for i in range(400)]
    a, b = json.dumps(records, indent=2), json.dumps(changed, indent=2)
    assert len(a) > 20_000
    parts = word_diff(a, b)
    assert (_left(parts), _right(parts)) == (a, b)
    assert diff_counts(parts) == (40, 40)
    assert {p.text for p in parts if p.kind == "removed"} == {"true"}
    assert {p.text for p in parts if p.kind == "added"} == {"false"}


def test_large_repetitive_text_with_one_change() -> None:
    a = "ha " * 7000
    b = "ha " * 3000 + "ho " + "ha " * 3999
    assert word_diff(a, b) == [
        DiffPart("same", "ha " * 3000),
        DiffPart("removed", "ha"),
        DiffPart("added", "ho"),
        DiffPart("same", " " + "ha " * 3999),
    ]


def test_a_large_stretch_without_anchors_is_replaced_whole() -> None:
    # Nothing occurs once on either side, so no word can be matched cheaply and safely.
    a, b = "ab " * 4000, "ba " * 4000
    assert word_diff(a, b) == [DiffPart("removed", a), DiffPart("added", b)]


# Few distinct tokens, so the sides share words and repeat them, as real outputs do.
_texts = st.lists(
    st.sampled_from(["a", "b", "cat", "dog", " ", "\n", ",", ".", "é", "今", "👍", "\t"]),
    max_size=40,
).map("".join)


def _check_invariants(a: str, b: str) -> None:
    parts = word_diff(a, b)
    assert _left(parts) == a
    assert _right(parts) == b
    assert all(p.text for p in parts)
    assert all(x.kind != y.kind for x, y in itertools.pairwise(parts))
    if a == b:
        assert diff_counts(parts) == (0, 0)


@given(_texts, _texts)
def test_parts_rejoin_into_both_texts(a: str, b: str) -> None:
    _check_invariants(a, b)


@given(st.text(max_size=40), st.text(max_size=40))
def test_parts_rejoin_for_any_unicode(a: str, b: str) -> None:
    _check_invariants(a, b)


@given(_texts, _texts)
def test_parts_rejoin_when_every_stretch_is_anchored(a: str, b: str) -> None:
    # With no pair budget, every stretch goes through anchoring or whole replacement.
    with mock.patch.object(worddiff, "_PAIR_LIMIT", 0):
        _check_invariants(a, b)
