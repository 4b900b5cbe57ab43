"""Nothing reaches the network but the model calls asked for, and the core stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cli import ROOT, workbench
from tests.support.fake_openai import FakeOpenAIServer


def test_guard_itself_refuses_and_logs(tmp_path: Path) -> None:
    log = tmp_path / "sockets.log"
    probe = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(ROOT / "tests" / "support" / "socket_guard"),
             "WORKBENCH_SOCKET_LOG": str(log)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "socket guard" in proc.stderr
    assert "192.0.2.1" in log.read_text()


@pytest.mark.parametrize("transport", ["lean", "litellm"])
def test_a_run_opens_no_socket_but_the_model_servers(
    server: FakeOpenAIServer, tmp_path: Path, transport: str
) -> None:
    log = tmp_path / "sockets.log"
    out = tmp_path / "out.jsonl"
    # A model name litellm does not route itself, so the litellm path is forced through a
    # provider it must import and price (the slow path that used to fetch its price map).
    model = "fake-a" if transport == "lean" else "openai/fake-a"
    args = ["run", "--prompt", "Hi", "--model", model, "--api-base", server.base_url]
    if transport == "litellm":
        args = [*args, "--transport", "litellm"]
    proc = workbench(*args, "--out", out, guard_log=log, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not log.exists() or log.read_text() == ""
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["error"] is None


def test_importing_litellm_through_the_project_stays_offline(tmp_path: Path) -> None:
    log = tmp_path / "sockets.log"
    code = (
        "from workbench.providers.litellm_provider import load_litellm; "
        "litellm = load_litellm(); "
        "from workbench import tokens; print(tokens.count_text('hello world', 'gpt-4o'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{ROOT / 'tests' / 'support' / 'socket_guard'}:{ROOT}",
             "WORKBENCH_SOCKET_LOG": str(log), "HOME": str(tmp_path)},
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2"
    assert not log.exists() or log.read_text() == "", log.read_text()


def test_import_workbench_loads_no_heavy_module() -> None:
    code = (
        "import sys, workbench, workbench.runner, workbench.cli.main, workbench.prompty; "
        "heavy = ('litellm', 'PySide6', 'pandas', 'tiktoken', 'sqlalchemy'); "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert proc.stdout.strip() == "[]"
