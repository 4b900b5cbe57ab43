"""Running the real `workbench` command in a subprocess, as a user or a CI job would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUARD = ROOT / "tests" / "support" / "socket_guard"


def workbench(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    guard_log: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    environ.update(env or {})
    paths: Sequence[str] = [str(ROOT)]
    if guard_log is not None:
        paths = [str(GUARD), *paths]
        environ["WORKBENCH_SOCKET_LOG"] = str(guard_log)
    environ["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        cwd=cwd,
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
