from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from workbench.cases import load_cases
from workbench.domain import (
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    Timings,
    TokensSource,
    Usage,
)
from workbench.errors import MissingVariableError, UsageError
from workbench.plan import build_plan
from workbench.records import FIELDS, RecordWriter, to_record
from workbench.summary import summarise

PROMPT_A = PromptTemplate("a", (Message("user", "Q: {{q}}"),), params=ModelParams(temperature=0.1))
PROMPT_B = PromptTemplate("b", (Message("system", "Be brief"), Message("user", "{{q}}?")))
MODELS = [ModelSpec("m1", params=ModelParams(max_tokens=5)), ModelSpec("m2")]


def test_plan_is_prompts_x_cases_x_models_x_repeats() -> None:
    cells = build_plan([PROMPT_A, PROMPT_B], MODELS, [{"q": "x"}, {"q": "y"}], repeats=3)
    assert len(cells) == 2 * 2 * 2 * 3
    assert [c.index for c in cells] == list(range(24))
    first = cells[0]
    assert first.messages == (Message("user", "Q: x"),)
    assert first.case_index == 0
    assert first.params == ModelParams(temperature=0.1, max_tokens=5)
    assert {c.repeat for c in cells} == {0, 1, 2}


def test_plan_fails_before_any_call_on_a_missing_variable() -> None:
    with pytest.raises(MissingVariableError, match="q"):
        build_plan([PROMPT_A], MODELS, [{"other": "1"}])


def test_cases_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    csv_path.write_text('q,n\n"multi\nline",1\nplain,2\n', encoding="utf-8")
    assert load_cases(csv_path) == ([{"q": "multi\nline", "n": "1"}, {"q": "plain", "n": "2"}], [])
    jsonl = tmp_path / "cases.jsonl"
    jsonl.write_text('{"q": "a", "n": 3}\n\n{"q": "b", "n": [1]}\n', encoding="utf-8")
    assert load_cases(jsonl) == ([{"q": "a", "n": "3"}, {"q": "b", "n": "[1]"}], [])


def test_case_files_read_as_a_suite_reads_them_checks_named_not_used(tmp_path: Path) -> None:
    """The reader of a suite's cases file: promptfoo's columns and test objects, one rule."""
    csv_path = tmp_path / "cases.csv"
    csv_path.write_text(
        "q,__expected,__description,\nhi,contains: h,greeting,x\nbye,,,\n", encoding="utf-8"
    )
    assert load_cases(csv_path) == (
        [{"q": "hi"}, {"q": "bye"}],
        [
            f"{csv_path}:1: column 4 has no name; not carried over",
            (
                f"{csv_path}: 1 of 2 cases have checks of their own; `workbench run` does not "
                "check outputs (use `workbench eval` with a suite)"
            ),
        ],
    )
    jsonl = tmp_path / "tests.jsonl"
    jsonl.write_text('{"vars": {"q": "a"}, "assert": [{"type": "equals", "value": "A"}]}\n')
    variables, [note] = load_cases(jsonl)
    assert variables == [{"q": "a"}]
    assert "1 of 1 cases have checks" in note


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.jsonl", '{"q": 1}\nnot json\n', r"c\.jsonl:2: invalid JSON"),
        ("c.jsonl", "[1, 2]\n", "JSON object"),
        ("c.csv", "q,q\n1,2\n", "column 'q' appears twice"),
        ("c.csv", "q\n1,2\n", "more values than columns"),
        ("c.csv", 'q\n"open\n', r"c\.csv:2: unexpected end of data"),
        ("c.csv", "", "the file is empty"),
        ("c.csv", "q\n", "no cases"),
        ("c.txt", "q\n1\n", "must be a .csv"),
    ],
)
def test_bad_case_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_cases(path)


def _result(index: int, ok: bool = True) -> CellResult:
    cell = build_plan([PROMPT_A], MODELS, [{"q": "x"}], repeats=2)[index]
    if not ok:
        return CellResult(
            cell,
            "",
            None,
            None,
            Cost(None, CostSource.UNKNOWN),
            None,
            3,
            CellError("rate_limit", "slow down", True),
        )
    return CellResult(
        cell=cell,
        output="hello, world",
        finish_reason="stop",
        usage=Usage(10, 4, TokensSource.REPORTED),
        cost=Cost(0.001, CostSource.PRICE_MAP),
        timings=Timings(ttft_ms=100.0, latency_ms=300.0, decode_ms=200.0),
        attempts=1,
    )


def test_record_has_the_documented_fields() -> None:
    record = to_record(_result(0))
    assert tuple(record) == FIELDS
    assert record["vars"] == {"q": "x"}
    assert record["tokens_source"] == "reported"
    assert record["output_tokens_per_s"] == 20.0  # 4 tokens over 200 ms from first token
    assert record["error"] is None
    failed = to_record(_result(1, ok=False))
    assert failed["error"] == {"type": "rate_limit", "message": "slow down", "retryable": True}


def test_writers_append_jsonl_and_csv(tmp_path: Path) -> None:
    for suffix in (".jsonl", ".csv"):
        path = tmp_path / f"out{suffix}"
        with RecordWriter(path) as writer:
            writer.write(_result(0))
            writer.write(_result(1, ok=False))
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text().splitlines()]
            assert rows[1]["error"]["type"] == "rate_limit"
        else:
            with path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
            assert json.loads(rows[0]["vars"]) == {"q": "x"}
            assert rows[1]["output_tokens"] == ""
    with pytest.raises(UsageError, match="must end in"):
        RecordWriter(tmp_path / "out.txt")


def test_summary_groups_and_medians() -> None:
    results = [_result(0), _result(1, ok=False), _result(2)]
    summaries = summarise(results)
    assert [(s.prompt, s.model, s.cells, s.failures) for s in summaries] == [
        ("a", "m1", 2, 1),
        ("a", "m2", 1, 0),
    ]
    first = summaries[0]
    assert first.median_latency_ms == 300.0
    assert first.input_tokens == 10
    assert first.cost_usd == pytest.approx(0.001)
