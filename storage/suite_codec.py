"""A suite to the JSON document the `suites` table keeps, and back.

Prompts are kept by version id (their text lives in `prompt_versions`); models, cases and checks
are spelled out, so the document alone says what an export writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storage import codec
from workbench.domain import PromptTemplate
from workbench.suite import Case, Check, Suite


def document(suite: Suite, prompt_files: Sequence[str]) -> dict[str, Any]:
    return {
        "name": suite.name,
        "description": suite.description,
        "prompts": [
            {"name": p.name, "version": codec.version_id(p), "file": f}
            for p, f in zip(suite.prompts, prompt_files, strict=True)
        ],
        "models": [
            {"name": m.name, "api_base": m.api_base, **codec.model_options(m)} for m in suite.models
        ],
        "cases": [case_json(c) for c in suite.cases],
        "checks": [check_json(c) for c in suite.checks],
        "cases_file": suite.cases_file,
    }


def check_json(check: Check) -> dict[str, Any]:
    data = {"type": check.type, "value": check.value, "threshold": check.threshold}
    if check.provider is not None:
        data["provider"] = check.provider
    return data


def case_json(case: Case) -> dict[str, Any]:
    return {
        "vars": dict(case.vars),
        "checks": [check_json(c) for c in case.checks],
        "description": case.description,
    }


def suite_of(doc: Mapping[str, Any], prompts: Mapping[str, PromptTemplate]) -> Suite:
    """The suite again, with `prompts` keyed by version id."""
    return Suite(
        name=doc["name"],
        prompts=tuple(prompts[p["version"]] for p in doc["prompts"]),
        models=tuple(
            codec.model_of(m["name"], m.get("api_base"), m) for m in doc.get("models", [])
        ),
        cases=tuple(case_of(c) for c in doc.get("cases", [])),
        checks=tuple(check_of(k) for k in doc.get("checks", [])),
        description=doc.get("description", ""),
        cases_file=doc.get("cases_file"),
    )


def check_of(data: Mapping[str, Any]) -> Check:
    return Check(data["type"], data.get("value"), data.get("threshold"), data.get("provider"))


def case_of(data: Mapping[str, Any]) -> Case:
    return Case(
        vars={str(k): str(v) for k, v in dict(data["vars"]).items()},
        checks=tuple(check_of(k) for k in data.get("checks", [])),
        description=str(data.get("description", "")),
    )


def prompt_files(doc: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(p["file"] for p in doc["prompts"])
