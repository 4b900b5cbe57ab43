"""`workbench eval` with `llm-rubric` checks: a judge model over HTTP grades each output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from storage.run_store import SqlRunStore
from tests.integration.cli import workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer

PROMPT = """\
---
name: reply
---
user:
Reply to the customer: {{message}}
"""
SUITE = """\
name: support
prompts: [reply.prompty]
models: [fake-a]
cases:
  - vars: {message: "Where is my parcel?"}
  - vars: {message: "Thanks a lot!"}
checks:
  - {type: icontains, value: Ana}
  - {type: llm-rubric, value: "answers '{{message}}' politely"}
"""
ANSWERS = (
    ("parcel", "It left our depot today. - Ana"),
    ("Thanks", "You are welcome! - Ana"),
)
VERDICTS = (
    ("depot", '```json\n{"reason": "Clear and courteous.", "pass": true, "score": 0.9}\n```'),
    ("welcome", '{"reason": "Warm and polite.", "pass": true, "score": 1.0}'),
)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    folder = tmp_path / "support"
    folder.mkdir()
    (folder / "reply.prompty").write_text(PROMPT, encoding="utf-8")
    (folder / "workbench.yaml").write_text(SUITE, encoding="utf-8")
    return folder


def run_eval(
    suite: Path, server: FakeOpenAIServer, *extra: str | Path
) -> subprocess.CompletedProcess[str]:
    return workbench("eval", suite, "--api-base", server.base_url, *extra)


def test_rubric_checks_are_graded_by_the_judge_and_kept(
    server: FakeOpenAIServer, suite: Path, tmp_path: Path
) -> None:
    server.behave("fake-a", Behaviour(replies=ANSWERS))
    server.behave("fake-b", Behaviour(replies=VERDICTS))
    out, db = tmp_path / "out.jsonl", tmp_path / "store.db"
    proc = run_eval(suite, server, "--judge", "fake-b", "--out", out, "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 of 2 cells passed (100.0%)" in proc.stdout
    assert "judging 2 checks with fake-b" in proc.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["checks"][1] for r in records] == [
        {
            "type": "llm-rubric",
            "value": "answers '{{message}}' politely",
            "passed": True,
            "score": 0.9,
            "reason": "Clear and courteous.",
            "judge": "fake-b",
        },
        {
            "type": "llm-rubric",
            "value": "answers '{{message}}' politely",
            "passed": True,
            "score": 1.0,
            "reason": "Warm and polite.",
            "judge": "fake-b",
        },
    ]
    assert "judge" not in records[0]["checks"][0]
    sent = server.requests(model="fake-b")
    assert len(sent) == 2 and {r.body["temperature"] for r in sent} == {0}
    assert any(
        "<rubric>\nanswers 'Where is my parcel?' politely\n</rubric>"
        in r.body["messages"][1]["content"]
        for r in sent
    )
    store = SqlRunStore.open(db)
    try:
        kept = store.judgements(1)
    finally:
        store.close()
    assert [(j.cell, j.position, j.model, j.verdict.passed, j.verdict.score) for j in kept] == [
        (0, 1, "fake-b", True, 0.9),
        (1, 1, "fake-b", True, 1.0),
    ]
    assert kept[1].raw == VERDICTS[1][1]


def test_a_failing_or_unreadable_verdict_fails_the_cell(
    server: FakeOpenAIServer, suite: Path
) -> None:
    server.behave("fake-a", Behaviour(replies=ANSWERS))
    verdicts = (
        ("depot", '{"reason": "Too curt for a worried customer.", "pass": false, "score": 0.3}'),
        ("welcome", "Looks polite to me!"),
    )
    server.behave("fake-b", Behaviour(replies=verdicts))
    proc = run_eval(suite, server, "--judge", "fake-b", "--no-store")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "0 of 2 cells passed" in proc.stdout
    assert "case 1: llm-rubric: Too curt for a worried customer." in proc.stdout
    assert (
        "case 2: llm-rubric: the judge fake-b gave no verdict: the reply holds no JSON object"
        in proc.stdout
    )


def test_a_checks_own_provider_judges_without_judge_flag(
    server: FakeOpenAIServer, suite: Path
) -> None:
    text = (suite / "workbench.yaml").read_text(encoding="utf-8")
    (suite / "workbench.yaml").write_text(
        text.replace('politely"}', 'politely", provider: fake-b}')
    )
    server.behave("fake-a", Behaviour(replies=ANSWERS))
    server.behave("fake-b", Behaviour(replies=VERDICTS))
    proc = run_eval(suite, server, "--no-store")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert server.request_count("fake-b") == 2


def test_no_judge_for_a_rubric_is_refused_before_any_call(
    server: FakeOpenAIServer, suite: Path
) -> None:
    proc = run_eval(suite, server, "--no-store")
    assert proc.returncode == 2
    assert "support, case 1: a 'llm-rubric' check names no judge model" in proc.stderr
    assert "--judge MODEL" in proc.stderr
    assert server.request_count() == 0
