"""Malformed variants of a valid file, for fuzzing importers: seeded, so a failure reproduces."""

from __future__ import annotations

import random

# Bytes that mean something to YAML, JSON, CSV, Jinja2 or Handlebars, plus ones no text holds.
_TOKENS = [
    b":", b"- ", b"{", b"}", b"[", b"]", b'"', b"'", b",", b"\n", b"\r\n", b"\t", b"---\n",
    b"{{", b"}}", b"{%", b"%}", b"{#", b"&a", b"*a", b"!!python/object:os.system", b"|",
    b">", b"#", b"\x00", b"\xff\xfe", b"\xc3", b"null", b"true", b"1e999", b"-1", b"[1, 2]",
    b"{a: b}", b"\\u0000", b"__expected", b"system:\n", b"user:\n", b'{{role "system"}}',
    b"file:///etc/passwd", b"\xf0\x9f\x98\x80", b"\xe2\x80\xa8", b"\x1b[31m",
]  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> bytes:
    """`data` changed in one to three ways: cut, flipped, spliced, reordered or retyped."""
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(_MUTATIONS)(data, rng)
    return data


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(0, len(data))]


def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return b"\xff"
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.choice(_TOKENS) + data[at:]


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return data + b"\n" + data
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    choice = rng.randrange(3)
    if choice == 0:
        lines[i], lines[j] = lines[j], lines[i]
    elif choice == 1:
        del lines[i]
    else:
        lines.insert(i, lines[j])
    return b"\n".join(lines)


def _retype(data: bytes, rng: random.Random) -> bytes:
    """Replace the value after a `key:` (or `"key":`) with a value of another type."""
    positions = [i for i in range(len(data)) if data[i : i + 2] in (b": ", b'":')]
    if not positions:
        return _insert(data, rng)
    at = rng.choice(positions) + 2
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end
    return (
        data[:at] + rng.choice([b"[]", b"{}", b"null", b"42", b"-", b'"x"', b"[{}]"]) + data[end:]
    )


def _noise(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]


_MUTATIONS = [_truncate, _flip, _insert, _insert, _lines, _retype, _retype, _noise]
