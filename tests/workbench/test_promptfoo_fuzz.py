"""Malformed promptfoo configs and case files: every failure is a UsageError, nothing else.

Inputs are mutations of valid files (the examples in data/promptfoo and a few inline ones):
truncated, bytes flipped, YAML/CSV control characters inserted, every field given every wrong
type, random unicode, binary. A seeded generator keeps the run the same each time.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import yaml

from workbench.errors import UsageError
from workbench.formats.case_files import read_case_file
from workbench.formats.promptfoo import read_promptfoo

DATA = Path(__file__).parent / "data" / "promptfoo"
EXAMPLES = ("translate", "support_bot", "jsonl_suite")
CONFIG = "promptfooconfig.yaml"
INLINE_CONFIGS = (
    (
        "prompts: ['Hi {{name}}']\nproviders: [openai:gpt-4o-mini]\n"
        "tests:\n  - vars: {name: [Ada, Bob]}\n    assert: [{type: contains, value: Hi}]\n"
    ),
    (
        "prompts:\n  - id: file://chat.json\n    label: chat\n    config: {temperature: 0.1}\n"
        "defaultTest: {vars: {x: 1}, assert: [{type: assert-set, assert: [{type: is-json}]}]}\n"
        "targets:\n  - {id: 'ollama:chat:llama3', config: {num_predict: 5, stop: [a]}}\n"
    ),
)
WRONG_VALUES: tuple[object, ...] = (
    None,
    0,
    -1.5,
    float("nan"),
    10**400,
    True,
    "",
    "x",
    "file://nowhere.txt",
    "file://*.none",
    "[{",
    [],
    ["a", 1],
    [[["deep"]]],
    {},
    {"type": 3},
    {"k": {"k": None}},
)
YAML_BITS = (
    ":", "- ", "[", "]", "{", "}", "&a ", "*a", "!!", "|", ">", "#", "'", '"', "\t", "\n",
    "---\n", "? ", "%YAML 1.2\n", "!!python/object/apply:os.system ['x']", "<<: *a", "!!binary",
    "!!int x", "!!float y", "!!timestamp z", "!!set {a}", "&b [*b]", "\x00", "\ufeff", "\x85",
)  # fmt: skip
CSV_BITS = (
    '"', ",", "\n", "\r", "\r\n", "\t", "\x00", "__expected", "__expected2",
    "__config:__expected:threshold", "__config:x", "__description", "javascript:", "\ufeff",
)  # fmt: skip
MINIMUM = 2000


def test_promptfoo_reader_only_ever_raises_usage_errors(tmp_path: Path) -> None:
    rng = random.Random(20240605)
    inputs = 0
    failures: list[str] = []
    for base_name, config_text in _bases(tmp_path):
        folder = tmp_path / base_name
        for text in _config_mutations(config_text, rng):
            _write(folder / CONFIG, text)
            inputs += 1
            failure = _only_usage_errors(partial(read_promptfoo, folder))
            if failure:
                failures.append(f"{base_name}: {failure}\n---\n{text!r}"[:2000])
        for side_file in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CONFIG):
            original = side_file.read_bytes()
            for data in _byte_mutations(original, rng, 25):
                side_file.write_bytes(data)
                inputs += 1
                failure = _only_usage_errors(partial(read_promptfoo, folder))
                if failure:
                    failures.append(f"{side_file.name}: {failure}\n---\n{data!r}"[:2000])
            side_file.write_bytes(original)
    assert inputs >= MINIMUM
    assert not failures, "\n\n".join(failures[:5])


def test_case_file_reader_only_ever_raises_usage_errors(tmp_path: Path) -> None:
    rng = random.Random(8080)
    inputs = 0
    failures: list[str] = []
    for suffix, text in _case_bases():
        path = tmp_path / f"cases{suffix}"
        mutations = _jsonl_mutations(text, rng) if suffix == ".jsonl" else _csv_mutations(text, rng)
        for data in mutations:
            path.write_bytes(data)
            inputs += 1
            failure = _only_usage_errors(partial(read_case_file, path))
            if failure:
                failures.append(f"{path.name}: {failure}\n---\n{data!r}"[:2000])
    assert inputs >= MINIMUM
    assert not failures, "\n\n".join(failures[:5])


def _only_usage_errors(read: Callable[[], object]) -> str | None:
    try:
        read()
    except UsageError:
        return None
    except Exception as exc:  # anything but a UsageError is the failure looked for
        return f"{type(exc).__name__}: {exc}"
    return None


def _write(path: Path, text: str | bytes) -> None:
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)


def _bases(tmp_path: Path) -> Iterator[tuple[str, str]]:
    for name in EXAMPLES:
        shutil.copytree(DATA / name, tmp_path / name)
        yield name, (DATA / name / CONFIG).read_text(encoding="utf-8")
    for index, text in enumerate(INLINE_CONFIGS):
        folder = tmp_path / f"inline{index}"
        folder.mkdir()
        _write(folder / "chat.json", '[{"role": "user", "content": "{{x}}"}]')
        yield folder.name, text


# --- mutations -------------------------------------------------------------------------------


def _config_mutations(text: str, rng: random.Random) -> Iterator[str | bytes]:
    yield from _wrong_types(yaml.safe_load(text))
    for _ in range(100):
        yield _insert(text, rng, YAML_BITS)
    for _ in range(60):
        yield text[: rng.randrange(len(text) + 1)]
    yield from _byte_mutations(text.encode(), rng, 50)
    for _ in range(40):
        yield _random_unicode(rng)
    yield "[" * 1500  # deeper than the parser can go
    yield "a: &a [" + ", ".join(["*a"] * 3) + "]\n"
    yield "\n".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 12))


def _wrong_types(data: object) -> Iterator[str]:
    """The config with each value in turn replaced by each wrong value."""
    for path in _paths(data):
        for wrong in WRONG_VALUES:
            changed = copy.deepcopy(data)
            _set(changed, path, wrong)
            yield yaml.safe_dump(changed, sort_keys=False, allow_unicode=True)


def _paths(data: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    if prefix:
        yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


def _set(data: object, path: tuple[object, ...], value: object) -> None:
    for key in path[:-1]:
        data = data[key]  # type: ignore[index]
    data[path[-1]] = value  # type: ignore[index]


def _insert(text: str, rng: random.Random, bits: tuple[str, ...]) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(bits) + text[at:]
    return text


def _byte_mutations(data: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    for index in range(count):
        changed = bytearray(data)
        if index % 4 == 3 or not changed:
            yield bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
            continue
        for _ in range(rng.randint(1, 4)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        yield bytes(changed)


def _random_unicode(rng: random.Random) -> str:
    alphabet = [chr(rng.randrange(0x20, 0x2FFF)) for _ in range(40)] + list(":-[]{}\n '\"#")
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 300)))


def _case_bases() -> Iterator[tuple[str, str]]:
    yield ".csv", (DATA / "translate" / "translations.csv").read_text(encoding="utf-8")
    yield ".csv", 'q,__expected\n"a, b",contains:a\n"multi\nline",is-json\n'
    yield ".tsv", "q\t__expected1\t__expected2\nx\tregex:^x\tstarts-with(0.5):x\n"
    yield ".jsonl", (DATA / "jsonl_suite" / "cases.jsonl").read_text(encoding="utf-8")
    yield ".jsonl", '{"vars": {"a": ["x", "y"], "b": 1}, "assert": [{"type": "assert-set"}]}\n'


def _csv_mutations(text: str, rng: random.Random) -> Iterator[bytes]:
    for _ in range(300):
        yield _insert(text, rng, CSV_BITS).encode("utf-8")
    for _ in range(60):
        yield text.encode()[: rng.randrange(len(text.encode()) + 1)]
    yield from _byte_mutations(text.encode(), rng, 60)
    for _ in range(30):
        yield _random_unicode(rng).encode()
    yield b""
    yield b"\xef\xbb\xbf"
    yield ("a," * 5000 + "\n" + "1," * 5001 + "\n").encode()


def _jsonl_mutations(text: str, rng: random.Random) -> Iterator[bytes]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for line_index, line in enumerate(lines):
        for path in _paths(line):
            for wrong in WRONG_VALUES:
                changed = copy.deepcopy(lines)
                _set(changed[line_index], path, wrong)
                yield "\n".join(json.dumps(item) for item in changed).encode()
    for _ in range(150):
        yield _insert(text, rng, ('"', "{", "}", "[", "]", ",", ":", "\n", "\\", "\u2028")).encode()
    yield from _byte_mutations(text.encode(), rng, 60)
    for _ in range(30):
        yield _random_unicode(rng).encode()
    yield ("[" * 100000).encode()
    yield b'{"vars": {"a": [' + b'"x",' * 200 + b'"y"], "b": [' + b'"x",' * 200 + b'"y"]}}'
