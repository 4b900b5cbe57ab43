"""Domain types to table rows and back. Canonical JSON makes equal content hash equally."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from workbench.domain import (
    Cell,
    CellError,
    CellResult,
    Cost,
    CostSource,
    Message,
    ModelParams,
    ModelSpec,
    PromptTemplate,
    ServerTimings,
    Timings,
    TokensSource,
    Usage,
    UserPrice,
)


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: object) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def messages_json(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [m.as_dict() for m in messages]


def messages_of(data: Sequence[Mapping[str, Any]]) -> tuple[Message, ...]:
    return tuple(Message(m["role"], m["content"]) for m in data)


def params_json(params: ModelParams) -> dict[str, Any]:
    return params.as_request_fields()


def params_of(data: Mapping[str, Any]) -> ModelParams:
    return ModelParams(
        temperature=data.get("temperature"),
        top_p=data.get("top_p"),
        max_tokens=data.get("max_tokens"),
        seed=data.get("seed"),
        stop=tuple(data.get("stop", ())),
    )


def version_id(prompt: PromptTemplate) -> str:
    """Same prompt, same version: the id is the hash of everything a prompt file holds.

    The name is part of it, so two prompts with equal text stay two histories; description,
    defaults and kept front matter count only when set, so plain prompts keep a short key.
    """
    content: dict[str, Any] = {
        "name": prompt.name,
        "messages": messages_json(prompt.messages),
        "params": params_json(prompt.params),
    }
    if prompt.description:
        content["description"] = prompt.description
    if prompt.defaults:
        content["defaults"] = dict(prompt.defaults)
    if prompt.meta:
        content["meta"] = dict(prompt.meta)
    return digest(content)


def prompt_of(
    name: str,
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    *,
    description: str,
    defaults: Mapping[str, Any],
    meta: Mapping[str, Any] | None,
    source_path: str | None,
) -> PromptTemplate:
    """A prompt version's row back into the prompt it was saved from."""
    return PromptTemplate(
        name=name,
        messages=messages_of(messages),
        description=description,
        params=params_of(params),
        defaults=dict(defaults),
        source_path=source_path,
        meta=dict(meta or {}),
    )


def prompt_text(prompt: PromptTemplate) -> str:
    return "\n\n".join(m.content for m in prompt.messages)


def request_hash(cell: Cell) -> str:
    """What decides an answer: model, endpoint, rendered messages and the parameters sent."""
    return digest(
        {
            "model": cell.model.name,
            "api_base": cell.model.api_base,
            "messages": messages_json(cell.messages),
            "params": params_json(cell.params),
        }
    )


def model_options(model: ModelSpec) -> dict[str, Any]:
    price = model.price
    options: dict[str, Any] = {
        "params": params_json(model.params),
        "transport": model.transport,
        "api_key_name": model.api_key_name,
        "price": None if price is None else [price.input_per_mtok, price.output_per_mtok],
    }
    if model.hourly_usd is not None:  # only when set: rows written before it read the same
        options["hourly_usd"] = model.hourly_usd
    return options


def model_of(name: str, api_base: str | None, options: Mapping[str, Any]) -> ModelSpec:
    price = options.get("price")
    return ModelSpec(
        name=name,
        api_base=api_base,
        params=params_of(options.get("params", {})),
        transport=options.get("transport", "auto"),
        price=None if price is None else UserPrice(price[0], price[1]),
        api_key_name=options.get("api_key_name"),
        hourly_usd=options.get("hourly_usd"),
    )


def pending_row(cell: Cell, prompt_id: int, run_id: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "index": cell.index,
        "prompt_id": prompt_id,
        "prompt_version_id": version_id(cell.prompt),
        "model": cell.model.name,
        "api_base": cell.model.api_base,
        "model_options": model_options(cell.model),
        "params": params_json(cell.params),
        "variables": dict(cell.variables),
        "messages": messages_json(cell.messages),
        "request_hash": request_hash(cell),
        "repeat": cell.repeat,
        "case_index": cell.case_index,
        "status": "pending",
        "output": "",
        "attempts": 0,
        "cached": False,
    }


def result_values(result: CellResult) -> dict[str, Any]:
    """The columns a finished or failed cell fills in."""
    usage, timings, error = result.usage, result.timings, result.error
    return {
        "status": "finished" if result.ok else "failed",
        "output": result.output,
        "finish_reason": result.finish_reason,
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
        "tokens_source": usage.source.value if usage else None,
        "ttft_ms": timings.ttft_ms if timings else None,
        "latency_ms": timings.latency_ms if timings else None,
        "decode_ms": timings.decode_ms if timings else None,
        **_server_figures(timings),
        "cost_usd": result.cost.usd,
        "cost_source": result.cost.source.value,
        "attempts": result.attempts,
        "error": None if error is None else error.as_dict(),
        "cached": result.cached,
    }


def _server_figures(timings: Timings | None) -> dict[str, Any]:
    """The model's load time and the server's own figures as columns, None where not reported.

    Every column is written, None included, so a cell run again never keeps figures from
    its earlier answer.
    """
    server = timings.server if timings else None
    return {
        "load_ms": timings.load_ms if timings else None,
        "server_prompt_tokens": server.prompt_tokens if server else None,
        "server_prompt_ms": server.prompt_ms if server else None,
        "server_decode_tokens": server.decode_tokens if server else None,
        "server_decode_ms": server.decode_ms if server else None,
    }


def _server_timings_of(row: Mapping[str, Any]) -> ServerTimings | None:
    """The server's figures from a row; None (not an empty ServerTimings) when it gave none."""
    server = ServerTimings(
        prompt_tokens=row["server_prompt_tokens"],
        prompt_ms=row["server_prompt_ms"],
        decode_tokens=row["server_decode_tokens"],
        decode_ms=row["server_decode_ms"],
    )
    return None if server == ServerTimings() else server


def result_of(cell: Cell, row: Mapping[str, Any]) -> CellResult:
    usage = None
    if row["output_tokens"] is not None:
        usage = Usage(
            row["input_tokens"] or 0, row["output_tokens"], TokensSource(row["tokens_source"])
        )
    timings = None
    if row["latency_ms"] is not None:
        timings = Timings(
            row["ttft_ms"],
            row["latency_ms"],
            row["decode_ms"],
            load_ms=row["load_ms"],
            server=_server_timings_of(row),
        )
    error = row["error"]
    return CellResult(
        cell=cell,
        output=row["output"],
        finish_reason=row["finish_reason"],
        usage=usage,
        cost=Cost(row["cost_usd"], CostSource(row["cost_source"] or "unknown")),
        timings=timings,
        attempts=row["attempts"],
        error=None
        if error is None
        else CellError(error["type"], error["message"], error["retryable"]),
        cached=bool(row["cached"]),
    )
