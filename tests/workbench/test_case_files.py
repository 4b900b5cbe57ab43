"""Case files beside a suite: CSV/TSV with promptfoo's special columns, and JSONL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import UsageError
from workbench.formats.assertions import check_from_string, check_to_string, js_trim
from workbench.formats.case_files import (
    case_file_columns,
    case_file_problems,
    read_case_file,
    read_case_text,
    with_one_column_set,
    write_case_file,
)
from workbench.suite import Case, Check


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


# --- CSV and TSV ---------------------------------------------------------------------------


def test_csv_columns_are_vars_and_special_columns_are_checks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tests.csv",
        "question,__expected1,__expected2,__description,__metric\n"
        "What is 2+2?,contains:4,not-icontains:five,sums,accuracy\n"
        '"Name a ""word""",llm-rubric: is a word,,,\n',
    )
    cases, notes = read_case_file(path)
    assert cases == [
        Case(
            vars={"question": "What is 2+2?"},
            checks=(Check("contains", "4"), Check("not-icontains", "five")),
            description="sums",
        ),
        Case(vars={"question": 'Name a "word"'}, checks=(Check("llm-rubric", " is a word"),)),
    ]
    assert notes == [f"{path}: column '__metric' not carried over"]


def test_csv_config_columns_set_the_threshold_of_the_nth_filled_assertion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.csv",
        "a,__expected1,__expected2,__config:__expected2:threshold,__config:__expected:threshold\n"
        "x,,similar:hello,0.6,\n"  # the second column is the row's first assertion: index 0
        "y,contains:a,javascript:output.length,0.25,1.5\n",
    )
    cases, _ = read_case_file(path)
    assert cases[0].checks == (Check("similar", "hello", 0.8),)
    assert cases[1].checks == (
        Check("contains", "a", 1.5),
        Check("javascript", "output.length", 0.25),
    )


def test_csv_config_column_errors_name_the_line(tmp_path: Path) -> None:
    bad_key = write(tmp_path, "a.csv", "a,__expected,__config:__expected:weight\nx,y,2\n")
    with pytest.raises(UsageError, match=r"a\.csv:2: column '__config:__expected:weight'"):
        read_case_file(bad_key)
    bad_number = write(tmp_path, "b.csv", "a,__expected,__config:__expected:threshold\nx,y,high\n")
    with pytest.raises(UsageError, match=r"b\.csv:2: .*'high' is not a number"):
        read_case_file(bad_number)
    odd_shape = write(tmp_path, "c.csv", "a,__config:threshold\nx,1\n")
    assert read_case_file(odd_shape)[1] == [
        f"{odd_shape}: column '__config:threshold' not carried over"
    ]


def test_csv_header_names_are_trimmed_and_blank_ones_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", " topic ,\nrain,ignored\n")
    cases, notes = read_case_file(path)
    assert cases == [Case(vars={"topic": "rain"})]
    assert notes == [f"{path}:1: column 2 has no name; not carried over"]


def test_csv_errors_report_the_line_a_record_starts_on(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", 'a,b\n1,2\n"three\nlines\nlong",4,5\n')
    with pytest.raises(UsageError, match=r"t\.csv:3: more values than columns \(2\)"):
        read_case_file(path)


def test_csv_missing_values_are_empty_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "a,b\n\n1\n\n")
    assert read_case_file(path)[0] == [Case(vars={"a": "1", "b": ""})]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("dup.csv", "a,b, a\n1,2,3\n", r"dup\.csv:1: column 'a' appears twice"),
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("blank.csv", " \n\n", r"blank\.csv: the file is empty"),
        ("header.csv", "a,b\n", r"header\.csv: no cases"),
        ("cases.txt", "a\n1\n", r"cases\.txt: cases must be a \.csv, \.tsv or \.jsonl file"),
    ],
)
def test_csv_refusals(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(UsageError, match=message):
        read_case_file(path)


def test_unreadable_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read_case_file(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"name\ncaf\xe9\n")
    with pytest.raises(UsageError, match="not a UTF-8 text file"):
        read_case_file(latin)


def test_tsv_and_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "t.tsv", "\ufeffa\tb\n1,5\tx\n")
    assert read_case_file(path)[0] == [Case(vars={"a": "1,5", "b": "x"})]


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_lines_are_test_objects_or_plain_vars(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.jsonl",
        '{"vars": {"q": "hi", "n": 2}, "assert": [{"type": "contains", "value": "hello"}]}\n'
        "\n"
        '{"q": "plain", "description": "a var, not a description", "n": 2.0, "o": {"k": [1]}}\n'
        '{"vars": {"q": ["a", "b"]}, "description": "expands", "threshold": 0.5}\n',
    )
    cases, notes = read_case_file(path)
    assert cases == [
        Case(vars={"q": "hi", "n": "2"}, checks=(Check("contains", "hello"),)),
        Case(
            vars={
                "q": "plain",
                "description": "a var, not a description",
                "n": "2",
                "o": '{"k": [1]}',
            }
        ),
        Case(vars={"q": "a"}, description="expands"),
        Case(vars={"q": "b"}, description="expands"),
    ]
    assert notes == [f"{path}:4: test field 'threshold' not carried over"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": 1}\n{"a": \n', r"c\.jsonl:2: invalid JSON"),
        ('{"a": 1}\n[1, 2]\n', r"c\.jsonl:2: each line must be a JSON object"),
        ('{"vars": {}, "assert": [{"value": 1}]}\n', r"c\.jsonl:1: assert\[0\]: .*'type'"),
        ('{"vars": {}, "assert": {"type": "x"}}\n', r"c\.jsonl:1: assert: .*list"),
        ('{"vars": 3}\n', r"c\.jsonl:1: vars: .*mapping"),
        ("[" * 5000 + "\n", r"c\.jsonl:1: invalid JSON"),
    ],
)
def test_jsonl_refusals_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, "c.jsonl", content)
    with pytest.raises(UsageError, match=message):
        read_case_file(path)


def test_jsonl_line_breaks_inside_values_do_not_split_lines(tmp_path: Path) -> None:
    cases = [Case(vars={"t": "a\u2028b\x85c\rd\u2029"})]
    path = write(tmp_path, "c.jsonl", write_case_file(cases, ".jsonl"))
    assert read_case_file(path)[0] == cases


def test_read_case_text_reads_text_already_in_hand() -> None:
    cases, _ = read_case_text("a,__expected\n1,equals\n", Path("x/cases.csv"))
    assert cases == [Case(vars={"a": "1"}, checks=(Check("equals", None),))]


# --- writing ---------------------------------------------------------------------------------


def test_csv_writing_is_sorted_and_deterministic() -> None:
    cases = [
        Case(
            vars={"b": "two, with comma", "a": "1"},
            checks=(Check("contains", "x"), Check("javascript", "output", 0.5)),
            description="first",
        ),
        Case(vars={"a": "3", "b": 'say "hi"\nbye'}, checks=(Check("starts-with", "Hi", 0.75),)),
    ]
    assert write_case_file(cases, ".csv") == (
        "a,b,__expected1,__expected2,__config:__expected2:threshold,__description\n"
        '1,"two, with comma",contains:x,javascript:output,0.5,first\n'
        '3,"say ""hi""\nbye",starts-with(0.75):Hi,,,\n'
    )


def test_jsonl_writing_sorts_keys_and_keeps_unicode() -> None:
    case = Case(vars={"z": "é", "a": "1"}, checks=(Check("is-json"),), description="d")
    assert write_case_file([case], ".jsonl") == (
        '{"assert": [{"type": "is-json"}], "description": "d", "vars": {"a": "1", "z": "é"}}\n'
    )


def test_problems_explain_what_a_csv_cannot_hold() -> None:
    cases = [
        Case(vars={"a": "1"}, checks=(Check("contains", " padded "),)),
        # Named once, for itself: not also as a case with other variables than case 1.
        Case(vars={"a": "2", "__expected": "x"}),
        Case(vars={"a": "3\r"}, checks=(Check("starts-with", "x"),)),
        Case(vars={"b": "4"}),
    ]
    problems = case_file_problems(cases, ".csv")
    assert problems == [
        "case 1: check 'contains' has no one-line form",
        "case 2: variable '__expected' cannot be a CSV column",
        "case 3: a carriage return, which text files do not keep",
        "case 3: check 'starts-with' has no one-line form",
        "case 4 has other variables than case 1 (a CSV has one set)",
    ]
    assert case_file_problems(cases, ".jsonl") == []
    with pytest.raises(UsageError, match=r"cannot write the cases as \.csv"):
        write_case_file(cases, ".csv")


def test_a_rewrite_keeps_the_files_column_order_and_its_blank_columns() -> None:
    original = "text,message,__metric,notes,__description\nA,hi,,n1,\nB,yo,,n2,\n"
    columns = case_file_columns(original, ".csv")
    assert columns == ("text", "message", "__metric", "notes", "__description")
    assert (
        read_case_text(original, Path("cases.csv"))[1] == []
    )  # a blank __metric column holds nothing the reader leaves out
    edited = [
        Case(vars={"text": "A", "message": "hey", "notes": "n1", "topic": "t"}),
        Case(vars={"text": "B", "message": "yo", "notes": "n2", "topic": ""}, description="d"),
    ]
    written = write_case_file(edited, ".csv", columns=columns)
    # The file's columns where they were (blank ones too), the new variable after them.
    assert written == (
        "text,message,__metric,notes,__description,topic\nA,hey,,n1,,t\nB,yo,,n2,d,\n"
    )
    assert read_case_text(written, Path("cases.csv"))[0] == edited
    # Without the file's header: the canonical order, as before.
    assert write_case_file(edited, ".csv") == (
        "message,notes,text,topic,__description\nhey,n1,A,t,\nyo,n2,B,,d\n"
    )


def test_a_rewrite_keeps_the_files_expected_and_threshold_columns() -> None:
    columns = case_file_columns("q\t__expected1\t__config:__expected1:threshold\tn\n", ".tsv")
    one = [Case(vars={"q": "a", "n": "1"}, checks=(Check("javascript", "x", 0.5),))]
    written = write_case_file(one, ".tsv", columns=columns)
    assert written == (
        "q\t__expected1\t__config:__expected1:threshold\tn\na\tjavascript:x\t0.5\t1\n"
    )
    assert read_case_text(written, Path("c.tsv"))[0] == one
    # A second check gets a column of its own after the file's; the kept ones stay in place.
    two = [
        Case(
            vars={"q": "a", "n": "1"},
            checks=(Check("contains", "x"), Check("javascript", "y", 0.25)),
        )
    ]
    written = write_case_file(two, ".tsv", columns=columns)
    assert written == (
        "q\t__expected1\t__config:__expected1:threshold\tn\t__expected2"
        "\t__config:__expected2:threshold\n"
        "a\tcontains:x\t\t1\tjavascript:y\t0.25\n"
    )
    assert read_case_text(written, Path("c.tsv"))[0] == two


def test_case_file_columns_of_files_without_a_header() -> None:
    assert case_file_columns(' a ,"b,c"\n1,2\n', ".CSV") == ("a", "b,c")
    assert case_file_columns('{"vars": {"a": "1"}}\n', ".jsonl") == ()
    assert case_file_columns('"unclosed\n', ".csv") == ()
    assert case_file_columns("", ".csv") == ()


def test_with_one_column_set_gives_every_case_every_variable() -> None:
    cases = [
        Case(vars={"message": "hi", "notes": "n1"}, description="first"),
        Case(vars={}),
        Case(vars={"message": "yo", "topic": "t"}, checks=(Check("contains", "y"),)),
    ]
    assert with_one_column_set(cases) == (
        Case(vars={"message": "hi", "notes": "n1", "topic": ""}, description="first"),
        Case(vars={"message": "", "notes": "", "topic": ""}),
        Case(vars={"message": "yo", "topic": "t", "notes": ""}, checks=(Check("contains", "y"),)),
    )
    assert with_one_column_set(cases)[0] is not cases[0]
    same = [Case(vars={"a": "1"}), Case(vars={"a": "2"})]
    assert with_one_column_set(same) == tuple(same)
    # A name no column can have stays with its case, for case_file_problems to name it.
    special = [Case(vars={"a": "1"}), Case(vars={"a": "2", "__expected": "x"})]
    assert with_one_column_set(special) == tuple(special)
    assert case_file_problems(with_one_column_set(special), ".csv") == [
        "case 2: variable '__expected' cannot be a CSV column"
    ]


# --- round trips -----------------------------------------------------------------------------

TEXT = st.text(max_size=20)
VAR_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
# One-line assertion texts: what a CSV cell holds, so what any CSV check can be.
ONE_LINE_HEADS = [
    "",
    "contains:",
    "icontains:",
    "not-contains:",
    "regex:",
    "equals:",
    "is-json",
    "is-json:",
    "not-is-json:",
    "contains-any:",
    "icontains-all:",
    "starts-with:",
    "starts-with(0.5):",
    "levenshtein(3):",
    "similar:",
    "similar:cosine:",
    "llm-rubric:",
    "grade:",
    "javascript:",
    "fn:",
    "python:",
    "file://",
    "trajectory:goal-success:",
    "contains(3):",
    "latency(1500)",
]
ONE_LINE = st.builds(lambda head, body: js_trim(head + body), st.sampled_from(ONE_LINE_HEADS), TEXT)
CSV_CHECKS = ONE_LINE.filter(bool).map(lambda text: check_from_string(text, "test"))
JSON_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
# Types the workbench evaluates and types it only reports by name: both are carried.
CHECK_TYPES = st.sampled_from(
    [
        *("contains", "icontains", "equals", "regex", "not-regex", "is-json", "contains-any"),
        *("starts-with", "javascript", "python", "llm-rubric", "similar", "factuality", "my-own"),
    ]
)
ANY_CHECKS = st.builds(
    Check,
    type=CHECK_TYPES,
    value=JSON_VALUES,
    threshold=st.none() | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)


@st.composite
def csv_cases(draw: st.DrawFn) -> list[Case]:
    """Cases a CSV can hold: one set of variable names, checks that have a one-line form."""
    names = draw(st.lists(VAR_NAMES, unique=True, min_size=1, max_size=4))
    return draw(
        st.lists(
            st.builds(
                Case,
                vars=st.fixed_dictionaries(dict.fromkeys(names, TEXT)),
                checks=st.lists(CSV_CHECKS | ANY_CHECKS, max_size=3).map(tuple),
                description=TEXT,
            ),
            min_size=1,
            max_size=4,
        )
    )


ANY_CASES = st.lists(
    st.builds(
        Case,
        vars=st.dictionaries(st.text(max_size=8), TEXT, max_size=4),
        checks=st.lists(ANY_CHECKS | CSV_CHECKS, max_size=3).map(tuple),
        description=TEXT,
    ),
    min_size=1,
    max_size=4,
)


def round_trip(cases: list[Case], suffix: str) -> list[Case]:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), f"cases{suffix}", write_case_file(cases, suffix))
        return read_case_file(path)[0]


@settings(max_examples=300, deadline=None)
@given(cases=csv_cases(), suffix=st.sampled_from([".csv", ".tsv"]))
def test_csv_round_trip(cases: list[Case], suffix: str) -> None:
    if case_file_problems(cases, suffix):
        with pytest.raises(UsageError):
            write_case_file(cases, suffix)
        return
    assert round_trip(cases, suffix) == cases
    assert write_case_file(round_trip(cases, suffix), suffix) == write_case_file(cases, suffix)


# Columns a user's file may have beside those the writer makes, blank or not.
OTHER_COLUMNS = [
    *("__expected", "__expected1", "__expected2", "__expected3", "__description", "__metric"),
    *("__prefix", "__metadata:team", "__config:__expected:threshold", "Unused"),
    *("__config:__expected1:threshold", "__config:__expected2:threshold"),
]


@settings(max_examples=300, deadline=None)
@given(cases=csv_cases(), suffix=st.sampled_from([".csv", ".tsv"]), data=st.data())
def test_csv_round_trip_in_the_order_of_any_header(
    cases: list[Case], suffix: str, data: st.DataObject
) -> None:
    if case_file_problems(cases, suffix):
        return
    canonical = case_file_columns(write_case_file(cases, suffix), suffix)
    columns = data.draw(st.lists(st.sampled_from([*canonical, *OTHER_COLUMNS]), max_size=10))
    text = write_case_file(cases, suffix, columns=columns)
    assert read_case_text(text, Path(f"cases{suffix}"))[0] == cases
    header = case_file_columns(text, suffix)
    # Every column of the header given that is still there comes first, in that order.
    kept = [name for name in dict.fromkeys(columns) if name in header]
    assert list(header[: len(kept)]) == kept
    assert "Unused" not in header  # a variable no case has is not a column
    assert write_case_file(cases, suffix, columns=header) == text


@settings(max_examples=300, deadline=None)
@given(cases=ANY_CASES)
def test_jsonl_round_trip(cases: list[Case]) -> None:
    assert case_file_problems(cases, ".jsonl") == []
    assert round_trip(cases, ".jsonl") == cases


@settings(max_examples=500, deadline=None)
@given(text=ONE_LINE.filter(bool))
def test_one_line_checks_write_back_to_a_text_that_reads_the_same(text: str) -> None:
    check = check_from_string(text, "t")
    written = check_to_string(check)
    assert written is not None, check
    assert check_from_string(written, "t") == check
