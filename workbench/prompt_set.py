"""A prompt set is a folder: `.prompty` files and a `workbench.yaml` tying them into a suite.

Loading reads every file (keeping its text, so a later export can give back the very same bytes)
and checks the set as a whole: duplicate names, missing files, variables no case gives. Writing
renders each file canonically, except that a file whose content did not change keeps the text it
was read with: exporting what was just imported changes no byte, comments and all. An edited CSV
cases file keeps its columns' order; a cases file holding what the reader leaves out (a filled
`__metric` column, say) is never rewritten: that would erase it from the user's file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import yaml

from workbench.domain import PromptTemplate
from workbench.errors import UsageError
from workbench.formats import case_files
from workbench.prompty import parse_prompty
from workbench.prompty_writer import write_prompty
from workbench.set_checks import check_suite
from workbench.suite import Suite
from workbench.suite_file import SUITE_FILE, SuiteFile, parse_suite_file, write_suite_file
from workbench.textfiles import lf, read_user_bytes_as_text

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class PromptSet:
    """A suite with the files it was read from (relative path -> text as read)."""

    suite: Suite
    prompt_files: tuple[str, ...]  # one relative path per prompt of the suite, in its order
    files: Mapping[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    root: Path | None = None
    # False for loose prompt files (a .prompt, a pasted messages JSON): only their prompts are kept.
    whole_suite: bool = True


def load_prompt_set(path: Path) -> PromptSet:
    """A folder (with or without `workbench.yaml`) or a suite file; UsageError on any problem."""
    if path.is_dir():
        root, suite_path = path, path / SUITE_FILE
        if not suite_path.exists():
            return _bare_folder(root)
    elif path.exists():
        root, suite_path = path.parent, path
    else:
        raise UsageError(f"{path}: no such file or folder")
    files: dict[str, str] = {}
    files[suite_path.name] = read_user_bytes_as_text(suite_path)
    spec = parse_suite_file(lf(files[suite_path.name]), suite_path)
    prompts = _read_prompts(root, spec, files)
    cases, dropped = list(spec.cases), list[str]()
    if spec.cases_file is not None:
        relative = _inside(root, spec.cases_file, spec, "cases")
        case_path = root / relative
        if not case_path.is_file():
            raise UsageError(f"{spec.doc.where('cases')}: cases file {relative}: no such file")
        files[relative] = read_user_bytes_as_text(case_path)
        read, dropped = case_files.read_case_text(lf(files[relative]), case_path)
        cases = read
    suite = Suite(
        name=spec.name,
        prompts=tuple(prompts),
        models=spec.models,
        cases=tuple(cases),
        checks=spec.checks,
        description=spec.description,
        cases_file=spec.cases_file,
    )
    check_suite(suite, root, spec, files)
    return PromptSet(suite, spec.prompt_files, files, tuple(dropped), root)


def _bare_folder(root: Path) -> PromptSet:
    paths = sorted(root.glob("*.prompty"))
    if not paths:
        raise UsageError(f"{root}: no {SUITE_FILE} and no .prompty files in this folder")
    files = {p.name: read_user_bytes_as_text(p) for p in paths}
    prompts = tuple(parse_prompty(lf(files[p.name]), p) for p in paths)
    suite = Suite(name=root.resolve().name, prompts=prompts)
    check_suite(suite, root, None, files)
    return PromptSet(suite, tuple(p.name for p in paths), files, (), root)


def _read_prompts(root: Path, spec: SuiteFile, files: dict[str, str]) -> list[PromptTemplate]:
    if not spec.prompt_files:
        raise UsageError(f"{spec.doc.where('prompts')}: the suite names no prompts")
    prompts: list[PromptTemplate] = []
    for index, name in enumerate(spec.prompt_files):
        relative = _inside(root, name, spec, "prompts", index)
        if relative in files:
            raise UsageError(f"{spec.doc.where('prompts', index)}: {relative} is listed twice")
        prompt_path = root / relative
        if not prompt_path.is_file():
            raise UsageError(f"{spec.doc.where('prompts', index)}: {relative}: no such file")
        files[relative] = read_user_bytes_as_text(prompt_path)
        prompts.append(parse_prompty(lf(files[relative]), prompt_path))
    return prompts


def _inside(root: Path, name: str, spec: SuiteFile, *at: str | int) -> str:
    """`name` as a clean relative path inside the suite's folder (files never leave it)."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or ":" in name:
        raise UsageError(
            f"{spec.doc.where(*at)}: {name!r} must be a relative path inside {root.name or root}"
        )
    return str(pure)


# --- writing ---------------------------------------------------------------------------


def prompt_file_names(prompts: Sequence[PromptTemplate]) -> tuple[str, ...]:
    """A file name per prompt, from its name, unique within the set."""
    names: list[str] = []
    for prompt in prompts:
        stem = _UNSAFE.sub("-", prompt.name).strip("-.") or "prompt"
        candidate, number = f"{stem}.prompty", 2
        while candidate.lower() in (n.lower() for n in names) or candidate == SUITE_FILE:
            candidate, number = f"{stem}-{number}.prompty", number + 1
        names.append(candidate)
    return tuple(names)


def render_prompt_set(
    suite: Suite,
    prompt_files: Sequence[str] | None = None,
    originals: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of the set, relative path -> text, deterministic for the same content."""
    kept = originals or {}
    names = tuple(prompt_files) if prompt_files is not None else prompt_file_names(suite.prompts)
    if len(names) != len(suite.prompts):
        raise ValueError("one file name per prompt")
    files: dict[str, str] = {}
    for name, prompt in zip(names, suite.prompts, strict=True):
        files[name] = _same_or(kept.get(name), write_prompty(prompt), _prompt_matches(prompt, name))
    if suite.cases_file is not None:
        suffix = PurePosixPath(suite.cases_file).suffix.lower()
        problems = case_files.case_file_problems(suite.cases, suffix)
        if problems:
            raise UsageError(f"{suite.cases_file}: cannot hold these cases: {problems[0]}")
        original = kept.get(suite.cases_file)
        header = case_files.case_file_columns(lf(original or ""), suffix)
        canonical = case_files.write_case_file(suite.cases, suffix, columns=header)
        text = _same_or(original, canonical, _cases_match(suite, suite.cases_file))
        if original is not None and text != original:
            _refuse_losing(suite.cases_file, original)
        files[suite.cases_file] = text
    files[SUITE_FILE] = _same_or(
        kept.get(SUITE_FILE),
        write_suite_file(suite, names),
        _suite_matches(suite, names),
    )
    return files


def _same_or(original: str | None, canonical: str, matches: Callable[[str], bool]) -> str:
    if original is not None and original != canonical:
        try:
            if matches(lf(original)):
                return original
        except UsageError:
            pass  # the kept text no longer reads: write the canonical form
    return canonical


def _refuse_losing(name: str, original: str) -> None:
    """Refuse to rewrite a cases file that holds what its reader does not carry over."""
    try:
        _, notes = case_files.read_case_text(lf(original), Path(name))
    except UsageError:
        return  # the kept text no longer reads: there is nothing of it to keep
    if notes:
        kind = "fields" if name.lower().endswith(".jsonl") else "columns"
        raise UsageError(
            f"{name}: saving the edited cases would remove what the workbench does not keep "
            f"from this file: {'; '.join(_what(note, name) for note in notes)}. Edit {name} in "
            f"another tool, or remove those {kind}, then open the folder again."
        )


def _what(note: str, name: str) -> str:
    """A read note as the thing it names: "line 2: test field 'provider'" for
    "cases.jsonl:2: test field 'provider' not carried over"."""
    text = note.removeprefix(name)
    line = re.match(r":(\d+):", text)
    text = f"line {line.group(1)}:{text[line.end() :]}" if line else text.removeprefix(":")
    return text.strip().removesuffix(" not carried over").removesuffix(";")


def _prompt_matches(prompt: PromptTemplate, name: str) -> Callable[[str], bool]:
    def test(text: str) -> bool:
        read = parse_prompty(text, Path(name))
        return replace(read, source_path=None) == replace(prompt, source_path=None)

    return test


def _cases_match(suite: Suite, name: str) -> Callable[[str], bool]:
    def test(text: str) -> bool:
        cases, _ = case_files.read_case_text(text, Path(name))
        return tuple(cases) == suite.cases

    return test


def _suite_matches(suite: Suite, names: Sequence[str]) -> Callable[[str], bool]:
    def test(text: str) -> bool:
        spec = parse_suite_file(text, Path(SUITE_FILE))
        return (
            spec.name == suite.name
            and spec.description == suite.description
            and spec.prompt_files == tuple(names)
            and spec.models == suite.models
            and spec.checks == suite.checks
            and spec.cases_file == suite.cases_file
            and (suite.cases_file is not None or spec.cases == suite.cases)
        )

    return test


def yaml_comments(text: str) -> tuple[str, ...]:
    """The comments of a YAML text, each from its `#` to the line end (empty when it does not
    scan). A `#` outside every token is a comment; one inside a quoted or block scalar is not."""
    comments: list[str] = []
    end = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            comments += _comments_in(text[end : token.start_mark.index])
            end = max(end, token.end_mark.index)
    except yaml.YAMLError:
        return ()
    return (*comments, *_comments_in(text[end:]))


def _comments_in(gap: str) -> list[str]:
    return [line[line.index("#") :].rstrip() for line in gap.splitlines() if "#" in line]


def write_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """Write the set's files under `root`, each atomically, skipping those already equal.

    Returns the relative paths written. A file is replaced only once its new text is fully on
    disk, so a full disk or a crash never leaves a prompt half written.
    """
    written: list[str] = []
    for relative in sorted(files):
        target = root / relative
        data = files[relative].encode("utf-8")
        try:
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(data)
            partial.replace(target)
        except OSError as exc:
            raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        written.append(relative)
    return written
