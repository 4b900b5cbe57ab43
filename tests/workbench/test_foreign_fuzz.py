"""Malformed files for every foreign-format importer: a UsageError, or a prompt that holds up.

Each importer gets 2,500 inputs made from its valid example files by a seeded generator:
truncations, byte flips, inserted syntax (template tags, YAML and JSON punctuation, invalid
UTF-8), deleted and repeated spans, every field replaced by a value of the wrong type, files
spliced from two formats, random Unicode, random bytes and deep nesting. Whatever is read must be
a usable prompt, and writing it back out may refuse (UsageError) but never crash.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from workbench.domain import ROLES, PromptTemplate
from workbench.errors import UsageError
from workbench.formats import dotprompt, langfuse, openai_messages
from workbench.templating import variables_in

DATA = Path(__file__).parent / "data" / "foreign"
CASES = 2500
_TOKENS = [
    *(b"{{", b"}}", b"{{{", b"}}}", b"{{#if x}}", b"{{/if}}", b"{{else}}", b"{{^}}"),
    *(b"{{#each xs}}", b"{{/each}}", b"{{this}}", b"{{@index}}", b"{{../a}}", b"{{> p}}"),
    *(b'{{role "user"}}', b'{{role "model"}}', b"{{~", b"~}}", b"{{!", b"{{!--", b"--}}"),
    *(b"{%", b"%}", b"{% if x %}", b"{% endif %}", b"{#", b"#}", b"System:", b"User:"),
    *(b"---\n", b"\n", b"\r", b"\\", b'"', b"'", b"[", b"]", b"{", b"}", b":", b",", b"- "),
    *(b"!!binary", b"&a", b"*a", b"? ", b"|", b">", b"\t", b"NaN", b"1e999", b"-1", b"null"),
    *(b"\xff", b"\x00", b"\xc3", "\u2028".encode(), "\x85".encode(), b"\xef\xbb\xbf"),
]
_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    "",
    "x",
    "{{",
    "{{#if a}}",
    [],
    [1, "a"],
    {},
    {"a": 1},
    [[[]]],
    {"role": "user", "content": "x"},
]


def _example_files(folder: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted((DATA / folder).iterdir())]


def _paths(value: object, at: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*at, index))


def _replaced(value: object, at: tuple[object, ...], new: object) -> object:
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]
    return value


def _wrong_type(data: bytes, rng: random.Random) -> bytes:
    """One field of the document (JSON, or a .prompt file's front matter) with a wrong value."""
    text = data.decode("utf-8")
    if text.lstrip().startswith(("{", "[")):
        document = json.loads(text)
        path = rng.choice(list(_paths(document)))
        return json.dumps(_replaced(document, path, rng.choice(_VALUES))).encode()
    parts = text.split("---\n")
    if len(parts) < 3:
        return data
    front = yaml.safe_load(parts[1]) or {}
    path = rng.choice(list(_paths(front)))
    parts[1] = yaml.safe_dump(_replaced(front, path, rng.choice(_VALUES)))
    return "---\n".join(parts).encode()


_MUTATIONS = (
    *("truncate", "flip", "insert", "insert", "delete", "repeat", "wrong type", "wrong type"),
    *("splice", "unicode", "bytes", "nesting"),
)


def _mutate(data: bytes, rng: random.Random, others: list[bytes]) -> tuple[str, bytes]:
    kind = rng.choice(_MUTATIONS)
    size = max(len(data), 1)
    if kind == "truncate":
        return kind, data[: rng.randrange(size)]
    if kind == "flip":
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(size) % max(len(flipped), 1)] = rng.randrange(256)
        return kind, bytes(flipped)
    if kind == "insert":
        out = data
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(out) + 1)
            out = out[:at] + rng.choice(_TOKENS) + out[at:]
        return kind, out
    if kind in ("delete", "repeat"):
        start = rng.randrange(size)
        end = min(len(data), start + rng.randint(1, 40))
        piece = b"" if kind == "delete" else data[start:end] * rng.randint(2, 5)
        return kind, data[:start] + piece + data[end:]
    if kind == "wrong type":
        return kind, _wrong_type(data, rng)
    if kind == "splice":
        other = rng.choice(others)
        return kind, data[: rng.randrange(size)] + other[rng.randrange(max(len(other), 1)) :]
    if kind == "unicode":
        chars = [chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 200))]
        return kind, "".join(chars).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return kind, bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    depth = rng.randint(50, 3000)
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"{{#if a}}", b"{{/if}}")])
    return kind, opener * depth + closer * rng.randrange(depth + 1)


def _check_prompt(prompt: PromptTemplate) -> None:
    assert prompt.name.strip()
    assert prompt.messages
    for message in prompt.messages:
        assert message.role in ROLES
        message.content.encode("utf-8")
    variables_in(prompt.messages)  # every message is a template the workbench can run
    for value in (prompt.params.temperature, prompt.params.top_p):
        assert value is None or math.isfinite(value)
    assert all(isinstance(value, str) for value in prompt.defaults.values())
    json.dumps(dict(prompt.meta))  # plain data, so it can be written back out


def _write_back(prompt: PromptTemplate, writers: list[Callable[[PromptTemplate], str]]) -> None:
    for write in writers:
        with contextlib.suppress(UsageError):  # a refusal is fine; anything else is a bug
            write(prompt).encode("utf-8")


def _read_one(
    read: Callable[[Path], tuple[PromptTemplate, list[str]]],
) -> Callable[[Path], tuple[list[PromptTemplate], list[str]]]:
    def reader(path: Path) -> tuple[list[PromptTemplate], list[str]]:
        prompt, notes = read(path)
        return [prompt], notes

    return reader


IMPORTERS: dict[str, tuple[str, str, Callable[[Path], tuple[list[PromptTemplate], list[str]]]]] = {
    "dotprompt": ("dotprompt", ".prompt", _read_one(dotprompt.read_dotprompt)),
    "litellm": ("litellm", ".prompt", _read_one(dotprompt.read_dotprompt)),
    "langfuse": ("langfuse", ".json", langfuse.read_langfuse),
    "openai": ("openai", ".json", _read_one(openai_messages.read_openai_messages)),
}
WRITERS: list[Callable[[PromptTemplate], str]] = [
    dotprompt.write_dotprompt,
    dotprompt.write_litellm_prompt,
    langfuse.write_langfuse,
    openai_messages.write_openai_messages,
]


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
def test_malformed_files_give_usage_errors_or_usable_prompts(tmp_path: Path, importer: str) -> None:
    folder, suffix, read = IMPORTERS[importer]
    examples = _example_files(folder)
    others = [
        data
        for name in ("dotprompt", "litellm", "langfuse", "openai")
        for data in _example_files(name)
    ]
    rng = random.Random(f"foreign-fuzz-{importer}")
    path = tmp_path / f"fuzzed{suffix}"
    outcomes = {"read": 0, "refused": 0}
    for case in range(CASES):
        kind, data = _mutate(rng.choice(examples), rng, others)
        path.write_bytes(data)
        try:
            prompts, notes = read(path)
        except UsageError as exc:
            assert str(exc).startswith(str(path)), exc
            outcomes["refused"] += 1
            continue
        except Exception as exc:  # anything else is a bug: show how to reproduce it
            pytest.fail(f"{importer} case {case} ({kind}) raised {exc!r} on {data[:300]!r}")
        outcomes["read"] += 1
        assert all(isinstance(note, str) for note in notes)
        for prompt in prompts:
            _check_prompt(prompt)
            _write_back(prompt, WRITERS)
    # Both outcomes occur: the generator makes files that are still valid and ones that are not.
    assert outcomes["read"] > CASES // 20 and outcomes["refused"] > CASES // 20, outcomes
