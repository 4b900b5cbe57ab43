"""`workbench import`, `workbench export` and `workbench convert`: prompt sets between files and
the store, and between the formats other tools read."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from workbench.cli.store_loader import add_db_option, open_store
from workbench.errors import UsageError
from workbench.formats.detect import WRITERS, read_any, write_any
from workbench.importing import import_paths
from workbench.prompt_set import (
    PromptSet,
    prompt_file_names,
    render_prompt_set,
    write_files,
)
from workbench.secrets import KeyStore
from workbench.store_api import RunStore
from workbench.suite import Suite


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = sub.add_parser(
        "import",
        help="keep prompt sets and prompt files in the store",
        description=(
            "Read prompt-set folders, workbench.yaml, promptfooconfig.yaml, .prompty, Dotprompt "
            "or litellm .prompt, Langfuse JSON or OpenAI messages JSON, and keep them in the "
            "store. Nothing is written unless every PATH reads cleanly."
        ),
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    add_db_option(importer)
    importer.set_defaults(handler=import_command)

    exporter = sub.add_parser(
        "export",
        help="write a kept prompt set to a folder (.prompty files and workbench.yaml)",
        description=(
            "Write the most recently imported suite (or --suite NAME) as a prompt-set folder. "
            "With no suite in the store, the kept prompts become a new set. Writing is "
            "deterministic: the same content gives the same bytes."
        ),
    )
    exporter.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    exporter.add_argument(
        "--prompt", action="append", default=[], metavar="NAME", help="only these prompts"
    )
    exporter.add_argument("--suite", metavar="NAME", help="the kept suite to write")
    add_db_option(exporter)
    exporter.set_defaults(handler=export_command)

    converter = sub.add_parser(
        "convert",
        help="convert between prompt formats",
        description=(
            "Read IN in any format `import` reads and write OUT in the format its name implies: "
            "a folder or workbench.yaml (prompt set), promptfooconfig.yaml, NAME.prompty, "
            "NAME.prompt (Dotprompt; --to litellm for litellm's flavour), NAME.json (OpenAI "
            "messages) or NAME.langfuse.json."
        ),
    )
    converter.add_argument("source", type=Path, metavar="IN")
    converter.add_argument("target", type=Path, metavar="OUT")
    converter.add_argument(
        "--to", choices=sorted(WRITERS), help="the output format, when OUT's name does not say"
    )
    converter.set_defaults(handler=convert_command)


def _report_dropped(source: Path, dropped: tuple[str, ...] | list[str]) -> None:
    for note in dropped:
        print(f"workbench: {source}: not carried over: {note}", file=sys.stderr)


def import_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        sets = import_paths(store, args.paths)
    finally:
        store.close()
    for path, prompt_set in zip(args.paths, sets, strict=True):
        _report_dropped(path, prompt_set.dropped)
        print(_summary(prompt_set))
    return 0


def _summary(prompt_set: PromptSet) -> str:
    suite = prompt_set.suite
    names = ", ".join(p.name for p in suite.prompts)
    if not prompt_set.whole_suite:
        return f"imported prompt{'s' if len(suite.prompts) > 1 else ''} {names}"
    return (
        f"imported suite {suite.name!r}: {len(suite.prompts)} prompts ({names}), "
        f"{len(suite.models)} models, {len(suite.cases)} cases, {len(suite.checks)} checks"
    )


def export_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    store = open_store(args.db)
    try:
        prompt_set = _set_to_export(store, args.suite, args.prompt, args.out_dir)
    finally:
        store.close()
    files = render_prompt_set(prompt_set.suite, prompt_set.prompt_files, prompt_set.files)
    written = write_files(args.out_dir, files)
    print(
        f"exported suite {prompt_set.suite.name!r} ({len(prompt_set.suite.prompts)} prompts) to "
        f"{args.out_dir}: {len(written)} files written, {len(files) - len(written)} unchanged"
    )
    return 0


def _set_to_export(
    store: RunStore, suite_name: str | None, prompts: list[str], out_dir: Path
) -> PromptSet:
    """The named suite, else the latest kept one, else a new set of the kept prompts."""
    names = store.suite_names()
    if suite_name is not None or names:
        prompt_set = store.load_set(suite_name or names[0])
        return _only(prompt_set, prompts) if prompts else prompt_set
    found = store.latest_prompts(prompts or None)
    _all_found(prompts, [p.name for p in found])
    if not found:
        raise UsageError(f"the store {store.location} holds no prompts to export")
    suite = Suite(name=out_dir.resolve().name, prompts=tuple(found))
    return PromptSet(suite, prompt_file_names(suite.prompts))


def _all_found(wanted: list[str], found: list[str]) -> None:
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UsageError(f"--prompt {missing[0]}: no prompt of that name is kept")


def _only(prompt_set: PromptSet, wanted: list[str]) -> PromptSet:
    """The set with only the `wanted` prompts (and their files)."""
    suite = prompt_set.suite
    _all_found(wanted, [p.name for p in suite.prompts])
    keep = [i for i, p in enumerate(suite.prompts) if p.name in wanted]
    return replace(
        prompt_set,
        suite=replace(suite, prompts=tuple(suite.prompts[i] for i in keep)),
        prompt_files=tuple(prompt_set.prompt_files[i] for i in keep),
    )


def convert_command(args: argparse.Namespace, _keys: KeyStore | None) -> int:
    prompt_set = read_any(args.source)
    _report_dropped(args.source, prompt_set.dropped)
    written, dropped = write_any(prompt_set, args.target, args.to)
    _report_dropped(args.target, dropped)
    print(f"converted {args.source} to {args.target}: {', '.join(written) or 'nothing to write'}")
    return 0
