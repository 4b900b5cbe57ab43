"""Offline mode against the real engine: the local run passes, every other host is refused.

Two proofs: in process, the socket guard of offline mode itself is active while a run mixes the
engine with a hosted model; in a child `workbench eval --offline`, the tests' own socket guard
(tests/support/socket_guard) logs any connection that is not to loopback, and must log none.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.integration.cli import workbench
from tests.workbench.runs import run
from workbench import offline_guard
from workbench.domain import Message, ModelParams, ModelSpec, PromptTemplate
from workbench.events import CellStarted
from workbench.local_engine import EngineProcess
from workbench.offline_guard import OfflinePolicy, OfflineRefusedError
from workbench.plan import build_plan
from workbench.runner import RunOptions
from workbench.secrets import KeyringStore

REFUSED = "offline mode refused a connection to a host that is not this machine"


def test_an_offline_run_uses_the_engine_and_refuses_the_hosted_model(
    engine: EngineProcess,
) -> None:
    keys = KeyringStore()  # the tests' in-memory keyring: the key exists, and is never sent
    keys.set("openai", "sk-offline-must-not-be-sent")
    local = ModelSpec(engine.model_name, api_base=engine.api_base, params=ModelParams(max_tokens=8))
    hosted = ModelSpec("gpt-4o-mini")
    prompts = [
        PromptTemplate("ask", (Message("user", "Name a colour."),)),
        PromptTemplate("tell", (Message("system", "Be brief."), Message("user", "Say hi."))),
    ]
    cells = build_plan(prompts, [local, hosted], [{}])
    policy = OfflinePolicy()  # nothing added: only this machine
    offline_guard.activate(policy)
    try:
        outcome = run(cells, RunOptions(offline=policy), keys=keys)
        with pytest.raises(OfflineRefusedError):
            socket.create_connection(("192.0.2.1", 443), timeout=1)
    finally:
        offline_guard.deactivate()

    by_model: dict[str, list[str]] = {}
    for result in outcome.results:
        by_model.setdefault(result.cell.model.name, []).append(
            "ok" if result.ok else result.error.type if result.error else "?"
        )
    assert by_model == {engine.model_name: ["ok", "ok"], "gpt-4o-mini": ["offline_refused"] * 2}
    assert all(r.output for r in outcome.results if r.ok)
    assert {e.cell.model.name for e in outcome.of(CellStarted)} == {engine.model_name}
    # The run refused the hosted model before opening a socket; only the probe above reached it.
    assert offline_guard.refused() == ["192.0.2.1"]


def test_eval_offline_against_the_engine_opens_no_other_socket(
    engine: EngineProcess, tmp_path: Path
) -> None:
    (tmp_path / "ask.prompty").write_text(
        "---\nname: ask\nmodel:\n  parameters:\n    max_tokens: 8\n---\nuser:\nSay {{word}}\n",
        encoding="utf-8",
    )
    (tmp_path / "workbench.yaml").write_text(
        "name: offline\nprompts: [ask.prompty]\nmodels:\n"
        f"  - name: {engine.model_name}\n    api_base: {engine.api_base}\n"
        "  - name: gpt-4o-mini\n"
        "cases:\n  - vars: {word: yes}\n  - vars: {word: no}\n"
        "checks:\n  - type: length\n    value: {min: 1}\n",
        encoding="utf-8",
    )
    log, out = tmp_path / "sockets.log", tmp_path / "out.jsonl"
    proc = workbench(
        "eval", tmp_path, "--offline", "--no-store", "--out", out,
        env={"OPENAI_API_KEY": "sk-offline-must-not-be-sent"}, guard_log=log, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the hosted cells fail
    assert "workbench: offline mode: only this machine may be contacted" in proc.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    local = [r for r in records if r["model"] == engine.model_name]
    hosted = [r for r in records if r["model"] == "gpt-4o-mini"]
    assert [r["passed"] for r in local] == [True, True]
    assert all(r["output"] for r in local)
    assert [r["error"]["type"] for r in hosted] == ["offline_refused"] * 2
    assert all(REFUSED in r["error"]["message"] for r in hosted)
    assert not log.exists() or log.read_text() == ""
