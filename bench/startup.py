"""Time from process start to the window shown and answering, next to `import litellm`.

Both are measured here, in the same run, as fresh processes (median of several):
- the window: `workbench window --quit-when-shown`, from just before the process is spawned to
  the moment its event loop runs with the window shown (it prints that instant and quits);
- litellm: `python -c "import litellm"` with the offline flags the workbench sets.

    .venv/bin/python -m bench.startup [--runs 5]
Target: the window is up in under 1.0 s and in under half of litellm's import time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def window_seconds(folder: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    command = [
        str(VENV_BIN / "workbench"),
        "window",
        "--quit-when-shown",
        "--db",
        str(folder / "w.db"),
        "--settings",
        str(folder / "s.ini"),
    ]
    before = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=60)
    shown = next(line for line in done.stdout.splitlines() if line.startswith("shown "))
    return float(shown.split()[1]) - before


def litellm_seconds() -> float:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    before = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import litellm"], env=env, check=True, timeout=120)
    return time.perf_counter() - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="startup-"))
    window_seconds(folder)  # first start creates the store and warms the disk cache
    windows = [window_seconds(folder) for _ in range(args.runs)]
    imports = [litellm_seconds() for _ in range(args.runs)]
    window, litellm = statistics.median(windows), statistics.median(imports)
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    print(
        f"window shown and answering: median {window:.3f} s over {args.runs} starts "
        f"(min {min(windows):.3f}, max {max(windows):.3f}; platform {platform})"
    )
    print(
        f"python -c 'import litellm':  median {litellm:.3f} s "
        f"(min {min(imports):.3f}, max {max(imports):.3f})"
    )
    print(
        f"window / litellm import: {window / litellm:.2f} (target < 0.5); "
        f"window under 1.0 s: {window < 1.0}"
    )


if __name__ == "__main__":
    main()
