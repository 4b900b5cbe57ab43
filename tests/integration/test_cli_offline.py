"""`--offline` end to end: under the subprocess socket guard, nothing but loopback is attempted."""

from __future__ import annotations

import json
from pathlib import Path

from storage.run_store import SqlRunStore
from tests.integration.cli import workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from workbench.cli.session import options_record
from workbench.domain import Message, ModelSpec, PromptTemplate
from workbench.offline_guard import OfflinePolicy
from workbench.plan import build_plan
from workbench.runner import RunOptions
from workbench.store_api import RunStatus

REFUSED = "offline mode refused a connection to a host that is not this machine"
A_KEY = {"OPENAI_API_KEY": "sk-offline-must-not-be-sent"}


def _attempts(log: Path) -> str:
    """What the socket guard refused and logged: empty when nothing but loopback was tried."""
    return log.read_text(encoding="utf-8") if log.exists() else ""


def test_run_offline_against_a_local_server(server: FakeOpenAIServer, tmp_path: Path) -> None:
    log, out = tmp_path / "sockets.log", tmp_path / "out.jsonl"
    proc = workbench(
        "run", "--offline", "--prompt", "Hi", "--model", "fake-a", "--api-base", server.base_url,
        "--allow-endpoint", "http://192.168.1.5:8080/v1", "--no-store", "--out", out,
        guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "workbench: offline mode: only this machine and 192.168.1.5 may be contacted"
    )
    assert _attempts(log) == ""
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["error"] is None
    assert server.request_count("fake-a") == 1


def test_run_offline_refuses_a_hosted_model_before_any_attempt(tmp_path: Path) -> None:
    log = tmp_path / "sockets.log"
    proc = workbench(
        "run", "--offline", "--prompt", "Hi", "--model", "gpt-4o-mini", "--no-store",
        env=A_KEY, guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert (
        proc.stderr.splitlines()[0] == "workbench: offline mode: only this machine may be contacted"
    )
    assert (
        f"failed: inline x gpt-4o-mini: {REFUSED}: api.openai.com (gpt-4o-mini); nothing was sent"
        in proc.stderr
    )
    assert _attempts(log) == ""


def test_without_offline_the_same_run_tries_the_network(tmp_path: Path) -> None:
    # The control for the test above: the guard's log does record an attempt when one is made.
    log = tmp_path / "sockets.log"
    proc = workbench(
        "run", "--prompt", "Hi", "--model", "gpt-4o-mini", "--no-store", "--retries", "0",
        env=A_KEY, guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "api.openai.com" in _attempts(log)


def test_eval_offline_runs_the_local_model_and_refuses_the_hosted_one(
    server: FakeOpenAIServer, tmp_path: Path
) -> None:
    server.behave("fake-a", Behaviour(reply="positive"))
    (tmp_path / "echo.prompty").write_text(
        "---\nname: echo\n---\nuser:\nSay {{word}}\n", encoding="utf-8"
    )
    (tmp_path / "workbench.yaml").write_text(
        "name: offline\nprompts: [echo.prompty]\nmodels:\n"
        f"  - name: fake-a\n    api_base: {server.base_url}\n"
        "  - name: gpt-4o-mini\n"
        "cases:\n  - vars: {word: positive}\n"
        "checks:\n  - type: icontains\n    value: positive\n",
        encoding="utf-8",
    )
    log, out = tmp_path / "sockets.log", tmp_path / "out.jsonl"
    proc = workbench(
        "eval", tmp_path, "--offline", "--no-store", "--out", out,
        env=A_KEY, guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "workbench: offline mode: only this machine may be contacted" in proc.stderr
    assert (
        f"FAIL echo x gpt-4o-mini, case 1: the call failed: {REFUSED}: api.openai.com "
        "(gpt-4o-mini); nothing was sent" in proc.stdout
    )
    assert "1 of 2 cells passed (50.0%)" in proc.stdout
    records = {r["model"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records["fake-a"]["passed"] is True
    assert records["gpt-4o-mini"]["error"]["type"] == "offline_refused"
    assert server.request_count() == 1
    assert _attempts(log) == ""


def test_a_run_kept_as_offline_resumes_offline(server: FakeOpenAIServer, tmp_path: Path) -> None:
    db, log = tmp_path / "store.db", tmp_path / "sockets.log"
    prompt = PromptTemplate("hi", (Message("user", "Hi"),))
    models = [ModelSpec("fake-a", api_base=server.base_url), ModelSpec("gpt-4o-mini")]
    options = RunOptions(offline=OfflinePolicy((server.base_url,)))
    store = SqlRunStore.open(db)
    try:  # a run stopped before any cell ended: resume runs them all
        run_id = store.start_run(build_plan([prompt], models, [{}], 1), options_record(options))
        store.finish_run(run_id, RunStatus.CANCELLED)
    finally:
        store.close()
    proc = workbench(
        "resume", str(run_id), "--db", db, env=A_KEY, guard_log=log, cwd=tmp_path
    )  # no --offline: the run's own options say so
    assert proc.returncode == 1, proc.stderr
    assert (
        proc.stderr.splitlines()[0] == "workbench: offline mode: only this machine may be contacted"
    )
    assert (
        f"failed: hi x gpt-4o-mini: {REFUSED}: api.openai.com (gpt-4o-mini); nothing was sent"
        in proc.stderr
    )
    assert server.request_count("fake-a") == 1
    assert _attempts(log) == ""


def test_models_offline_refuses_a_public_endpoint(tmp_path: Path) -> None:
    log = tmp_path / "sockets.log"
    proc = workbench(
        "models", "--offline", "--api-base", "https://api.example.com/v1",
        guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"workbench: https://api.example.com/v1: {REFUSED}: api.example.com; nothing was sent"
    )
    assert _attempts(log) == ""


def test_allow_endpoint_needs_offline(tmp_path: Path) -> None:
    proc = workbench(
        "run", "--prompt", "Hi", "--model", "fake-a", "--allow-endpoint", "http://10.0.0.2/v1",
        "--no-store", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--allow-endpoint goes with --offline" in proc.stderr
