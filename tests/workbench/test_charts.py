"""Charts as SVG: well-formed, escaped, and bars and boxes where hand arithmetic puts them.

The frame every chart shares: the plot runs from y=50 (top) to y=290 (bottom, 240 px), from x=80
to 24 px before the right edge; a chart is 640 px wide until it needs more room.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

import pytest

from workbench.charts import (
    NO_DATA,
    charts_of,
    cost_chart,
    cost_quality_chart,
    latency_chart,
    nice_ticks,
    pass_rate_chart,
)
from workbench.checks import Verdict
from workbench.domain import (
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelSpec,
    PromptTemplate,
    Timings,
    TokensSource,
    Usage,
)
from workbench.evaluation import CellVerdict
from workbench.matrix import Matrix, build_matrix
from workbench.plan import build_plan
from workbench.suite import Case, Check

NS = {"svg": "http://www.w3.org/2000/svg"}
CONTAINS = Check("contains", "yes")
CASES = (
    Case({"q": "a"}, (CONTAINS,), "first"),
    Case({"q": "b"}, (CONTAINS,), "second"),
    Case({"q": "c"}, (CONTAINS,), "third"),
)
HOSTILE = "<script>alert(1)</script> & co"

# Per plan cell (case 0 m1, case 0 m2, case 1 m1, ...): output, latency ms, cost USD, passed.
# None as latency: the call failed. m1 passes 2 of 3, m2 1 of 3 (one call failed).
TRIALS: tuple[tuple[str, float | None, float | None, bool], ...] = (
    ("yes a", 100.0, 0.001, True),
    ("yes", 150.0, None, True),
    ("yes b", 200.0, 0.002, True),
    ("", None, None, False),
    ("no", 400.0, 0.003, False),
    ("nope", 250.0, 0.004, False),
)


def small_matrix(prompt: str = "p", outputs: Mapping[int, str] | None = None) -> Matrix:
    """Three cases under two columns, `prompt` x m1 and `prompt` x m2 (see TRIALS); `outputs`
    replaces the outputs of some cells (by cell index), leaving their verdicts."""
    template = PromptTemplate(prompt, (Message("user", "{{q}}"),))
    cells = build_plan([template], [ModelSpec("m1"), ModelSpec("m2")], [c.vars for c in CASES])
    verdicts = []
    for cell, (output, latency, cost, passed) in zip(cells, TRIALS, strict=True):
        case = CASES[cell.case_index or 0]
        if latency is None:
            error = CellError("server_error", "the provider had an internal error", True)
            result = CellResult(
                cell, "", None, None, Cost(None, CostSource.UNKNOWN), None, 3, error
            )
            verdicts.append(CellVerdict(result, case, (cell.case_index or 0) + 1, ()))
            continue
        result = CellResult(
            cell,
            (outputs or {}).get(cell.index, output),
            "stop",
            Usage(10, 5, TokensSource.REPORTED),
            Cost(cost, CostSource.PRICE_MAP if cost is not None else CostSource.UNKNOWN),
            Timings(latency / 2, latency, latency / 2),
            1,
        )
        reason = "output contains 'yes'" if passed else "output does not contain 'yes'"
        check = Verdict(CONTAINS, passed, 1.0 if passed else 0.0, reason)
        verdicts.append(CellVerdict(result, case, (cell.case_index or 0) + 1, (check,)))
    return build_matrix(cells, verdicts)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything not well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") is not None
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def of_class(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{{http://www.w3.org/2000/svg}}{tag}") if e.get("class") == css]


def floats(element: ET.Element, *names: str) -> tuple[float, ...]:
    return tuple(float(element.get(name, "nan")) for name in names)


def test_pass_rate_bars_and_wilson_error_bars_where_hand_arithmetic_puts_them() -> None:
    root = parse(pass_rate_chart(small_matrix().summaries))
    bars = of_class(root, "rect", "bar")
    # Two slots of (640 - 80 - 24) / 2 = 268 px; bars 64 px wide, centred at 214 and 482.
    # 2/3 of 240 px is 160 (top at 290 - 160 = 130); 1/3 is 80 (top at 210).
    assert [floats(b, "x", "y", "width", "height") for b in bars] == [
        (182.0, 130.0, 64.0, 160.0),
        (450.0, 210.0, 64.0, 80.0),
    ]
    # Wilson 95% for 2/3: (0.2077, 0.9385), so the error bar runs from y = 290 - 240 * 0.2077
    # = 240.16 to 290 - 240 * 0.9385 = 64.76 along x = 214.
    verticals = [
        floats(line, "y1", "y2")
        for line in root.iter("{http://www.w3.org/2000/svg}line")
        if line.get("x1") == line.get("x2") == "214"
    ]
    assert verticals == [pytest.approx((240.16, 64.76), abs=0.02)]
    shown = texts(root)
    assert "67% (2/3)" in shown
    assert "33% (1/3)" in shown
    assert "Pass rate" in shown
    assert "trials passed" in shown  # the y axis says what it counts
    assert [t for t in shown if t.endswith("%")][:6] == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_latency_boxes_per_model_from_quartiles() -> None:
    root = parse(latency_chart(small_matrix()))
    # m1: 100, 200, 400 ms. Inclusive quartiles: 150, 200, 300. Ticks 0..400 in steps of 100,
    # so y(v) = 290 - 240 v / 400: q3 -> 110, q1 -> 200 (a 90 px box), median -> 170.
    boxes = of_class(root, "rect", "box")
    assert floats(boxes[0], "y", "height") == (110.0, 90.0)
    # m2: its failed call has no latency; 150 and 250 give quartiles 175, 200, 225.
    assert floats(boxes[1], "y", "height") == (155.0, 30.0)
    points = of_class(root, "circle", "point")
    assert sorted(float(p.get("cy", "0")) for p in points) == [
        50.0,  # 400
        140.0,  # 250
        170.0,  # 200
        200.0,  # 150
        230.0,  # 100
    ]
    shown = texts(root)
    assert {"0", "100", "200", "300", "400", "latency (ms)", "m1", "m2"} <= set(shown)


def test_cost_chart_leaves_unknown_costs_out_and_says_so() -> None:
    root = parse(cost_chart(small_matrix()))
    points = of_class(root, "circle", "point")
    # m1: $0.001, $0.002, $0.003; m2: $0.004 (its other call's cost is unknown, not 0).
    # Ticks $0.000..$0.004: y(v) = 290 - 240 v / 0.004.
    assert sorted(float(p.get("cy", "0")) for p in points) == [50.0, 110.0, 170.0, 230.0]
    shown = texts(root)
    assert "$0.004" in shown
    assert "cost per call (USD)" in shown
    assert any("unknown cost" in t and "m2" in t for t in shown)


def test_cost_quality_scatter_draws_known_costs_and_names_the_rest() -> None:
    root = parse(cost_quality_chart(small_matrix().summaries))
    points = of_class(root, "circle", "point")
    # Only p x m1 ($0.006 total, 2/3 passed); ticks $0..$0.006 in steps of $0.002, so it sits
    # on the right end of the axis (x = 640 - 24 = 616) at y = 130.
    assert [floats(p, "cx", "cy") for p in points] == [(616.0, 130.0)]
    shown = texts(root)
    assert "total cost of the column's calls (USD)" in shown
    assert "p × m1" in shown
    assert any(t.startswith("Cost unknown, not drawn: p × m2") for t in shown)


def test_a_hostile_prompt_name_is_escaped() -> None:
    for name, svg in charts_of(small_matrix(HOSTILE)).items():
        assert "<script" not in svg, name
        root = parse(svg)
        assert not [e for e in root.iter() if e.tag.endswith("script")], name
    for svg in (
        pass_rate_chart(small_matrix(HOSTILE).summaries),
        cost_quality_chart(small_matrix(HOSTILE).summaries),
    ):
        # The full name (as a tooltip) reads back as the very characters typed.
        titles = ["".join(t.itertext()) for t in parse(svg).iter(f"{{{NS['svg']}}}title")]
        assert f"{HOSTILE} × m1" in titles


def test_long_labels_are_cut_in_the_middle_keeping_the_model() -> None:
    # 34 characters cut to 28: the first 13, an ellipsis, the last 14.
    root = parse(pass_rate_chart(small_matrix("summarise-v2 with a long name").summaries))
    labels = ["".join(t.itertext()) for t in of_class(root, "text", "category")]
    assert labels == ["summarise-v2 …long name × m1", "summarise-v2 …long name × m2"]


def test_escape_codes_in_names_still_make_well_formed_xml() -> None:
    parse(pass_rate_chart(small_matrix("bell\x07 and nul\x00").summaries))


def test_empty_data_says_no_data_yet() -> None:
    template = PromptTemplate("p", (Message("user", "hi"),))
    empty = build_matrix(build_plan([template], [ModelSpec("m1")]), [])
    for name, svg in charts_of(empty).items():
        shown = texts(parse(svg))
        assert NO_DATA in shown, name
        assert not of_class(parse(svg), "rect", "bar")


def test_charts_are_deterministic() -> None:
    assert charts_of(small_matrix()) == charts_of(small_matrix())


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (400.0, [0, 100, 200, 300, 400]),
        (0.004, [0, 0.001, 0.002, 0.003, 0.004]),
        (0.006, [0, 0.002, 0.004, 0.006]),
        (12.0, [0, 2.5, 5, 7.5, 10, 12.5]),
        (0.0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_nice_ticks(maximum: float, ticks: list[float]) -> None:
    assert nice_ticks(maximum) == pytest.approx(ticks)
