"""Every importer fed thousands of malformed files: a clear UsageError or a clean import, never a
crash, and an import that fails leaves the store exactly as it was (no half-imported set)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.run_store import SqlRunStore
from storage.schema import Prompt, PromptVersion, Suite
from tests.support.mutations import mutate
from workbench.errors import UsageError
from workbench.importing import import_paths

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "workbench" / "data"
PER_IMPORTER = 2000

# importer -> (a valid folder or file, the file inside it to mutate)
SEEDS = {
    "prompt set": (ROOT / "resources" / "samples", "workbench.yaml"),
    "prompt set prompt": (ROOT / "resources" / "samples", "classify.prompty"),
    "prompt set cases": (ROOT / "resources" / "samples", "cases.csv"),
    "prompty": (ROOT / "resources" / "samples" / "summarise.prompty", ""),
    "promptfoo": (DATA / "promptfoo" / "translate", "promptfooconfig.yaml"),
    "promptfoo jsonl": (DATA / "promptfoo" / "jsonl_suite", "cases.jsonl"),
    "dotprompt": (DATA / "foreign" / "dotprompt" / "greeting.prompt", ""),
    "litellm prompt": (DATA / "foreign" / "litellm" / "chat_assistant.prompt", ""),
    "langfuse": (DATA / "foreign" / "langfuse" / "export.json", ""),
    "openai messages": (DATA / "foreign" / "openai" / "request.json", ""),
}


def counts(store: SqlRunStore) -> tuple[int, int, int]:
    with store.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (Prompt, PromptVersion, Suite)
        )


@pytest.mark.slow
@pytest.mark.parametrize("importer", sorted(SEEDS))
def test_malformed_files_never_crash_nor_half_import(
    importer: str, store: SqlRunStore, tmp_path: Path
) -> None:
    source, inner = SEEDS[importer]
    work = tmp_path / "work"
    if source.is_dir():
        shutil.copytree(source, work)
        target, path = work / inner, work
    else:
        work.mkdir()
        target = path = work / source.name
        shutil.copy(source, target)
    original = target.read_bytes()
    # A valid file goes first in every import, so a failure must undo (or never start) it.
    good = ROOT / "resources" / "samples" / "classify.prompty"
    rng = random.Random(f"{importer}-fuzz")
    refused = 0
    for _ in range(PER_IMPORTER):
        target.write_bytes(mutate(original, rng))
        before = counts(store)
        try:
            import_paths(store, [good, path])
        except UsageError as exc:
            refused += 1
            assert str(exc), "a refusal says why"
            assert counts(store) == before, f"{importer}: a failed import wrote to the store"
    # The fuzzing reached the parsers' error paths, not only harmless edits.
    assert refused > PER_IMPORTER // 10
