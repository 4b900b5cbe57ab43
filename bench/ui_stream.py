"""How smooth the window stays while 16 cells stream at once, 100 tokens/s each.

A 5 ms timer on the GUI thread measures its own lateness: each tick's delay beyond its interval
is a stall the user would feel. The run is the real window's (editor, grid, detail view
following one streaming cell) against the fake server in another process.

    .venv/bin/python -m bench.ui_stream [--tokens 500] [--interval 0.01]
Targets: longest stall under 50 ms, 99th percentile under 20 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from bench.fake_server import FakeServerProcess
from ui.app import build_services, parse_args, shut_down, warm_up
from ui.main_window import MainWindow
from workbench.domain import Message, ModelSpec, PromptTemplate
from workbench.runner import RunOptions

PROMPTS, MODELS = 4, 4
TICK_MS = 5


class StallMeter:
    """Lateness of a 5 ms precise timer, recorded only while `recording`."""

    def __init__(self) -> None:
        self.late_ms: list[float] = []
        self.worst: list[tuple[float, float]] = []  # (ms since start, lateness) over 15 ms
        self.recording = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def start(self) -> None:
        self._clock.start()
        self._last = self._clock.nsecsElapsed() / 1e6
        self._timer.start()

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed() / 1e6
        if self.recording:
            late = max(0.0, now - self._last - TICK_MS)
            self.late_ms.append(late)
            if late > 15:
                self.worst.append((now, late))
        self._last = now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=500, help="tokens per cell")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between tokens")
    args = parser.parse_args()
    models = [f"model-{i}" for i in range(MODELS)]
    server = FakeServerProcess(models, args.tokens, args.interval)
    folder = Path(tempfile.mkdtemp(prefix="ui-stream-"))
    app = QApplication(sys.argv[:1])
    services = build_services(
        parse_args(["--db", str(folder / "w.db"), "--settings", str(folder / "s.ini")])
    )
    services.store.open().result(30)
    window = MainWindow(services)
    window.resize(1600, 1000)
    window.show()
    prompts = [
        PromptTemplate(f"prompt-{i}", (Message("user", f"Write at length, variant {i}."),))
        for i in range(PROMPTS)
    ]
    window.editor.set_prompts(prompts)
    for name in models:
        window.models.add_model(ModelSpec(name, api_base=server.base_url, transport="openai"))
    window.runs.options = RunOptions(concurrency=16, local_concurrency=16)
    warm_up()  # what the app loads behind its window at start, long before a first run
    window.editor.flush_estimates()
    settle = QEventLoop()
    QTimer.singleShot(1000, settle.quit)
    settle.exec()

    meter = StallMeter()
    meter.start()
    finished = QEventLoop()
    window.runs.run_finished.connect(lambda _status: finished.quit())
    started = time.perf_counter()
    window.runs.run(prompts, [{}], window.models.models())
    window.results.select_cell(5)  # the detail view follows one streaming cell
    meter.recording = True
    finished.exec()
    meter.recording = False
    elapsed = time.perf_counter() - started
    states = window.results_model.states()
    tokens = sum(s.result.usage.output_tokens for s in states if s.result and s.result.usage)
    late = sorted(meter.late_ms)
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print(f"platform: {app.platformName()}, {len(states)} cells streaming at once")
    print(
        f"streamed {tokens:,} tokens in {elapsed:.2f} s "
        f"({tokens / elapsed / len(states):.0f} tokens/s per cell)"
    )
    print(f"GUI timer ticks: {len(late):,} (every {TICK_MS} ms)")
    print(f"longest stall: {late[-1]:.1f} ms (target < 50 ms)")
    print(f"p99 stall: {p99:.1f} ms (target < 20 ms); median {statistics.median(late):.2f} ms")
    print(
        "stalls over 15 ms at (s into the run, ms):",
        ", ".join(
            f"{(at - meter.worst[0][0]) / 1000:.2f}:{late:.0f}" for at, late in meter.worst[:12]
        ),
    )
    ok = all(s.result is not None and s.result.ok for s in states)
    print(f"all cells finished: {ok}")
    window.close()
    shut_down(window.services)
    server.close()


if __name__ == "__main__":
    main()
