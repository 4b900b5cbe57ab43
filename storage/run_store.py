"""The experiment store: runs kept cell by cell, behind the core's `RunStore` protocol.

Writes are short transactions: the whole plan once as pending cells, then one UPDATE and commit
per ended cell, so a crash loses only the cells still in flight.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from storage import codec, judgements_repo, marks, preferences, prompt_sets, queries, versions
from storage.connection import open_engine
from storage.errors import StoreError, translated
from storage.location import Location, resolve
from storage.marks import CellMark
from storage.provenance import FileStates
from storage.schema import CellRow, Draft, Run
from storage.versions import PromptVersionInfo
from workbench import ratings
from workbench.domain import Cell, CellResult, CostSource, PromptTemplate
from workbench.judgements import Judgement
from workbench.prompt_set import PromptSet
from workbench.ratings import Preference
from workbench.store_api import (
    Aggregate,
    FileOutput,
    HistoryQuery,
    RunInfo,
    RunStatus,
    StoredRun,
)
from workbench.suite import Suite


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class SqlRunStore:
    """A store on any SQLAlchemy engine; `SqlRunStore.open` makes one from a path or URL."""

    def __init__(self, engine: Engine, location: Location) -> None:
        self.engine = engine
        self._location = location
        self.location = location.label

    @classmethod
    def open(cls, db: str | Path | None = None, *, busy_timeout_s: float = 5.0) -> SqlRunStore:
        location = resolve(db)
        store = cls(open_engine(location, busy_timeout_s), location)
        try:
            store.mark_interrupted()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    def mark_interrupted(self) -> list[int]:
        """Runs left `running` by a process of this machine that no longer exists."""
        host = socket.gethostname()
        with translated(self.location), self.engine.begin() as connection:
            rows = connection.execute(
                select(Run.id, Run.pid, Run.host).where(Run.status == RunStatus.RUNNING)
            ).all()
            dead = [r.id for r in rows if r.host == host and not _alive(r.pid)]
            if dead:
                connection.execute(
                    update(Run).where(Run.id.in_(dead)).values(status=RunStatus.INTERRUPTED)
                )
        return dead

    # --- writing -------------------------------------------------------------------------

    def start_run(self, cells: Sequence[Cell], options: Mapping[str, object]) -> int:
        with translated(self.location), self.engine.begin() as connection:
            run_id = connection.execute(
                insert(Run).values(
                    created_at=now(),
                    status=RunStatus.RUNNING,
                    options=dict(options),
                    pid=os.getpid(),
                    host=socket.gethostname(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            prompts, states = [c.prompt for c in cells], FileStates()
            prompt_ids = queries.save_prompts(connection, prompts, now(), states)
            rows = [codec.pending_row(c, prompt_ids[c.prompt.name], run_id) for c in cells]
            if rows:
                connection.execute(insert(CellRow), rows)
            prompt_sets.record_sources(connection, run_id, prompts, prompt_ids, states)
        return int(run_id)

    def save_cell(self, run_id: int, result: CellResult) -> None:
        values = codec.result_values(result)
        with translated(self.location), self.engine.begin() as connection:
            connection.execute(
                update(CellRow)
                .where(CellRow.run_id == run_id, CellRow.index == result.cell.index)
                .values(ended_at=now(), **values)
            )

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        with translated(self.location), self.engine.begin() as connection:
            connection.execute(update(Run).where(Run.id == run_id).values(status=status))

    def reopen_run(self, run_id: int) -> StoredRun:
        stored = self.load_run(run_id)
        if stored.info.status is RunStatus.RUNNING:
            raise StoreError(f"run {run_id} is still running in another process")
        with translated(self.location), self.engine.begin() as connection:
            connection.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(status=RunStatus.RUNNING, pid=os.getpid(), host=socket.gethostname())
            )
        return stored

    def save_prompt(self, prompt: PromptTemplate) -> str:
        """Keep a prompt version (a no-op when the same text is already kept); its id."""
        with translated(self.location), self.engine.begin() as connection:
            queries.save_prompts(connection, [prompt], now())
        return codec.version_id(prompt)

    def save_draft(self, key: str, text: str) -> None:
        with translated(self.location), self.engine.begin() as connection:
            if (
                connection.execute(
                    update(Draft).where(Draft.key == key).values(text=text, updated_at=now())
                ).rowcount
                == 0
            ):
                connection.execute(insert(Draft).values(key=key, text=text, updated_at=now()))

    def load_draft(self, key: str) -> str | None:
        with translated(self.location), self.engine.connect() as connection:
            return connection.execute(select(Draft.text).where(Draft.key == key)).scalar()

    def rate_cell(self, run_id: int, index: int, rating: int | None) -> None:
        """+1 (thumbs up), -1 (thumbs down) or None (clear) on one cell of a run."""
        marks.check_rating(rating)
        self._mark(run_id, index, rating=rating)

    def note_cell(self, run_id: int, index: int, note: str | None) -> None:
        """A note on one cell; None or only whitespace clears it."""
        self._mark(run_id, index, note=marks.clean_note(note))

    def score_cell(self, run_id: int, index: int, score: int | None) -> None:
        """1 to 5 on one cell of a run, or None to clear it."""
        ratings.check_score(score)
        self._mark(run_id, index, score=score)

    def _mark(self, run_id: int, index: int, **values: object) -> None:
        with translated(self.location), self.engine.begin() as connection:
            if not marks.set_mark(connection, run_id, index, **values):
                raise self._no_cell(run_id, index)

    def _no_cell(self, run_id: int, index: int) -> StoreError:
        return StoreError(
            f"run {run_id} has no cell {index} in the store {self.location}; "
            "reload the run and try again"
        )

    def add_preference(self, preference: Preference) -> Preference:
        """Keep a blind A/B choice between two kept cells; it comes back with its id and time."""
        with translated(self.location), self.engine.begin() as connection:
            for side in (preference.left, preference.right):
                if not marks.has_cell(connection, side.run_id, side.cell):
                    raise self._no_cell(side.run_id, side.cell)
            return preferences.add(connection, preference, now())

    def delete_preference(self, preference_id: int) -> None:
        """Undo a choice."""
        with translated(self.location), self.engine.begin() as connection:
            if not preferences.remove(connection, preference_id):
                raise StoreError(f"no preference {preference_id} in the store {self.location}")

    def save_judgement(self, run_id: int, judgement: Judgement) -> None:
        """Keep a model's verdict on one check of one cell, replacing an earlier one."""
        with translated(self.location), self.engine.begin() as connection:
            if not marks.has_cell(connection, run_id, judgement.cell):
                raise self._no_cell(run_id, judgement.cell)
            judgements_repo.save(connection, run_id, judgement, now())

    def set_run_suite(self, run_id: int, suite: Suite) -> None:
        """Keep the suite (checks and cases) a run is judged with, replacing an earlier one."""
        with translated(self.location), self.engine.begin() as connection:
            if not judgements_repo.set_run_suite(connection, run_id, suite, now()):
                raise StoreError(f"no run {run_id} in the store {self.location}")

    # --- reading -------------------------------------------------------------------------

    def find_cached(self, cell: Cell) -> CellResult | None:
        with translated(self.location), self.engine.connect() as connection:
            row = (
                connection.execute(
                    select(
                        CellRow.output,
                        CellRow.finish_reason,
                        CellRow.input_tokens,
                        CellRow.output_tokens,
                        CellRow.tokens_source,
                    )
                    .where(
                        CellRow.request_hash == codec.request_hash(cell),
                        CellRow.status == "finished",
                    )
                    .order_by(CellRow.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        values = {
            **row,
            "ttft_ms": None,
            "latency_ms": None,
            "decode_ms": None,
            "cost_usd": 0.0,
            "cost_source": CostSource.CACHED,
            "attempts": 0,
            "error": None,
            "cached": True,
        }
        return codec.result_of(cell, values)

    def history(self, query: HistoryQuery) -> list[RunInfo]:
        with translated(self.location), self.engine.connect() as connection:
            return queries.history(connection, query)

    def load_run(self, run_id: int) -> StoredRun:
        with translated(self.location), self.engine.connect() as connection:
            stored = queries.load_run(connection, run_id)
        if stored is None:
            raise StoreError(f"no run {run_id} in the store {self.location}")
        return stored

    def cell_marks(self, run_id: int) -> dict[int, CellMark]:
        """Ratings, scores and notes by cell index; unmarked cells (and unknown runs) give none."""
        with translated(self.location), self.engine.connect() as connection:
            return marks.cell_marks(connection, run_id)

    def preferences(self, run_ids: Sequence[int] | None = None) -> list[Preference]:
        """Oldest first, each side read from its cell; with `run_ids`, pairs touching those runs."""
        with translated(self.location), self.engine.connect() as connection:
            return preferences.listed(connection, run_ids)

    def judgements(self, run_id: int) -> list[Judgement]:
        """A run's model judgements by cell, then check position."""
        with translated(self.location), self.engine.connect() as connection:
            return judgements_repo.listed(connection, run_id)

    def run_suite(self, run_id: int) -> Suite | None:
        """The suite a run was judged with; None when it has none (or there is no such run)."""
        with translated(self.location), self.engine.connect() as connection:
            return judgements_repo.run_suite(connection, run_id)

    def output_tokens_history(self, models: Sequence[str], last: int = 200) -> dict[str, float]:
        """Mean output tokens of the `last` answered cells per model name, for models with any."""
        if last < 1:
            raise ValueError(f"last is at least 1, not {last}")
        with translated(self.location), self.engine.connect() as connection:
            return queries.output_tokens_history(connection, models, last)

    def prompt_versions(
        self, search: str | None = None, name: str | None = None, limit: int = 200
    ) -> list[PromptVersionInfo]:
        """Kept prompt versions, newest first, optionally matching `search` or of prompt `name`."""
        with translated(self.location), self.engine.connect() as connection:
            return versions.prompt_versions(connection, search, name, limit)

    def load_prompt_version(self, version_id: str) -> PromptTemplate:
        with translated(self.location), self.engine.connect() as connection:
            prompt = versions.load_prompt_version(connection, version_id)
        if prompt is None:
            raise StoreError(f"no prompt version {version_id[:12]} in the store {self.location}")
        return prompt

    # --- prompt sets -----------------------------------------------------------------------

    def import_sets(self, sets: Sequence[PromptSet]) -> list[str]:
        """Keep every set in one transaction: all of them, or (on any fault) none."""
        with translated(self.location), self.engine.begin() as connection:
            return prompt_sets.save_sets(connection, sets, now())

    def suite_names(self) -> list[str]:
        with translated(self.location), self.engine.connect() as connection:
            return prompt_sets.suite_names(connection)

    def load_set(self, name: str) -> PromptSet:
        with translated(self.location), self.engine.connect() as connection:
            found = prompt_sets.load_set(connection, name)
        if found is None:
            raise StoreError(f"no suite named {name!r} in the store {self.location}")
        return found

    def latest_prompts(self, names: Sequence[str] | None = None) -> list[PromptTemplate]:
        with translated(self.location), self.engine.connect() as connection:
            return prompt_sets.latest_prompts(connection, names)

    def outputs_of_blob(self, blob: str) -> list[FileOutput]:
        """Every output produced from a prompt file with this git blob id, newest first."""
        with translated(self.location), self.engine.connect() as connection:
            return prompt_sets.outputs_of_blob(connection, blob)

    def aggregates(self, by_version: bool = True) -> list[Aggregate]:
        with translated(self.location), self.engine.connect() as connection:
            return queries.aggregates(connection, by_version=by_version)


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
