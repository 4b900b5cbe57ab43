"""A `workbench run` killed by SIGKILL loses no finished cell; `resume` sends only the rest."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.run_store import SqlRunStore
from tests.integration.cli import ROOT, workbench
from tests.support.fake_openai import Behaviour, FakeOpenAIServer
from workbench.records import to_record
from workbench.store_api import HistoryQuery, RunStatus

CELLS = 200


def _finished_cells(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM cells WHERE status = 'finished'"
            ).fetchone()
            return int(count)
    except sqlite3.Error:
        return 0  # not created yet


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_run_then_resume_sends_only_the_missing_cells(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    (tmp_path / "cases.csv").write_text(
        "n\n" + "\n".join(str(i) for i in range(CELLS)) + "\n", encoding="utf-8"
    )
    with FakeOpenAIServer(models=("fake-a",)) as server:
        # About 0.1 s a cell at 4 at a time: the whole run would take about 5 s.
        server.behave("fake-a", Behaviour(token_interval_s=0.02))
        args = [
            "run", "--prompt", "Item {{n}}", "--model", "fake-a", "--api-base", server.base_url,
            "--cases", "cases.csv", "--local-concurrency", "4", "--db", str(db),
        ]  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench", *args],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while _finished_cells(db) < 40 and time.monotonic() < deadline:
                assert proc.poll() is None, "the run ended before it could be killed"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()  # reaped: a zombie would still look alive
        assert proc.returncode == -signal.SIGKILL

        store = SqlRunStore.open(db)
        try:
            (info,) = store.history(HistoryQuery())
            stored = store.load_run(info.id)
        finally:
            store.close()
        assert stored.info.status is RunStatus.INTERRUPTED
        done = len(stored.results)
        assert 40 <= done < CELLS
        assert len(stored.missing) == CELLS - done
        for result in stored.results:  # every kept cell is whole
            record = to_record(result)
            assert result.ok
            assert result.output == server.reply_for("fake-a", record["messages"])

        sent_before = server.request_count()
        resumed = workbench("resume", str(info.id), "--db", db, cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        assert server.request_count() - sent_before == CELLS - done

    store = SqlRunStore.open(db)
    try:
        final = store.load_run(info.id)
    finally:
        store.close()
    assert final.info.status is RunStatus.FINISHED
    assert len(final.results) == CELLS and not final.missing
    by_index = {r.cell.index: r for r in final.results}
    assert all(by_index[r.cell.index] == r for r in stored.results)  # kept cells untouched
    assert all(r.ok for r in final.results)
