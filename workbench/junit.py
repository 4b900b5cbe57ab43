"""Evaluation verdicts as a JUnit XML report, the format every CI system shows as test results.

One <testsuite> per prompt x model, one <testcase> per cell; a failed check is a <failure>, a call
that failed is an <error>, as JUnit tells failing assertions from broken tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from workbench.errors import UsageError
from workbench.evaluation import CellVerdict

# Characters XML 1.0 cannot hold even escaped (a model may well emit an escape code or a NUL).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(verdicts: Sequence[CellVerdict], name: str) -> bytes:
    groups: dict[tuple[str, str], list[CellVerdict]] = {}
    for verdict in verdicts:
        cell = verdict.result.cell
        groups.setdefault((cell.prompt.name, cell.model.label), []).append(verdict)
    root = ET.Element("testsuites", name=_clean(name))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    for (prompt, model), group in groups.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(f"{prompt} x {model}"))
        counts = {"tests": len(group), "failures": 0, "errors": 0}
        suite_time = 0.0
        for verdict in group:
            seconds = _seconds(verdict)
            suite_time += seconds
            case = ET.SubElement(
                suite,
                "testcase",
                name=_clean(_case_name(verdict)),
                classname=_clean(f"{prompt}.{model}"),
                time=f"{seconds:.3f}",
            )
            error = verdict.result.error
            if error is not None:
                counts["errors"] += 1
                message = _clean(error.message)
                ET.SubElement(case, "error", message=message, type=error.type).text = message
            elif not verdict.passed:
                counts["failures"] += 1
                reasons = verdict.reasons
                detail = "\n".join(reasons) + "\n\noutput:\n" + verdict.result.output
                ET.SubElement(
                    case, "failure", message=_clean(reasons[0]), type="check"
                ).text = _clean(detail)
            ET.SubElement(case, "system-out").text = _clean(verdict.result.output)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{suite_time:.3f}")
        total_time += suite_time
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _case_name(verdict: CellVerdict) -> str:
    cell = verdict.result.cell
    label = verdict.case.description or f"case {verdict.case_number}"
    return f"{label} (repeat {cell.repeat + 1})" if cell.repeat else label


def _seconds(verdict: CellVerdict) -> float:
    timings = verdict.result.timings
    return timings.latency_ms / 1000.0 if timings is not None else 0.0


def write_junit(path: Path, verdicts: Sequence[CellVerdict], name: str) -> None:
    try:
        path.write_bytes(junit_xml(verdicts, name))
    except OSError as exc:
        raise UsageError(f"--junit {path}: cannot write: {exc.strerror}") from exc
