"""Writing a prompt as a `.prompty` file, the inverse of `workbench.prompty`.

Key order is fixed (the Prompty spec's order), so the same prompt always gives the same bytes.
Kept front-matter fields (`PromptTemplate.meta`) go back where they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.domain import PromptTemplate
from workbench.errors import UsageError
from workbench.prompty import MODEL_FIELDS, PARAM_FIELDS, ROLE_LINE, TOP_FIELDS, as_text
from workbench.yaml_writer import dump_yaml


def write_prompty(prompt: PromptTemplate) -> str:
    header = dump_yaml(_front_matter(prompt))
    return f"---\n{header}---\n{_body(prompt)}"


def _front_matter(prompt: PromptTemplate) -> dict[str, Any]:
    fields: dict[str, Any] = dict(prompt.meta)
    fields["name"] = prompt.name
    if prompt.description:
        fields["description"] = prompt.description
    kept_model = fields.get("model")
    if isinstance(kept_model, str):
        # Other formats name the model as plain text; Prompty keeps it in the configuration.
        kept_model = {"configuration": {"name": kept_model}}
    model = dict(_as_mapping(kept_model))
    params = {**_as_mapping(model.get("parameters")), **prompt.params.as_request_fields()}
    if params:
        model["parameters"] = {k: params[k] for k in _ordered(params, PARAM_FIELDS)}
    if model:
        fields["model"] = {k: model[k] for k in _ordered(model, MODEL_FIELDS)}
    missing = _defaults_not_in_meta(prompt)
    if missing:
        sample = dict(_as_mapping(fields.get("sample")))
        sample.update(missing)
        fields["sample"] = sample
    return {k: fields[k] for k in _ordered(fields, TOP_FIELDS)}


def _defaults_not_in_meta(prompt: PromptTemplate) -> dict[str, str]:
    """Defaults the kept inputs and sample do not already give (set in the window, say)."""
    given: dict[str, str] = {}
    sample = prompt.meta.get("sample")
    if isinstance(sample, Mapping):
        given.update({str(k): as_text(v) for k, v in sample.items()})
    inputs = prompt.meta.get("inputs")
    if isinstance(inputs, Mapping):
        for key, spec in inputs.items():
            if isinstance(spec, Mapping) and "default" in spec:
                given[str(key)] = as_text(spec["default"])
    return {k: v for k, v in prompt.defaults.items() if given.get(k) != v}


def _as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _ordered(keys: Mapping[str, Any], known: tuple[str, ...]) -> list[str]:
    """The known keys in the spec's order, then any others alphabetically."""
    return [k for k in known if k in keys] + sorted(k for k in keys if k not in known)


def _body(prompt: PromptTemplate) -> str:
    parts: list[str] = []
    for number, message in enumerate(prompt.messages, start=1):
        content = message.content.strip("\n")
        if not content.strip():
            continue  # an empty message is no message; the reader would skip it too
        for line in content.splitlines():
            if ROLE_LINE.match(line):
                raise UsageError(
                    f"prompt {prompt.name!r}, message {number}: the line {line.strip()!r} would "
                    "read back as a role marker in a .prompty file; reword it"
                )
        parts.append(f"{message.role}:\n{content}\n")
    return "\n".join(parts)
