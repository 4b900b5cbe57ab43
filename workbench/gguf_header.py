"""What a GGUF model file says about itself, read from its header alone.

A file picked to run is checked before any engine starts: a 40 GB model answers at once (only the
header is read, never the tensors), and a damaged or hostile one cannot make us allocate
gigabytes (every length read from the file is checked against the bytes left in it).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench.errors import WorkbenchError


class EngineError(WorkbenchError):
    """A model file the engine cannot serve, or an engine that would not start."""


_GGUF_MAGIC = b"GGUF"
_MAX_KEY_BYTES = 65_535  # the GGUF spec's own limit on a key's length
_MAX_TEXT_BYTES = 65_536  # a value we keep (a name); longer ones are skipped, not read
_MAX_ARRAY_DEPTH = 3
_STRING, _ARRAY = 8, 9
_SCALARS: dict[int, str] = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
    10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
# llama.cpp's llama_ftype: what general.file_type says about the weights' quantisation.
_FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE",
}  # fmt: skip
_WANTED_TEXT = frozenset({"general.architecture", "general.name"})


@dataclass(frozen=True, slots=True)
class GgufInfo:
    """What a GGUF file's header says about the model, read without touching the weights."""

    path: Path
    size_bytes: int
    version: int
    tensor_count: int
    architecture: str | None  # general.architecture when readable
    name: str | None  # general.name
    context_length: int | None  # <architecture>.context_length
    file_type: str | None  # the quantisation, e.g. "F32", "Q4_K_M", from general.file_type


class _TruncatedError(Exception):
    """The file ended where its header said there was more."""


class _Header:
    """Reads a GGUF header from an open file, checking every length against the file's size."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._size = size

    def remaining(self) -> int:
        return self._size - self._stream.tell()

    def first(self, count: int) -> bytes:
        """Up to `count` bytes; a short read is the caller's to judge."""
        return self._stream.read(count)

    def take(self, count: int) -> bytes:
        if count > self.remaining():
            raise _TruncatedError
        return self._stream.read(count)

    def skip(self, count: int) -> None:
        if count > self.remaining():
            raise _TruncatedError
        self._stream.seek(count, os.SEEK_CUR)

    def scalar(self, fmt: str) -> int | float | bool:
        value: int | float | bool = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def u32(self) -> int:
        return int(self.scalar("<I"))

    def u64(self) -> int:
        return int(self.scalar("<Q"))

    def string(self, *, keep: bool) -> str | None:
        """A length-prefixed UTF-8 string; None (skipped by seeking) unless kept and short."""
        length = self.u64()
        if not keep or length > _MAX_TEXT_BYTES:
            self.skip(length)
            return None
        return self.take(length).decode("utf-8", errors="replace")

    def key(self) -> str | None:
        """A metadata key; None when longer than GGUF allows (then nothing after it is usable)."""
        length = self.u64()
        if length > _MAX_KEY_BYTES:
            return None
        return self.take(length).decode("utf-8", errors="replace")


def check_gguf(path: Path) -> GgufInfo:
    """Read a GGUF file's header and metadata (never its tensors), or say why it is no model.

    Checks the magic b"GGUF" and version 2 or 3, reads the counts and the metadata this returns,
    and skips every other value by its type. Every length read from the file is checked against
    the bytes left in it, so a damaged or hostile header fails instead of allocating.
    """
    label = path.name or str(path)
    if path.is_dir():
        raise EngineError(f"{label} is a folder, not a GGUF model file")
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size == 0:
                raise EngineError(f"{label} is empty")
            return _read_header(path, label, _Header(stream, size), size)
    except FileNotFoundError:
        raise EngineError(f"{label}: no such file") from None
    except _TruncatedError:
        raise EngineError(f"{label} ends inside its header (truncated?)") from None
    except OSError as exc:
        raise EngineError(f"{label} cannot be read: {exc.strerror or exc}") from exc


def _read_header(path: Path, label: str, header: _Header, size: int) -> GgufInfo:
    magic = header.first(4)
    if magic != _GGUF_MAGIC:
        if _GGUF_MAGIC.startswith(magic):
            raise _TruncatedError
        raise EngineError(f"{label} is not a GGUF model file (it starts with {magic!r})")
    version = header.u32()
    if version not in (2, 3):
        if int.from_bytes(version.to_bytes(4, "little"), "big") in (2, 3):
            raise EngineError(
                f"{label} is a big-endian GGUF file, which llama.cpp here cannot load"
            )
        raise EngineError(f"{label} is GGUF version {version}; llama.cpp reads versions 2 and 3")
    tensor_count = header.u64()
    kv_count = header.u64()
    texts: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for _ in range(kv_count):
        key = header.key()
        if key is None:
            raise EngineError(f"{label} has a metadata key longer than GGUF allows (damaged?)")
        kind = header.u32()
        wanted_text = key in _WANTED_TEXT
        if kind == _STRING:
            text = header.string(keep=wanted_text)
            if text is not None:
                texts[key] = text
        elif kind in _SCALARS:
            value = header.scalar(_SCALARS[kind])
            if isinstance(value, int) and not isinstance(value, bool):
                numbers[key] = value
        else:
            _skip_value(header, label, kind, depth=0)
    # The tensor entries follow (32 bytes at the least each); a file too short for them was cut.
    if tensor_count * 32 > header.remaining():
        raise _TruncatedError
    architecture = texts.get("general.architecture")
    file_type = numbers.get("general.file_type")
    return GgufInfo(
        path=path,
        size_bytes=size,
        version=version,
        tensor_count=tensor_count,
        architecture=architecture,
        name=texts.get("general.name"),
        context_length=numbers.get(f"{architecture}.context_length") if architecture else None,
        file_type=None if file_type is None else _FILE_TYPES.get(file_type, f"type {file_type}"),
    )


def _skip_value(header: _Header, label: str, kind: int, *, depth: int) -> None:
    if kind == _STRING:
        header.string(keep=False)
    elif kind in _SCALARS:
        header.skip(struct.calcsize(_SCALARS[kind]))
    elif kind == _ARRAY and depth < _MAX_ARRAY_DEPTH:
        item_kind = header.u32()
        count = header.u64()
        if item_kind in _SCALARS:
            header.skip(count * struct.calcsize(_SCALARS[item_kind]))
            return
        if count * 8 > header.remaining():  # each string or array item holds a length at least
            raise _TruncatedError
        for _ in range(count):
            _skip_value(header, label, item_kind, depth=depth + 1)
    elif kind == _ARRAY:
        raise EngineError(f"{label} nests metadata arrays deeper than a model file does (damaged?)")
    else:
        raise EngineError(f"{label} has metadata of unknown type {kind} (a newer GGUF version?)")
