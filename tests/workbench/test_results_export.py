"""Result exports (CSV, JSONL, Parquet, HTML) and preference pairs, read back as their readers do.

The matrix is `test_charts.small_matrix`: three cases under p × m1 (passes 2 of 3) and p × m2
(passes 1 of 3; its case-2 call failed and its case-1 call's cost is unknown).
"""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.workbench.test_charts import CASES, small_matrix
from workbench.domain import CellResult, Cost, CostSource, Message, ModelSpec, PromptTemplate
from workbench.errors import UsageError
from workbench.evaluation import CellVerdict
from workbench.matrix import build_matrix
from workbench.plan import build_plan
from workbench.ratings import Choice, Mark, Preference, Side
from workbench.records import FIELDS
from workbench.report_html import money, render_report
from workbench.results_export import (
    EXPORT_FORMATS,
    RESULT_FIELDS,
    export_preferences,
    export_results,
    result_rows,
)
from workbench.suite import Case, Check

MARKS = {0: Mark(rating=1, score=4, note="crisp"), 5: Mark(rating=-1)}
HOSTILE_OUTPUT = "</script><img src=x onerror=alert(1)>"


def test_rows_start_from_the_record_fields_and_add_judging_and_marks() -> None:
    rows = result_rows(small_matrix(), MARKS, CASES)
    assert RESULT_FIELDS[: len(FIELDS)] == FIELDS
    assert [list(row) for row in rows] == [list(RESULT_FIELDS)] * 6
    assert [row["cell"] for row in rows] == [0, 1, 2, 3, 4, 5]  # plan order
    first = rows[0]
    assert first["prompt"] == "p"
    assert first["model"] == "m1"
    assert first["vars"] == {"q": "a"}
    assert first["output"] == "yes a"
    assert first["cost_usd"] == 0.001
    assert first["latency_ms"] == 100.0
    assert first["case_number"] == 1
    assert first["description"] == "first"
    assert first["column"] == "p × m1"
    assert first["passed"] is True
    assert first["score"] == 1.0
    assert first["checks"] == [
        {
            "type": "contains",
            "value": "yes",
            "threshold": None,
            "passed": True,
            "score": 1.0,
            "reason": "output contains 'yes'",
        }
    ]
    assert first["pending_checks"] == 0
    assert (first["rating"], first["human_score"], first["note"]) == (1, 4, "crisp")
    failed_call = rows[3]
    assert failed_call["error"]["type"] == "server_error"
    assert (failed_call["passed"], failed_call["score"], failed_call["checks"]) == (False, 0.0, [])
    assert failed_call["case_number"] == 2
    assert (rows[5]["rating"], rows[5]["human_score"], rows[5]["note"]) == (-1, None, None)
    assert rows[4]["passed"] is False
    assert rows[4]["checks"][0]["reason"] == "output does not contain 'yes'"


def test_rows_count_pending_model_graded_checks() -> None:
    prompt = PromptTemplate("p", (Message("user", "hi"),))
    cells = build_plan([prompt], [ModelSpec("m1")])
    result = CellResult(cells[0], "hello", "stop", None, Cost(0.0, CostSource.LOCAL), None, 1)
    rubric = Check("llm-rubric", "is polite")
    verdict = CellVerdict(result, Case({}, (rubric,)), 1, (), (rubric,))
    (row,) = result_rows(build_matrix(cells, [verdict]))
    assert row["pending_checks"] == 1
    assert row["passed"] is False  # not judged yet is not a pass
    assert (row["case_number"], row["description"], row["rating"]) == (1, "", None)


def test_csv_has_every_field_and_nested_values_as_compact_json(tmp_path: Path) -> None:
    path = export_results(tmp_path / "results.csv", small_matrix(), marks=MARKS, cases=CASES)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == RESULT_FIELDS
        rows = list(reader)
    assert len(rows) == 6
    assert rows[0]["vars"] == '{"q":"a"}'
    assert rows[0]["column"] == "p × m1"
    assert rows[0]["passed"] == "True"
    assert json.loads(rows[0]["checks"])[0]["reason"] == "output contains 'yes'"
    assert rows[1]["cost_usd"] == ""  # unknown: empty, never 0
    assert json.loads(rows[3]["error"])["type"] == "server_error"
    assert rows[0]["note"] == "crisp"


def test_jsonl_is_one_object_per_row(tmp_path: Path) -> None:
    path = export_results(tmp_path / "results.jsonl", small_matrix(), marks=MARKS, cases=CASES)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == result_rows(small_matrix(), MARKS, CASES)


def test_parquet_reads_back_with_typed_columns(tmp_path: Path) -> None:
    import pandas as pd

    path = export_results(tmp_path / "results.parquet", small_matrix(), marks=MARKS)
    frame = pd.read_parquet(path)
    assert tuple(frame.columns) == RESULT_FIELDS
    assert str(frame["cell"].dtype) == "Int64"
    assert str(frame["rating"].dtype) == "Int64"
    assert str(frame["cost_usd"].dtype) == "Float64"
    assert str(frame["passed"].dtype) == "boolean"
    assert frame["cell"].tolist() == [0, 1, 2, 3, 4, 5]
    assert frame["passed"].tolist() == [True, True, True, False, False, False]
    assert frame["cost_usd"].isna().tolist() == [False, True, False, True, False, False]
    assert frame["cost_usd"][4] == 0.003
    assert frame["rating"][0] == 1
    assert frame["rating"].isna().tolist() == [False, True, True, True, True, False]
    assert frame["error"].isna().tolist() == [True, True, True, False, True, True]
    assert json.loads(frame["vars"][2]) == {"q": "b"}
    assert json.loads(frame["checks"][4])[0]["passed"] is False
    assert frame["column"][1] == "p × m2"


def test_parquet_of_a_run_with_nothing_ended_is_an_empty_table(tmp_path: Path) -> None:
    import pandas as pd

    prompt = PromptTemplate("p", (Message("user", "hi"),))
    empty = build_matrix(build_plan([prompt], [ModelSpec("m1")]), [])
    frame = pd.read_parquet(export_results(tmp_path / "none.parquet", empty))
    assert tuple(frame.columns) == RESULT_FIELDS
    assert len(frame) == 0


def test_format_comes_from_fmt_before_the_suffix(tmp_path: Path) -> None:
    path = export_results(tmp_path / "results.txt", small_matrix(), fmt="jsonl")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 6


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("results.xlsx", None, r"suffix '\.xlsx' names no export format; use one of csv, jsonl"),
        ("results", None, "no suffix names no export format"),
        ("results.csv", "xml", "unknown export format 'xml': choose one of csv, jsonl, parquet"),
    ],
)
def test_unknown_formats_name_the_choices(
    tmp_path: Path, name: str, fmt: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        export_results(tmp_path / name, small_matrix(), fmt=fmt)
    assert list(tmp_path.iterdir()) == []
    assert EXPORT_FORMATS == ("csv", "jsonl", "parquet", "html")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".html"])
def test_a_failed_export_names_the_path_and_leaves_no_partial_file(
    tmp_path: Path, suffix: str
) -> None:
    occupied = tmp_path / f"results{suffix}"
    occupied.mkdir()  # a folder where the file should go: the final move fails
    with pytest.raises(UsageError, match=f"results\\{suffix}: cannot write"):
        export_results(occupied, small_matrix())
    assert [p.name for p in tmp_path.iterdir()] == [occupied.name]
    missing = tmp_path / "no such folder" / "results.csv"
    with pytest.raises(UsageError, match="no such folder"):
        export_results(missing, small_matrix())


def test_a_new_export_replaces_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("old\n" * 100, encoding="utf-8")
    export_results(path, small_matrix())
    assert len(path.read_text(encoding="utf-8").splitlines()) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["results.jsonl"]


# --- preference pairs ----------------------------------------------------------------------------


def _preference(choice: Choice) -> Preference:
    return Preference(
        left=Side(7, 0, "p", "m1", "Paris."),
        right=Side(7, 1, "p", "m2", "It is Paris, France."),
        choice=choice,
        variables={"q": "capital of France?"},
        id=3,
        created_at="2025-01-02T03:04:05Z",
    )


def test_preferences_as_chosen_and_rejected_pairs(tmp_path: Path) -> None:
    path = export_preferences(
        tmp_path / "pairs.jsonl",
        [_preference(Choice.LEFT), _preference(Choice.RIGHT), _preference(Choice.TIE)],
    )
    left, right, tie = (json.loads(line) for line in path.read_text("utf-8").splitlines())
    assert left == {
        "id": 3,
        "created_at": "2025-01-02T03:04:05Z",
        "variables": {"q": "capital of France?"},
        "left": {"run_id": 7, "cell": 0, "prompt": "p", "model": "m1", "output": "Paris."},
        "right": {
            "run_id": 7,
            "cell": 1,
            "prompt": "p",
            "model": "m2",
            "output": "It is Paris, France.",
        },
        "choice": "left",
        "chosen": "Paris.",
        "rejected": "It is Paris, France.",
    }
    assert (right["choice"], right["chosen"], right["rejected"]) == (
        "right",
        "It is Paris, France.",
        "Paris.",
    )
    assert (tie["choice"], tie["chosen"], tie["rejected"]) == ("tie", None, None)


# --- the HTML report -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """What a reader of the page gets: tags with attributes, tables as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _report(**outputs: Any) -> str:
    matrix = small_matrix(outputs={int(k[1:]): v for k, v in outputs.items()})
    return render_report(matrix, MARKS, CASES, "Capitals & <friends>", "2025-01-02 03:04 UTC")


def test_report_summary_figures_match_hand_arithmetic() -> None:
    page = _page(_report())
    assert page.tables["summary"] == [
        [
            "Column",
            "Trials",
            "Passed",
            "Pass rate (95% interval)",
            "Errors",
            "Mean score",
            "Median latency",
            "Median TTFT",
            "Tokens in / out",
            "Cost",
        ],
        # Wilson 95%: 2/3 -> (0.2077, 0.9385); 1/3 -> (0.0615, 0.7923). Scores: m1 1, 1, 0;
        # m2 1, 0 (failed call), 0. Latency medians of 100/200/400 and 150/250; TTFT is half.
        # Tokens 10 in / 5 out per successful call; m2 has a call of unknown cost.
        ["p × m1", "3", "2", "67% (21%–94%)", "0", "0.67", "200 ms", "100 ms", "30 / 15", "$0.006"],
        ["p × m2", "3", "1", "33% (6%–79%)", "1", "0.33", "200 ms", "100 ms", "20 / 10", "unknown"],
    ]


def test_report_is_self_contained() -> None:
    html = _report()
    assert "http://" not in html
    assert "https://" not in html
    assert "src=" not in html
    page = _page(html)
    assert not [tag for tag, _ in page.tags if tag in ("script", "img", "link", "iframe")]
    assert [tag for tag, _ in page.tags].count("svg") == 4  # every chart inline
    policy = [a["content"] for t, a in page.tags if a.get("http-equiv")]
    assert policy == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]


def test_report_escapes_outputs_and_titles() -> None:
    html = _report(c0=HOSTILE_OUTPUT)
    assert HOSTILE_OUTPUT not in html
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    page = _page(html)
    assert not [tag for tag, _ in page.tags if tag in ("script", "img")]
    assert HOSTILE_OUTPUT in "".join(page.text)  # the reader sees the text as the model wrote it
    assert "Capitals & <friends>" in "".join(page.text)


def test_report_matrix_rows_outcomes_reasons_and_marks() -> None:
    long_output = "line\n" * 50
    page = _page(_report(c2=long_output))
    matrix_rows = page.tables["matrix"]
    assert matrix_rows[0] == ["Case", "Variables", "p × m1", "p × m2"]
    first, second, third = matrix_rows[1:]
    assert first[0] == "#1first"
    assert first[1] == "qa"
    assert first[2].startswith("pass")
    assert "👍 · score 4/5 · note: crisp" in first[2]
    assert second[3] == "failcall failed: the provider had an internal error"
    assert third[3].startswith("fail")
    assert "contains: output does not contain 'yes'" in third[3]
    assert "👎" in third[3]
    row_classes = [a.get("class") for t, a in page.tags if t == "tr" and a.get("class")]
    assert row_classes == ["passing", "failing", "failing"]
    assert [t for t, _ in page.tags].count("details") == 1  # the long output folds
    assert ("input", {"type": "checkbox", "id": "failures-only"}) in page.tags


def test_report_significance_pairs_best_with_the_others() -> None:
    page = _page(_report())
    text = " ".join(page.text)
    # Pairs (m1, m2): pass/pass, pass/fail, fail/fail: one discordant pair, exact p = 1.
    assert "p × m1 passes 67% vs 33% for p × m2" in text
    assert "McNemar" in text


def test_html_export_through_export_results(tmp_path: Path) -> None:
    path = export_results(
        tmp_path / "report.html", small_matrix(), title="T", generated_at="yesterday"
    )
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Generated yesterday" in html


@pytest.mark.parametrize(
    ("usd", "shown"),
    [
        (None, "unknown"),
        (0.0, "$0.00"),
        (1.5, "$1.50"),
        (0.0234, "$0.0234"),
        (0.000123, "$0.000123"),
    ],
)
def test_money(usd: float | None, shown: str) -> None:
    assert money(usd) == shown
