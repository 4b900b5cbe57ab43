"""One flat record per cell, and writers that append them to JSONL or CSV as cells end.

The field names are an interface: scripts and CI pipelines read them. Add fields; rename none.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

from workbench.domain import CellResult
from workbench.errors import UsageError

FIELDS = (
    "prompt",
    "model",
    "vars",
    "repeat",
    "output",
    "finish_reason",
    "input_tokens",
    "output_tokens",
    "tokens_source",
    "cost_usd",
    "cost_source",
    "ttft_ms",
    "latency_ms",
    "output_tokens_per_s",
    "attempts",
    "error",
    "case",
    "cell",
    "api_base",
    "messages",
    "cached",
    # What the server measured itself, where it reports it (llama.cpp's timings, Ollama's counts).
    "load_ms",
    "server_prompt_tokens",
    "server_prompt_ms",
    "server_decode_tokens",
    "server_decode_ms",
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def to_record(result: CellResult) -> dict[str, Any]:
    cell = result.cell
    usage = result.usage
    timings = result.timings
    server = timings.server if timings else None
    error = result.error
    return {
        "prompt": cell.prompt.name,
        "model": cell.model.name,
        "vars": dict(cell.variables),
        "repeat": cell.repeat,
        "output": result.output,
        "finish_reason": result.finish_reason,
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
        "tokens_source": usage.source.value if usage else None,
        "cost_usd": result.cost.usd,
        "cost_source": result.cost.source.value,
        "ttft_ms": _rounded(timings.ttft_ms if timings else None, 2),
        "latency_ms": _rounded(timings.latency_ms if timings else None, 2),
        "output_tokens_per_s": _rounded(result.output_tokens_per_s, 2),
        "attempts": result.attempts,
        "error": None if error is None else error.as_dict(),
        "case": cell.case_index,
        "cell": cell.index,
        "api_base": cell.model.api_base,
        "messages": [m.as_dict() for m in cell.messages],
        "cached": result.cached,
        "load_ms": _rounded(timings.load_ms if timings else None, 2),
        "server_prompt_tokens": server.prompt_tokens if server else None,
        "server_prompt_ms": _rounded(server.prompt_ms if server else None, 2),
        "server_decode_tokens": server.decode_tokens if server else None,
        "server_decode_ms": _rounded(server.decode_ms if server else None, 2),
        "prefill_tokens_per_s": _rounded(server.prefill_tokens_per_s if server else None, 2),
        "decode_tokens_per_s": _rounded(server.decode_tokens_per_s if server else None, 2),
    }


class RecordWriter:
    """Appends records to a .jsonl or .csv file, flushing each so a crash loses nothing written."""

    def __init__(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise UsageError(f"--out {path}: must end in .jsonl or .csv")
        self.path = path
        self._csv = suffix == ".csv"
        try:
            self._handle: IO[str] = path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"--out {path}: cannot write: {exc.strerror}") from exc
        self._writer: Any = None
        if self._csv:
            self._writer = csv.DictWriter(self._handle, fieldnames=FIELDS)
            self._writer.writeheader()

    def write(self, result: CellResult) -> None:
        record = to_record(result)
        if self._csv:
            self._writer.writerow({key: _csv_value(value) for key, value in record.items()})
        else:
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _csv_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
