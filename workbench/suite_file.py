"""The suite file `workbench.yaml`: which prompts, which models, which cases, which checks.

name: support-triage
description: Classify support tickets
prompts: [classify.prompty]
models:
  - gpt-4o-mini
  - {name: llama3.2, api_base: "http://127.0.0.1:11434/v1", params: {temperature: 0}}
  - {name: ollama/qwen2.5, price_per_hour: 0.4}   # what an hour of this machine costs
cases: cases.csv            # or a list of {vars, description, checks}
checks:
  - {type: icontains, value: "{{expected}}"}
  - {type: llm-rubric, value: "is polite", provider: gpt-4o-mini}   # the judge model

Keys are named by environment variable only (`api_key_env`), never written themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from workbench.domain import ModelParams, ModelSpec, Transport, UserPrice
from workbench.errors import UsageError
from workbench.prompty import PARAM_FIELDS, as_text
from workbench.secrets import env_var_for, provider_for_env
from workbench.suite import Case, Check, Suite
from workbench.yaml_doc import YamlDoc, load_yaml, unknown_keys
from workbench.yaml_writer import dump_yaml

SUITE_FILE = "workbench.yaml"
SUITE_FIELDS = ("name", "description", "prompts", "models", "cases", "checks")
MODEL_FIELDS = ("name", "api_base", "transport", "api_key_env", "price", "price_per_hour", "params")
CASE_FIELDS = ("description", "vars", "checks")
CHECK_FIELDS = ("type", "value", "threshold", "provider")
_TRANSPORTS: tuple[Transport, ...] = ("auto", "openai", "litellm")


@dataclass(frozen=True, slots=True)
class SuiteFile:
    """`workbench.yaml` as read: prompts and the cases file are still paths beside it."""

    name: str
    description: str
    prompt_files: tuple[str, ...]
    models: tuple[ModelSpec, ...]
    cases: tuple[Case, ...]  # the inline ones
    cases_file: str | None
    checks: tuple[Check, ...]
    doc: YamlDoc


def parse_suite_file(text: str, path: Path) -> SuiteFile:
    doc = load_yaml(text, path)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, Mapping):
        raise UsageError(f"{path}:1: a suite file is a mapping of {', '.join(SUITE_FIELDS)}")
    top = cast("Mapping[str, Any]", data)
    unknown_keys(doc, top, SUITE_FIELDS)
    cases_value = top.get("cases")
    inline: tuple[Case, ...] = ()
    cases_file = None
    if isinstance(cases_value, str):
        cases_file = cases_value
    elif cases_value is not None:
        inline = tuple(_case(raw, doc, i) for i, raw in enumerate(_list(cases_value, doc, "cases")))
    return SuiteFile(
        name=_text(top.get("name"), doc, "name") or path.parent.name or "suite",
        description=_text(top.get("description"), doc, "description"),
        prompt_files=tuple(
            _text(p, doc, "prompts", i)
            for i, p in enumerate(_list(top.get("prompts"), doc, "prompts"))
        ),
        models=tuple(
            _model(raw, doc, i) for i, raw in enumerate(_list(top.get("models"), doc, "models"))
        ),
        cases=inline,
        cases_file=cases_file,
        checks=_checks(top.get("checks"), doc, "checks"),
        doc=doc,
    )


def _list(value: object, doc: YamlDoc, *at: str | int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UsageError(f"{doc.where(*at)}: {at[-1]} must be a list")
    return value


def _map(value: object, doc: YamlDoc, *at: str | int) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(f"{doc.where(*at)}: {at[-1]} must be a mapping")
    return cast("Mapping[str, Any]", value)


def _text(value: object, doc: YamlDoc, *at: str | int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"{doc.where(*at)}: {at[-1]} must be text")
    return str(value)


def _number(value: object, doc: YamlDoc, *at: str | int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"{doc.where(*at)}: {at[-1]} must be a number, not {value!r}")
    return float(value)


def _whole(value: object, doc: YamlDoc, *at: str | int) -> int | None:
    number = _number(value, doc, *at)
    if number is None:
        return None
    if not number.is_integer():
        raise UsageError(f"{doc.where(*at)}: {at[-1]} must be a whole number, not {value!r}")
    return int(number)


def _model(raw: object, doc: YamlDoc, index: int) -> ModelSpec:
    at = ("models", index)
    if isinstance(raw, str):
        return ModelSpec(raw)
    fields = _map(raw, doc, *at)
    unknown_keys(doc, fields, MODEL_FIELDS, *at)
    name = _text(fields.get("name"), doc, *at, "name")
    if not name:
        raise UsageError(f"{doc.where(*at)}: a model needs a name (its litellm model string)")
    transport = fields.get("transport", "auto")
    if transport not in _TRANSPORTS:
        raise UsageError(
            f"{doc.where(*at, 'transport')}: transport must be one of {', '.join(_TRANSPORTS)}"
        )
    return ModelSpec(
        name=name,
        api_base=_text(fields.get("api_base"), doc, *at, "api_base") or None,
        params=params_of(_map(fields.get("params"), doc, *at, "params"), doc, *at, "params"),
        transport=cast("Transport", transport),
        price=_price(fields.get("price"), doc, *at, "price"),
        api_key_name=_key_name(fields.get("api_key_env"), doc, *at, "api_key_env"),
        hourly_usd=_hourly(fields.get("price_per_hour"), doc, *at, "price_per_hour"),
    )


def _hourly(value: object, doc: YamlDoc, *at: str | int) -> float | None:
    usd = _number(value, doc, *at)
    if usd is not None and usd < 0:
        raise UsageError(f"{doc.where(*at)}: price_per_hour is US dollars, 0 or more: {value!r}")
    return usd


def _key_name(value: object, doc: YamlDoc, *at: str | int) -> str | None:
    variable = _text(value, doc, *at)
    if not variable:
        return None
    provider = provider_for_env(variable)
    if provider is None:
        raise UsageError(
            f"{doc.where(*at)}: api_key_env names the variable holding the key, such as "
            f"OPENAI_API_KEY or MYPROVIDER_API_KEY; {variable!r} is not one"
        )
    return provider


def _price(value: object, doc: YamlDoc, *at: str | int) -> UserPrice | None:
    if value is None:
        return None
    fields = _map(value, doc, *at)
    unknown_keys(doc, fields, ("input_per_mtok", "output_per_mtok"), *at)
    given = _number(fields.get("input_per_mtok"), doc, *at, "input_per_mtok")
    taken = _number(fields.get("output_per_mtok"), doc, *at, "output_per_mtok")
    if given is None or taken is None:
        raise UsageError(f"{doc.where(*at)}: a price needs input_per_mtok and output_per_mtok")
    return UserPrice(given, taken)


def params_of(fields: Mapping[str, Any], doc: YamlDoc, *at: str | int) -> ModelParams:
    unknown_keys(doc, fields, PARAM_FIELDS, *at)
    stop = fields.get("stop")
    if isinstance(stop, str):
        stops: tuple[str, ...] = (stop,)
    elif stop is None:
        stops = ()
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        stops = tuple(stop)
    else:
        raise UsageError(f"{doc.where(*at, 'stop')}: stop must be text or a list of texts")
    return ModelParams(
        temperature=_number(fields.get("temperature"), doc, *at, "temperature"),
        top_p=_number(fields.get("top_p"), doc, *at, "top_p"),
        max_tokens=_whole(fields.get("max_tokens"), doc, *at, "max_tokens"),
        seed=_whole(fields.get("seed"), doc, *at, "seed"),
        stop=stops,
    )


def _case(raw: object, doc: YamlDoc, index: int) -> Case:
    at = ("cases", index)
    fields = _map(raw, doc, *at)
    unknown_keys(doc, fields, CASE_FIELDS, *at)
    variables = _map(fields.get("vars"), doc, *at, "vars")
    return Case(
        vars={str(k): as_text(v) for k, v in variables.items()},
        checks=_checks(fields.get("checks"), doc, *at, "checks"),
        description=_text(fields.get("description"), doc, *at, "description"),
    )


def _checks(value: object, doc: YamlDoc, *at: str | int) -> tuple[Check, ...]:
    checks: list[Check] = []
    for index, raw in enumerate(_list(value, doc, *at)):
        where = (*at, index)
        fields = _map(raw, doc, *where)
        unknown_keys(doc, fields, CHECK_FIELDS, *where)
        kind = _text(fields.get("type"), doc, *where, "type")
        if not kind:
            raise UsageError(f"{doc.where(*where)}: a check needs a type, such as contains")
        threshold = _number(fields.get("threshold"), doc, *where, "threshold")
        provider = _text(fields.get("provider"), doc, *where, "provider") or None
        checks.append(Check(kind, fields.get("value"), threshold, provider))
    return tuple(checks)


# --- writing ---------------------------------------------------------------------------


def write_suite_file(suite: Suite, prompt_files: Sequence[str]) -> str:
    data: dict[str, Any] = {"name": suite.name}
    if suite.description:
        data["description"] = suite.description
    data["prompts"] = list(prompt_files)
    if suite.models:
        data["models"] = [model_yaml(m) for m in suite.models]
    if suite.cases_file is not None:
        data["cases"] = suite.cases_file
    elif suite.cases:
        data["cases"] = [_case_yaml(c) for c in suite.cases]
    if suite.checks:
        data["checks"] = [check_yaml(c) for c in suite.checks]
    return dump_yaml(data)


def model_yaml(model: ModelSpec) -> str | dict[str, Any]:
    fields: dict[str, Any] = {"name": model.name}
    if model.api_base:
        fields["api_base"] = model.api_base
    if model.transport != "auto":
        fields["transport"] = model.transport
    if model.api_key_name:
        fields["api_key_env"] = env_var_for(model.api_key_name)
    if model.price is not None:
        fields["price"] = {
            "input_per_mtok": model.price.input_per_mtok,
            "output_per_mtok": model.price.output_per_mtok,
        }
    if model.hourly_usd is not None:
        fields["price_per_hour"] = model.hourly_usd
    params = model.params.as_request_fields()
    if params:
        fields["params"] = params
    return model.name if len(fields) == 1 else fields


def _case_yaml(case: Case) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if case.description:
        fields["description"] = case.description
    fields["vars"] = {k: case.vars[k] for k in sorted(case.vars)}
    if case.checks:
        fields["checks"] = [check_yaml(c) for c in case.checks]
    return fields


def check_yaml(check: Check) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": check.type}
    if check.value is not None:
        fields["value"] = check.value
    if check.threshold is not None:
        fields["threshold"] = check.threshold
    if check.provider is not None:
        fields["provider"] = check.provider
    return fields
