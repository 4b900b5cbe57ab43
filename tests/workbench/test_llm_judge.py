"""The LLM judge: reading a judge's reply, planning judge calls, folding verdicts back in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from tests.workbench.runs import run
from workbench.checks import Verdict
from workbench.domain import (
    Cell,
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
)
from workbench.errors import UsageError
from workbench.evaluation import CellVerdict, applied_checks, judge
from workbench.formats.assertions import check_from_mapping, check_to_mapping, check_to_string
from workbench.llm_judge import (
    JudgeTask,
    check_judging,
    judge_model,
    judgement_of,
    parse_reply,
    plan_judging,
)
from workbench.plan import build_plan
from workbench.suite import Case, Check, Suite
from workbench.suite_file import parse_suite_file, write_suite_file

PROMPT = PromptTemplate("answer", (Message("user", "Answer {{question}}"),))
POLITE = Check("llm-rubric", "is polite")
ON_TOPIC = Check("llm-rubric", "answers {{question}}", provider="fake-b")
SUITE = Suite(
    "s",
    (PROMPT,),
    checks=(Check("contains", "Hello"), POLITE, Check("javascript", "output.length > 0")),
    cases=(Case({"question": "why"}, checks=(ON_TOPIC, Check("icontains", "hello"))),),
)
CASE = SUITE.cases[0]
GOOD = '{"reason": "It says please.", "pass": true, "score": 0.9}'


def result_of(
    output: str, error: CellError | None = None, variables: Mapping[str, str] | None = None
) -> CellResult:
    cell = Cell(0, PROMPT, ModelSpec("fake-a"), variables or {"question": "why"}, ())
    return CellResult(cell, output, "stop", None, Cost(0.0, CostSource.LOCAL), None, 1, error)


# --- parse_reply ---------------------------------------------------------------------------


def test_a_plain_reply_gives_pass_score_and_reason() -> None:
    assert parse_reply(GOOD, None) == (True, 0.9, "It says please.")


def test_code_fences_and_prose_around_the_json_are_tolerated() -> None:
    fenced = f"```json\n{GOOD}\n```"
    assert parse_reply(fenced, None) == (True, 0.9, "It says please.")
    prose = (
        "Let me think {about it}. My verdict:\n"
        '{"reason": "No {greeting} at all.", "pass": false, "score": 0.1}\nThat is all.'
    )
    assert parse_reply(prose, None) == (False, 0.1, "No {greeting} at all.")


def test_a_json_object_without_pass_is_skipped_for_the_next() -> None:
    text = '{"note": "draft"} then {"pass": true, "score": 1, "reason": "ok"}'
    assert parse_reply(text, None) == (True, 1.0, "ok")


def test_a_missing_score_follows_pass_and_a_missing_reason_is_said() -> None:
    assert parse_reply('{"pass": false}', None) == (False, 0.0, "the judge gave no reason")
    assert parse_reply('{"pass": true, "reason": "fine"}', None) == (True, 1.0, "fine")


def test_a_threshold_fails_a_pass_whose_score_is_lower() -> None:
    passed, score, reason = parse_reply(GOOD, 0.95)
    assert (passed, score) == (False, 0.9)
    assert reason == "It says please. (score 0.9 is below the threshold 0.95)"
    assert parse_reply(GOOD, 0.9) == (True, 0.9, "It says please.")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("I think it passes.", "no JSON object"),
        ("{pass: true, score: 1}", "no JSON object"),
        ('{"reason": "fine", "score": 1}', 'no "pass" field'),
        ('{"pass": "yes", "score": 1}', '"pass" must be true or false'),
        ('{"pass": true, "score": 1.5}', '"score" must lie between 0 and 1'),
        ('{"pass": false, "score": -0.2}', '"score" must lie between 0 and 1'),
        ('{"pass": true, "score": "0.9"}', '"score" must be a number'),
        ('{"pass": true, "score": NaN}', '"score" must be a number'),
        ('{"pass": true, "reason": ["a"]}', '"reason" must be text'),
    ],
)
def test_a_reply_that_is_not_a_verdict_raises(reply: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_reply(reply, None)


# --- judge_model ---------------------------------------------------------------------------


def test_the_judge_is_the_checks_provider_then_the_default() -> None:
    local = ModelSpec("llama3.2", api_base="http://127.0.0.1:11434/v1")
    default = ModelSpec("gpt-4o-mini")
    assert judge_model(Check("llm-rubric", "x", provider="llama3.2"), default, [local]) == local
    assert judge_model(Check("llm-rubric", "x", provider="claude-x"), default, [local]) == (
        ModelSpec("claude-x")
    )
    assert judge_model(Check("llm-rubric", "x"), default, [local]) == default
    with pytest.raises(UsageError, match="--judge MODEL"):
        judge_model(Check("llm-rubric", "x"), None, [local])


# --- judge(): positions and pending checks --------------------------------------------------


def test_applied_checks_leave_out_unsupported_types_suite_first() -> None:
    assert applied_checks(SUITE, CASE) == [
        Check("contains", "Hello"),
        POLITE,
        ON_TOPIC,
        Check("icontains", "hello"),
    ]


def test_model_graded_checks_are_pending_until_graded() -> None:
    verdict = judge(result_of("Hello there"), CASE, 1, SUITE)
    assert verdict.pending == (POLITE, ON_TOPIC)
    assert [v.check.type for v in verdict.verdicts] == ["contains", "icontains"]
    assert all(v.passed for v in verdict.verdicts)
    assert not verdict.passed
    assert verdict.reasons == ["llm-rubric: not judged yet", "llm-rubric: not judged yet"]


def test_graded_verdicts_take_their_positions() -> None:
    polite = Verdict(POLITE, True, 0.9, "says please")
    on_topic = Verdict(ON_TOPIC, False, 0.2, "off topic")
    partly = judge(result_of("Hello there"), CASE, 1, SUITE, {2: on_topic})
    assert partly.pending == (POLITE,)
    assert [v.check for v in partly.verdicts] == [SUITE.checks[0], ON_TOPIC, CASE.checks[1]]
    whole = judge(result_of("Hello there"), CASE, 1, SUITE, {1: polite, 2: on_topic})
    assert whole.pending == ()
    assert whole.verdicts[1:3] == (polite, on_topic)
    assert not whole.passed
    assert whole.reasons == ["llm-rubric: off topic"]
    passing = judge(result_of("Hello there"), CASE, 1, SUITE, {1: polite, 2: polite})
    assert passing.passed


def test_a_failed_call_has_nothing_pending() -> None:
    failed = judge(result_of("", CellError("timeout", "timed out", True)), CASE, 1, SUITE)
    assert failed.pending == () and failed.verdicts == ()
    assert failed.reasons == ["the call failed: timed out"]


# --- plan_judging -----------------------------------------------------------------------------


def test_one_judge_call_per_pending_check_numbered_on() -> None:
    ok = judge(result_of("Hello {{ question }} - sure"), CASE, 1, SUITE)
    failed = judge(result_of("", CellError("timeout", "timed out", True)), CASE, 1, SUITE)
    default = ModelSpec("fake-j", params=ModelParams(temperature=0.7, max_tokens=50))
    known = [ModelSpec("fake-b", api_base="http://127.0.0.1:1/v1")]
    tasks = plan_judging([ok, failed], SUITE, default, known, first_index=7)
    assert [(t.position, t.check, t.call.index) for t in tasks] == [
        (1, POLITE, 7),
        (2, ON_TOPIC, 8),
    ]
    first, second = tasks
    assert first.target is ok.result
    assert first.call.prompt.name == "judge"
    assert first.call.model.name == "fake-j"
    assert first.call.params == ModelParams(temperature=0.0, max_tokens=50)
    assert second.call.model == ModelSpec(
        "fake-b", api_base="http://127.0.0.1:1/v1", params=ModelParams(temperature=0.0)
    )
    system, user = first.call.messages
    assert system.role == "system" and '"pass"' in system.content and '"score"' in system.content
    # The output goes in as data (its braces untouched); the rubric is rendered with the case.
    assert user.content == (
        "<output>\nHello {{ question }} - sure\n</output>\n\n<rubric>\nis polite\n</rubric>"
    )
    assert second.call.messages[1].content.endswith("<rubric>\nanswers why\n</rubric>")


def test_partly_graded_cells_get_calls_for_what_is_left() -> None:
    polite = Verdict(POLITE, True, 1.0, "fine")
    partly = judge(result_of("Hello"), CASE, 1, SUITE, {1: polite})
    tasks = plan_judging([partly], SUITE, ModelSpec("fake-j"), [])
    assert [(t.position, t.check, t.call.index) for t in tasks] == [(2, ON_TOPIC, 0)]


def test_no_default_judge_is_refused_before_any_call() -> None:
    cells = build_plan([PROMPT], [ModelSpec("fake-a")], [{"question": "why"}])
    with pytest.raises(UsageError, match=r"s, case 1: .*--judge MODEL"):
        check_judging(cells, SUITE, None, [])
    check_judging(cells, SUITE, ModelSpec("fake-j"), [])
    undefined = Suite("s", (PROMPT,), checks=(Check("llm-rubric", "mentions {{ nowhere }}"),))
    with pytest.raises(UsageError, match="nowhere"):
        check_judging(cells, undefined, ModelSpec("fake-j"), [])
    empty = Suite("s", (PROMPT,), checks=(Check("llm-rubric"),))
    with pytest.raises(UsageError, match="needs a value"):
        check_judging(cells, empty, ModelSpec("fake-j"), [])


# --- judgement_of ------------------------------------------------------------------------------


def _task() -> JudgeTask:
    target = result_of("Hello, please")
    pending = CellVerdict(target, CASE, 1, (), (POLITE,))
    suite = Suite("s", (PROMPT,), checks=(POLITE,), cases=(CASE,))
    (task,) = plan_judging([pending], suite, ModelSpec("gpt-x"), [])
    return task


def _answer(task: JudgeTask, output: str, error: CellError | None = None) -> CellResult:
    return CellResult(task.call, output, "stop", None, Cost(0.0, CostSource.LOCAL), None, 1, error)


def test_a_good_reply_is_the_verdict_with_the_judges_reasoning() -> None:
    task = _task()
    judgement = judgement_of(task, _answer(task, GOOD))
    assert judgement.verdict == Verdict(POLITE, True, 0.9, "It says please.")
    assert (judgement.cell, judgement.position, judgement.model) == (0, 0, "gpt-x")
    assert judgement.raw == GOOD


def test_a_judge_that_could_not_judge_fails_the_check() -> None:
    task = _task()
    down = judgement_of(
        task, _answer(task, "", CellError("server", "HTTP 500 from the server", True))
    )
    assert down.verdict == Verdict(
        POLITE, False, 0.0, "the judge gpt-x failed: HTTP 500 from the server"
    )
    rambling = judgement_of(task, _answer(task, "It is quite polite, I would say."))
    assert not rambling.verdict.passed and rambling.verdict.score == 0.0
    assert (
        rambling.verdict.reason == "the judge gpt-x gave no verdict: the reply holds no JSON object"
    )


# --- a real run against the fake server ---------------------------------------------------------


def test_a_run_is_judged_by_a_model_over_http(server: FakeOpenAIServer) -> None:
    answers = (("Answer rude", "Go away."), ("Answer kind", "Happy to help, thank you!"))
    server.behave("fake-a", Behaviour(replies=answers))
    verdicts_by_output = (
        ("Go away.", '{"reason": "Curt and dismissive.", "pass": false, "score": 0.1}'),
        ("Happy to help", f"Sure.\n```json\n{GOOD}\n```"),
    )
    server.behave("fake-b", Behaviour(replies=verdicts_by_output))
    suite = Suite(
        "s",
        (PromptTemplate("answer", (Message("user", "Answer {{question}}"),)),),
        checks=(POLITE,),
        cases=(Case({"question": "rude"}), Case({"question": "kind"})),
    )
    model = ModelSpec("fake-a", api_base=server.base_url)
    cells = build_plan(suite.prompts, [model], [c.vars for c in suite.cases])
    results = run(cells).results
    pending = [judge(r, suite.cases[r.cell.case_index or 0], 0, suite) for r in results]
    assert [v.pending for v in pending] == [(POLITE,), (POLITE,)]
    judge_spec = ModelSpec("fake-b", api_base=server.base_url)
    tasks = plan_judging(pending, suite, judge_spec, [], first_index=len(cells))
    answered = {r.cell.index: r for r in run([t.call for t in tasks]).results}
    judgements = [judgement_of(t, answered[t.call.index]) for t in tasks]
    final = [
        judge(v.result, v.case, 0, suite, {j.position: j.verdict})
        for v, j in zip(pending, judgements, strict=True)
    ]
    assert [(v.passed, v.verdicts[0].score, v.verdicts[0].reason) for v in final] == [
        (False, 0.1, "Curt and dismissive."),
        (True, 0.9, "It says please."),
    ]
    sent = server.requests(model="fake-b")
    assert len(sent) == 2
    assert {r.body["temperature"] for r in sent} == {0.0}
    assert any("<output>\nGo away.\n</output>" in r.body["messages"][1]["content"] for r in sent)


# --- the judge in files: workbench.yaml and promptfoo --------------------------------------------


def test_workbench_yaml_reads_and_writes_a_checks_provider(tmp_path: Path) -> None:
    text = (
        "name: s\nprompts: [answer.prompty]\nchecks:\n"
        "  - {type: llm-rubric, value: is polite, provider: ollama/llama3.2}\n"
        "  - {type: contains, value: Hello}\n"
    )
    read = parse_suite_file(text, tmp_path / "workbench.yaml")
    assert read.checks == (
        Check("llm-rubric", "is polite", provider="ollama/llama3.2"),
        Check("contains", "Hello"),
    )
    written = write_suite_file(Suite("s", (PROMPT,), checks=read.checks), ["answer.prompty"])
    assert written == (
        "name: s\nprompts:\n- answer.prompty\nchecks:\n"
        "- type: llm-rubric\n  value: is polite\n  provider: ollama/llama3.2\n"
        "- type: contains\n  value: Hello\n"
    )


def test_a_promptfoo_assertions_provider_id_becomes_a_litellm_name_and_back() -> None:
    raw = {"type": "llm-rubric", "value": "is polite", "provider": "openai:gpt-4o-mini"}
    check, notes = check_from_mapping(raw, "tests[0].assert[0]")
    assert (check, notes) == (Check("llm-rubric", "is polite", provider="gpt-4o-mini"), [])
    assert check_to_mapping(check) == {
        "type": "llm-rubric",
        "value": "is polite",
        "provider": "openai:chat:gpt-4o-mini",
    }
    claude = {"type": "llm-rubric", "value": "x", "provider": {"id": "anthropic:messages:claude-x"}}
    assert check_from_mapping(claude, "a")[0].provider == "anthropic/claude-x"
    # A one-line (CSV) assertion cannot say who judges: no short form for it.
    assert check_to_string(check) is None
    assert check_to_string(Check("llm-rubric", "is polite")) == "llm-rubric:is polite"


@pytest.mark.parametrize(
    ("provider", "why"),
    [
        ({"id": "openai:gpt-4o", "config": {"temperature": 0.2}}, "a judge with settings"),
        ("file://grader.py", "is not one the workbench can run"),
    ],
)
def test_a_provider_that_is_more_than_a_name_is_reported_not_kept(
    provider: object, why: str
) -> None:
    raw = {"type": "llm-rubric", "value": "x", "provider": provider}
    check, notes = check_from_mapping(raw, "tests[0].assert[0]")
    assert check == Check("llm-rubric", "x")
    (note,) = notes
    assert note.startswith(
        "tests[0].assert[0]: assertion 'llm-rubric' field 'provider' not carried"
    )
    assert why in note
