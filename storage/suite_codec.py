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
        "cases": [_case(c) for c in suite.cases],
        "checks": [_check(c) for c in suite.checks],
        "cases_file": suite.cases_file,
    }


def _check(check: Check) -> dict[str, Any]:
    return {"type": check.type, "value": check.value, "threshold": check.threshold}


def _case(case: Case) -> dict[str, Any]:
    return {
        "vars": dict(case.vars),
        "checks": [_check(c) for c in case.checks],
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
        cases=tuple(
            Case(
                vars=dict(c["vars"]),
                checks=tuple(_check_of(k) for k in c.get("checks", [])),
                description=c.get("description", ""),
            )
            for c in doc.get("cases", [])
        ),
        checks=tuple(_check_of(k) for k in doc.get("checks", [])),
        description=doc.get("description", ""),
        cases_file=doc.get("cases_file"),
    )


def _check_of(data: Mapping[str, Any]) -> Check:
    return Check(data["type"], data.get("value"), data.get("threshold"))


def prompt_files(doc: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(p["file"] for p in doc["prompts"])
