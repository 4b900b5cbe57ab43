"""`workbench eval` end to end: the sample suite in resources/ against the fake server."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from tests.integration.cli import ROOT, workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

SAMPLES = ROOT / "resources" / "samples"
JUNIT_XSD = ROOT / "tests" / "support" / "junit.xsd"
RIGHT = (
    ("nobody answered", "negative"),
    ("Nothing special", "Neutral."),
    ("Best support", "positive"),
)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES, copy)
    return copy


def run_eval(
    suite: Path, server: FakeOpenAIServer, *extra: str | Path
) -> subprocess.CompletedProcess[str]:
    return workbench(
        "eval", suite, "--model", "fake-a", "--api-base", server.base_url,
        "--db", suite.parent / "store.db", *extra,
    )  # fmt: skip


def test_the_sample_suite_passes_with_a_valid_junit_file(
    server: FakeOpenAIServer, suite: Path
) -> None:
    server.behave("fake-a", Behaviour(replies=RIGHT))
    junit, out = suite.parent / "report.xml", suite.parent / "out.jsonl"
    proc = run_eval(suite, server, "--junit", junit, "--out", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 of 3 cells passed (100.0%)" in proc.stdout
    assert "classify" in proc.stdout and "fake-a" in proc.stdout
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(junit))
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "0", "0")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["passed"] for r in records] == [True, True, True]
    # The suite's two checks and the case's own expectation, each with its verdict.
    assert [c["type"] for c in records[0]["checks"]] == ["regex", "latency", "icontains"]
    assert server.request_count() == 3


def test_a_failing_check_exits_1_and_names_the_case(server: FakeOpenAIServer, suite: Path) -> None:
    wrong = (("nobody answered", "positive"), *RIGHT[1:])
    server.behave("fake-a", Behaviour(replies=wrong))
    junit = suite.parent / "report.xml"
    proc = run_eval(suite, server, "--junit", junit)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL classify x fake-a, case 1: icontains:" in proc.stdout
    assert "2 of 3 cells passed" in proc.stdout
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(junit))
    failures = ET.parse(junit).getroot().findall(".//failure")
    assert len(failures) == 1 and "negative" in (failures[0].get("message") or "")
    # --fail-under lets a pipeline accept a pass rate.
    assert run_eval(suite, server, "--fail-under", "0.6").returncode == 0
    assert run_eval(suite, server, "--fail-under", "90%").returncode == 1


def test_a_server_that_is_down_fails_the_cells_as_errors(suite: Path, tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    proc = workbench(
        "eval", suite, "--model", "fake-a", "--api-base", "http://127.0.0.1:9/v1",
        "--junit", junit, "--no-store", "--timeout", "5",
    )  # fmt: skip
    assert proc.returncode == 1
    assert ET.parse(junit).getroot().get("errors") == "3"


def test_bad_input_exits_2_with_file_and_line(server: FakeOpenAIServer, suite: Path) -> None:
    (suite / "workbench.yaml").write_text("name: x\nprompts: [classify.prompty]\nchecks: {\n")
    proc = run_eval(suite, server)
    assert proc.returncode == 2
    assert "workbench.yaml:4: invalid YAML" in proc.stderr
    assert server.request_count() == 0


PROMPTFOO = """\
description: Sentiment in promptfoo's own format
prompts:
  - file://classify.txt
providers:
  - openai:chat:fake-a
tests: file://tests.csv
defaultTest:
  assert:
    - type: llm-rubric
      value: is polite
"""


def test_a_promptfoo_config_is_taken_as_it_is(server: FakeOpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "promptfooconfig.yaml").write_text(PROMPTFOO, encoding="utf-8")
    (tmp_path / "classify.txt").write_text("Label the sentiment of: {{message}}", encoding="utf-8")
    (tmp_path / "tests.csv").write_text(
        "message,__expected,__metric\nnobody answered me,icontains: negative,tone\n"
        'Best support ever,"contains-any: positive,Positive",tone\n',
        encoding="utf-8",
    )
    server.behave("fake-a", Behaviour(replies=RIGHT))
    server.behave("fake-b", Behaviour(reply='{"reason": "polite", "pass": true, "score": 1}'))
    config = tmp_path / "promptfooconfig.yaml"
    judged = ("--judge", "fake-b", "--api-base", server.base_url, "--no-store")
    proc = workbench("eval", config, *judged)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "judging" in proc.stderr
    # What promptfoo has and a suite does not is named once, in the reader's own words.
    [dropped] = [line for line in proc.stderr.splitlines() if "__metric" in line]
    assert dropped.startswith("workbench: ") and dropped.endswith(
        "tests.csv: column '__metric' not carried over"
    )
    assert dropped.count("not carried over") == 1
    server.behave("fake-a", Behaviour(reply="neutral"))
    assert workbench("eval", config, *judged).returncode == 1


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def test_history_shows_every_output_of_a_file_version(
    server: FakeOpenAIServer, suite: Path
) -> None:
    git(suite, "init", "-q")
    git(suite, "add", ".")
    git(suite, "commit", "-q", "-m", "samples")
    server.behave("fake-a", Behaviour(replies=RIGHT))
    assert run_eval(suite, server).returncode == 0
    db = suite.parent / "store.db"
    prompt = suite / "classify.prompty"
    listed = workbench("history", "--file", prompt, "--db", db, "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == 3 and {r["dirty"] for r in rows} == {False}
    assert {r["output"] for r in rows} == {"negative", "Neutral.", "positive"}
    # An uncommitted edit is a new file version: its runs are marked, the old ones stay findable.
    prompt.write_text(prompt.read_text().replace("exactly one word", "one word"), encoding="utf-8")
    assert run_eval(suite, server).returncode == 0
    now = [
        json.loads(x)
        for x in workbench("history", "--file", prompt, "--db", db, "--json").stdout.splitlines()
    ]
    assert len(now) == 3 and {r["dirty"] for r in now} == {True}
    then = workbench("history", "--file", prompt, "--rev", "HEAD", "--db", db)
    assert "3 outputs of" in then.stdout and "at HEAD" in then.stdout
