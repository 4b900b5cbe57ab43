"""Prompt sets through the store: import then export gives back the very bytes, field for field."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from storage.run_store import SqlRunStore
from tests.integration.cli import workbench
from tests.workbench.prompt_sets import suites
from tests.workbench.test_prompt_set import without_paths, write_files
from workbench.domain import Message, PromptTemplate
from workbench.errors import UsageError
from workbench.importing import import_paths
from workbench.prompt_set import load_prompt_set, render_prompt_set
from workbench.suite import Suite

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"


def folder_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_the_samples_export_byte_for_byte(store: SqlRunStore, tmp_path: Path) -> None:
    import_paths(store, [SAMPLES])
    assert store.suite_names() == ["sentiment"]
    kept = store.load_set("sentiment")
    files = render_prompt_set(kept.suite, kept.prompt_files, kept.files)
    write_files(tmp_path / "out", files)
    expected = {k: v for k, v in folder_bytes(SAMPLES).items() if k != "summarise.prompty"}
    assert folder_bytes(tmp_path / "out") == expected  # comments and all (summarise: no suite)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(suite=suites())
def test_generated_sets_survive_the_store(
    tmp_path_factory: pytest.TempPathFactory, suite: Suite
) -> None:
    source, out = tmp_path_factory.mktemp("in"), tmp_path_factory.mktemp("out")
    write_files(source, render_prompt_set(suite))
    store = SqlRunStore.open(tmp_path_factory.mktemp("db") / "store.db")
    try:
        import_paths(store, [source])
        kept = store.load_set(suite.name)
    finally:
        store.close()
    assert without_paths(kept.suite) == suite
    write_files(out, render_prompt_set(kept.suite, kept.prompt_files, kept.files))
    assert folder_bytes(out) == folder_bytes(source)


def test_import_is_all_or_nothing(store: SqlRunStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "p.prompty").write_text("---\nname: p\nmodel: [\n---\nuser:\nhi\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"p\.prompty:4: invalid YAML"):
        import_paths(store, [SAMPLES, bad])
    assert store.suite_names() == []
    assert store.latest_prompts() == []


def test_reimporting_a_suite_replaces_it_and_keeps_prompt_history(
    store: SqlRunStore, tmp_path: Path
) -> None:
    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES, copy)
    import_paths(store, [copy])
    prompty = copy / "classify.prompty"
    prompty.write_text(prompty.read_text().replace("exactly one word", "one word"))
    import_paths(store, [copy])
    assert store.suite_names() == ["sentiment"]
    assert "one word" in store.load_set("sentiment").suite.prompts[0].messages[0].content
    versions = store.prompt_versions(name="classify")
    assert len(versions) == 2


def test_cli_import_export_and_convert_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    imported = workbench("import", SAMPLES, "--db", db)
    assert imported.returncode == 0, imported.stderr
    assert "imported suite 'sentiment': 1 prompts (classify), 1 models, 3 cases, 2 checks" in (
        imported.stdout
    )
    out = tmp_path / "exported"
    assert workbench("export", out, "--db", db).returncode == 0
    assert (out / "workbench.yaml").read_bytes() == (SAMPLES / "workbench.yaml").read_bytes()
    again = workbench("export", out, "--db", db)
    assert "0 files written, 3 unchanged" in again.stdout  # deterministic: nothing to rewrite
    # Our folder -> promptfoo -> our folder: the same suite, field for field.
    promptfoo = tmp_path / "pf" / "promptfooconfig.yaml"
    assert workbench("convert", SAMPLES, promptfoo).returncode == 0
    back = tmp_path / "back"
    converted = workbench("convert", promptfoo, back)
    assert converted.returncode == 0, converted.stderr
    original, returned = load_prompt_set(SAMPLES).suite, load_prompt_set(back).suite
    assert [p.messages for p in returned.prompts] == [p.messages for p in original.prompts]
    assert [p.params for p in returned.prompts] == [p.params for p in original.prompts]
    assert returned.models == original.models
    assert returned.cases == original.cases
    assert returned.checks == original.checks
    bad = workbench("import", tmp_path / "missing.prompty", "--db", db)
    assert bad.returncode == 2 and "missing.prompty: no such file" in bad.stderr


def test_export_without_suites_writes_the_kept_prompts(store: SqlRunStore, tmp_path: Path) -> None:
    for name in ("alpha", "beta"):
        store.save_prompt(PromptTemplate(name, (Message("user", f"{name} {{{{x}}}}"),)))
    store.save_prompt(PromptTemplate("alpha", (Message("user", "alpha v2 {{x}}"),)))
    store.close()
    db = tmp_path / "workbench.db"
    proc = workbench("export", tmp_path / "out", "--prompt", "alpha", "--db", db)
    assert proc.returncode == 0, proc.stderr
    loaded = load_prompt_set(tmp_path / "out")
    assert [p.messages[0].content for p in loaded.suite.prompts] == ["alpha v2 {{x}}"]
    missing = workbench("export", tmp_path / "o2", "--prompt", "gamma", "--db", db)
    assert missing.returncode == 2 and "gamma" in missing.stderr


def test_runs_from_files_are_kept_with_their_prompt_meta(store: SqlRunStore) -> None:
    prompt = load_prompt_set(SAMPLES).suite.prompts[0]
    version = store.save_prompt(prompt)
    assert store.load_prompt_version(version) == replace(prompt, source_path=prompt.source_path)


@pytest.mark.parametrize("suffix", [".prompt", ".json", ".langfuse.json"])
def test_convert_one_prompt_through_each_format_and_back(tmp_path: Path, suffix: str) -> None:
    source = SAMPLES / "classify.prompty"
    middle, back = tmp_path / f"classify{suffix}", tmp_path / "back.prompty"
    there = workbench("convert", source, middle)
    assert there.returncode == 0, there.stderr
    assert workbench("convert", middle, back).returncode == 0
    original = load_prompt_set(SAMPLES).suite.prompts[0]
    returned = load_prompt_set(tmp_path).suite.prompts[0]
    assert returned.messages == original.messages
    assert returned.params == original.params
    # What a format cannot hold is named, never silently lost.
    if suffix == ".json":
        assert "not carried over" in there.stderr and "description" in there.stderr
