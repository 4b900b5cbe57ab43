"""Case tables: every format read as text, clear errors for broken files, mapping columns to cases.

Excel and Parquet files are written here with pandas (no binaries in the repository); the text
formats are small files in data/case_tables.
"""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import pytest

from workbench.case_table import (
    MAX_ROWS,
    Mapping,
    Table,
    cases_from,
    checks_from_text,
    checks_text,
    read_table,
    sheet_names,
    suggest_mapping,
)
from workbench.errors import UsageError
from workbench.suite import Case, Check

DATA = Path(__file__).parent / "data" / "case_tables"


# --- reading each format ------------------------------------------------------------------------


def test_csv_cells_are_text_as_written() -> None:
    table = read_table(DATA / "cases.csv")
    assert table == Table(
        "cases.csv",
        ("question", "count", "score", "__expected", "__description"),
        (
            ("What is the capital of France?", "3", "1.50", "contains: Paris", "capital"),
            ('A "quoted"\nquestion', "", "2", "", ""),
            # The row of empty cells is left out.
            ("Who wrote Hamlet?", "10", "", "icontains: shakespeare", ""),
        ),
    )


def test_tsv_keeps_quoted_tabs() -> None:
    table = read_table(DATA / "cases.tsv")
    assert table.columns == ("question", "count", "expected")
    assert table.rows == (("What is 2+2?", "4", "contains: 4"), ("tab\there", "", ""))


def test_jsonl_values_become_text_and_nested_values_compact_json() -> None:
    table = read_table(DATA / "cases.jsonl")
    assert table.columns == ("question", "count", "ratio", "share", "tags", "meta", "note", "flag")
    assert table.rows == (
        ("What is 2+2?", "4", "2", "0.25", '["math","easy"]', '{"level":1,"ok":true}', "", ""),
        ("Name a colour", "", "", "", "", "", "", "false"),
    )


def test_jsonl_promptfoo_tests_are_flattened_with_their_checks_in_one_line_form() -> None:
    table = read_table(DATA / "tests.jsonl")
    assert table.columns == ("city", "__expected1", "__expected2", "__description", "year")
    assert table.rows == (
        ("Paris", "contains:France", "similar(0.9):capital of France", "a capital", ""),
        ("Rome", "not-icontains:sorry", "", "", "753"),
    )
    assert len(table.notes) == 1
    assert "test field 'options' not carried over" in table.notes[0]
    assert "tests.jsonl:2" in table.notes[0]


def test_xlsx_whole_numbers_stay_whole_next_to_blanks(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "cases.xlsx"
    frame = pd.DataFrame(
        {
            "question": ["one", "two", "three"],
            "count": [3, None, 5],  # pandas holds this column as floats: 3.0, NaN, 5.0
            "score": [1.5, 2.25, None],
            "ok": [True, False, None],
            "day": [datetime.datetime(2024, 5, 17), None, datetime.datetime(2024, 5, 17, 9, 30)],
        }
    )
    frame.to_excel(path, index=False, sheet_name="Cases")
    table = read_table(path)
    assert table == Table(
        "cases.xlsx",
        ("question", "count", "score", "ok", "day"),
        (
            ("one", "3", "1.5", "true", "2024-05-17"),
            ("two", "", "2.25", "false", ""),
            ("three", "5", "", "", "2024-05-17 09:30:00"),
        ),
    )


def test_xlsx_sheets_are_listed_and_chosen(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": ["first"]}).to_excel(writer, index=False, sheet_name="One")
        pd.DataFrame({"b": ["second"]}).to_excel(writer, index=False, sheet_name="Two")
        pd.DataFrame().to_excel(writer, index=False, sheet_name="Blank")
    assert sheet_names(path) == ["One", "Two", "Blank"]
    assert read_table(path).rows == (("first",),)
    assert read_table(path, "Two") == Table("book.xlsx", ("b",), (("second",),))
    with pytest.raises(UsageError, match=r"no sheet named 'Three' \(sheets: One, Two, Blank\)"):
        read_table(path, "Three")
    with pytest.raises(UsageError, match="sheet 'Blank' is empty"):
        read_table(path, "Blank")


def test_parquet_integer_columns_with_nulls_stay_integers(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "cases.parquet"
    frame = pd.DataFrame(
        {
            "question": ["one", "two", None],
            "count": pd.array([3, None, 5], dtype="Int64"),
            "score": [0.5, 2.0, None],
            "tags": [["a", "b"], None, []],
        }
    )
    frame.to_parquet(path, index=False)
    assert read_table(path) == Table(
        "cases.parquet",
        ("question", "count", "score", "tags"),
        (("one", "3", "0.5", '["a","b"]'), ("two", "", "2", ""), ("", "5", "", "[]")),
    )


# --- files that cannot be read ------------------------------------------------------------------


def test_an_unclosed_quote_names_the_line_it_opens_on() -> None:
    with pytest.raises(UsageError) as caught:
        read_table(DATA / "broken_quote.csv")
    assert str(caught.value) == (
        f'{DATA / "broken_quote.csv"}:2: a quoted value is never closed (its opening " is on this'
        " line)"
    )


def test_a_row_with_too_many_values_names_its_line_after_a_multiline_value() -> None:
    with pytest.raises(UsageError) as caught:
        read_table(DATA / "ragged.csv")
    assert str(caught.value) == (
        f"{DATA / 'ragged.csv'}:4: 3 values, but the first row names 2 columns"
    )


def test_an_invalid_jsonl_line_is_named() -> None:
    with pytest.raises(UsageError, match=r"bad_line\.jsonl:4: invalid JSON"):
        read_table(DATA / "bad_line.jsonl")


def test_a_jsonl_line_that_is_no_object(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('{"a": "1"}\n["a"]\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"list\.jsonl:2: each line must be a JSON object"):
        read_table(path)


def test_a_jsonl_test_with_a_check_a_cell_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "schema.jsonl"
    path.write_text(
        '{"vars": {"a": "1"}, "assert": [{"type": "is-json", "value": {"type": "object"}}]}\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match=r"schema\.jsonl:1: assert\[0\] \(is-json\) has no one"):
        read_table(path)


def test_a_text_file_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_text("question,answer\nWhat?,This\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cases\.xlsx: not an Excel \.xlsx workbook"):
        read_table(path)
    with pytest.raises(UsageError, match=r"cases\.xlsx: not an Excel \.xlsx workbook"):
        sheet_names(path)


def test_a_zip_that_is_no_workbook(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(UsageError, match=r"cases\.xlsx: not an Excel \.xlsx workbook"):
        read_table(path)


def test_a_text_file_renamed_parquet(tmp_path: Path) -> None:
    path = tmp_path / "cases.parquet"
    path.write_text("question\nWhat?\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cases\.parquet: not a Parquet file"):
        read_table(path)


@pytest.mark.parametrize("name", ["empty.csv", "empty.tsv", "empty.jsonl", "e.xlsx", "e.parquet"])
def test_an_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(UsageError, match="the file is empty"):
        read_table(path)


@pytest.mark.parametrize("text", ["\n\n", "\ufeff\n"])
def test_a_file_of_blank_lines_is_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "blank.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=r"blank\.csv: the file is empty"):
        read_table(path)


def test_a_header_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("question,answer\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"a header row \(question, answer\) but no cases"):
        read_table(path)


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("q,a,q\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="column 'q' appears twice"):
        read_table(path)


def test_duplicate_column_names_in_parquet(tmp_path: Path) -> None:
    import pyarrow as pa  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415

    path = tmp_path / "twice.parquet"
    # pandas refuses to write this; other tools do not.
    pq.write_table(pa.Table.from_arrays([pa.array(["1"]), pa.array(["2"])], names=["q", "q"]), path)
    with pytest.raises(UsageError, match="column 'q' appears twice"):
        read_table(path)


def test_a_nameless_column_is_dropped_when_empty_and_refused_when_not(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("q,,a,\n1,,2,\n", encoding="utf-8")
    assert read_table(path) == Table("gaps.csv", ("q", "a"), (("1", "2"),))
    path.write_text("q,,a\n1,x,2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="column 2 has values but no name"):
        read_table(path)


def test_missing_file_unknown_suffix_and_sheets_of_a_csv(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nowhere\.csv: no such file"):
        read_table(tmp_path / "nowhere.csv")
    other = tmp_path / "cases.txt"
    other.write_text("q\n1\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"cannot read \.txt; use \.csv, \.tsv, \.jsonl"):
        read_table(other)
    with pytest.raises(UsageError, match=r"only \.xlsx files have sheets"):
        read_table(DATA / "cases.csv", "Sheet1")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("q\ncafé\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin\.csv: not a UTF-8 text file"):
        read_table(path)


def test_too_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("n\n" + "x\n" * (MAX_ROWS + 1), encoding="utf-8")
    with pytest.raises(UsageError, match=r"big\.csv: more than 100,000 rows"):
        read_table(path)
    lines = tmp_path / "big.jsonl"
    lines.write_text('{"n": "x"}\n' * (MAX_ROWS + 1), encoding="utf-8")
    with pytest.raises(UsageError, match=r"big\.jsonl: more than 100,000 rows"):
        read_table(lines)


# --- mapping ------------------------------------------------------------------------------------


def test_suggestion_prefers_exact_names_then_case_insensitive_ones() -> None:
    table = Table("t.csv", ("Question", "question", "TOPIC", "Expected", "Description"), ())
    assert suggest_mapping(table, ["question", "topic"]) == Mapping(
        # "Question" matches no free variable, so it becomes one of its own name.
        {"Question": "Question", "question": "question", "TOPIC": "topic"},
        ("Expected",),
        "Description",
    )


def test_suggestion_knows_promptfoo_columns_and_skips_what_cannot_be_a_variable() -> None:
    table = Table(
        "t.csv",
        ("__expected1", "text", "__expected2", "__description", "first name", "__metric", "n"),
        (),
    )
    assert suggest_mapping(table, ["n"]) == Mapping(
        {"text": "text", "n": "n"}, ("__expected1", "__expected2"), "__description"
    )


def test_a_variable_named_description_takes_its_column() -> None:
    table = Table("t.csv", ("description", "expected"), ())
    assert suggest_mapping(table, ["description"]) == Mapping(
        {"description": "description"}, ("expected",), None
    )


def test_cases_from_rows_with_checks_and_descriptions() -> None:
    table = read_table(DATA / "cases.csv")
    mapping = Mapping({"question": "q", "count": "n"}, ("__expected",), "__description")
    assert cases_from(table, mapping) == [
        Case(
            vars={"q": "What is the capital of France?", "n": "3"},
            checks=(Check("contains", "Paris"),),
            description="capital",
        ),
        Case(vars={"q": 'A "quoted"\nquestion', "n": ""}),
        Case(
            vars={"q": "Who wrote Hamlet?", "n": "10"},
            checks=(Check("icontains", "shakespeare"),),
        ),
    ]


def test_cases_from_several_check_columns_in_order() -> None:
    table = Table(
        "t.csv", ("q", "a", "b"), (("x", "regex: ^\\d+$", "plain answer"), ("y", "", "is-json"))
    )
    cases = cases_from(table, Mapping({"q": "q"}, ("a", "b")))
    assert [case.checks for case in cases] == [
        (Check("regex", "^\\d+$"), Check("equals", "plain answer")),
        (Check("is-json"),),
    ]


def test_a_check_that_cannot_work_names_the_case_and_column() -> None:
    table = Table("t.csv", ("q", "check"), (("fine", "contains: x"), ("bad", "regex: (")))
    with pytest.raises(UsageError, match=r"t\.csv: case 2, column 'check': 'regex'"):
        cases_from(table, Mapping({"q": "q"}, ("check",)))


def test_a_mapping_that_cannot_be_followed() -> None:
    table = Table("t.csv", ("a", "b"), (("1", "2"),))
    with pytest.raises(UsageError, match="columns 'a' and 'b' both feed variable 'x'; choose one"):
        cases_from(table, Mapping({"a": "x", "b": "x"}))
    with pytest.raises(UsageError, match="no column 'c'"):
        cases_from(table, Mapping({"c": "x"}))
    with pytest.raises(UsageError, match="column 'a' is given two uses"):
        cases_from(table, Mapping({"a": "x"}, ("a",)))
    with pytest.raises(UsageError, match="column 'a' feeds a variable with no name"):
        cases_from(table, Mapping({"a": " "}))


# --- checks as editable text --------------------------------------------------------------------


def test_checks_as_text_one_per_line() -> None:
    found = (Check("contains", "Paris"), Check("equals", "Paris, France"), Check("is-json"))
    assert checks_text(found) == "contains:Paris\nParis, France\nis-json"
    assert checks_from_text("contains: Paris\n\n  Paris, France \nis-json\n", "case 1") == found


def test_checks_without_a_one_line_form_have_no_text() -> None:
    assert checks_text((Check("is-json", {"type": "object"}),)) is None
    assert checks_text((Check("equals", "two\nlines"),)) is None
    assert checks_text(()) == ""


def test_checks_text_that_cannot_work() -> None:
    with pytest.raises(UsageError, match="case 3: 'regex'"):
        checks_from_text("contains: a\nregex: [", "case 3")
    with pytest.raises(UsageError, match="""case 3: 'contains': "contains" needs a string"""):
        checks_from_text("contains", "case 3")
    # Types the workbench does not judge are kept as they are, as the importers keep them.
    assert checks_from_text("webhook: http://127.0.0.1/x", "case 3") == (
        Check("webhook", "http://127.0.0.1/x"),
    )
