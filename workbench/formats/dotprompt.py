"""Reading and writing `.prompt` files: Google's Dotprompt and litellm's flavour of it.

Both are YAML front matter between `---` lines, then a template body.

Dotprompt (Firebase Genkit): `name`, `description`, `model`, `config` (temperature, topP,
maxOutputTokens, stopSequences; the workbench also reads `seed`), `input` (`schema`, `default`),
`output`, `tools`, `metadata`... and a Handlebars body whose `{{role "system"}}` markers start
messages (text before the first marker is the user's; role `model` is the assistant). The body is
translated to Jinja2 (see `handlebars`); a name not given is the file name up to its first dot, the
rest being Dotprompt's variant.

litellm (`litellm/integrations/dotprompt`): `model`, `input`/`output`, and every other top-level
key sent to the model as a parameter (`temperature`, `max_tokens`, `top_p`...); the body is
already Jinja2, and messages start at lines beginning `System:`, `User:` or `Assistant:` (text
before the first is the user's). litellm strips each message and escapes HTML in variables when
it renders; the workbench keeps a message's inner lines as written and escapes nothing.

`read_dotprompt` tells the two apart: `config:` or Handlebars syntax means Dotprompt, top-level
sampling parameters, `{%`/`{#` or role lines mean litellm. Front-matter fields the workbench does
not use (model, schemas, output, tools, other config) go to `meta` under their own names, so
writing the prompt back keeps them, and are named in the notes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn

import yaml

from workbench.domain import Message, ModelParams, PromptTemplate, Role
from workbench.errors import UsageError
from workbench.formats.handlebars import Section, handlebars_to_jinja, jinja_to_handlebars
from workbench.formats.jinja_text import Notes, check_jinja, renders_empty, same_template
from workbench.formats.openai_messages import (
    OPENAI_PARAMS,
    REQUEST_FIELDS,
    Fail,
    checked_text,
    is_request_field,
    plain,
    read_params,
)
from workbench.textfiles import read_user_text

Flavor = Literal["auto", "dotprompt", "litellm"]

_DOTPROMPT_PARAMS = ("temperature", "topP", "maxOutputTokens", "seed", "stopSequences")
# Dotprompt's own front-matter fields, besides those mapped onto the prompt.
_DOTPROMPT_FIELDS = ("variant", "version", "output", "tools", "toolDefs", "metadata", "raw", "ext")
_DOTPROMPT_ROLES: dict[str, Role] = {"system": "system", "user": "user", "model": "assistant"}
_HANDLEBARS_SYNTAX = re.compile(r"\{\{~?\s*(?:[#/^>!&*]|else\b|@|role\s)")
_LITELLM_SIGNS = frozenset((*OPENAI_PARAMS, *REQUEST_FIELDS)) - {"tools", "metadata"}
_ROLE_LINE = re.compile(r"^[ \t]*(System|User|Assistant):", re.MULTILINE)
_LATE_ROLE_LINE = re.compile(r"^[ \t]*(?:\{[{%#].*?[}%#]\}[ \t]*)+(?:System|User|Assistant):")
_LITELLM_ROLES: dict[str, Role] = {"System": "system", "User": "user", "Assistant": "assistant"}


def read_dotprompt(path: Path, flavor: Flavor = "auto") -> tuple[PromptTemplate, list[str]]:
    """A `.prompt` file (Dotprompt or litellm), and what could not be carried over."""
    return parse_dotprompt(read_user_text(path), path, flavor)


def parse_dotprompt(
    text: str, path: Path, flavor: Flavor = "auto"
) -> tuple[PromptTemplate, list[str]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UsageError(f"{path}: the file is empty")
    header, header_line, body, body_line = _split(text, path)
    front = _Front(header, header_line, path)
    if flavor == "auto":
        flavor = _guess_flavor(front.data, body)
    read = _read_dotprompt if flavor == "dotprompt" else _read_litellm
    return read(front, body, body_line, path)


def _split(text: str, path: Path) -> tuple[str, int, str, int]:
    """Front matter and its first line, body and its first line. Dotprompt lets `#` comment
    lines (licence headers) come before the opening `---`."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#")):
        start += 1
    if start == len(lines) or lines[start].rstrip() != "---":
        return "", 1, text, 1
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() == "---":
            header = "\n".join(lines[start + 1 : end])
            return header, start + 2, "\n".join(lines[end + 1 :]), end + 2
    raise UsageError(f"{path}:{start + 1}: front matter opened with '---' is never closed")


class _Front:
    """The front matter as data, with the line of each key for error messages."""

    def __init__(self, header: str, first_line: int, path: Path) -> None:
        self.path = path
        self.lines: dict[tuple[str, ...], int] = {}
        self.data: dict[str, Any] = {}
        if not header.strip():
            return
        loader: yaml.SafeLoader | None = None
        try:
            loader = yaml.SafeLoader(header)  # checks the characters already
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f":{mark.line + first_line}" if mark is not None else ""
            problem = exc.problem or exc.context or "cannot read it"
            raise UsageError(f"{path}{line}: invalid YAML front matter: {problem}") from exc
        except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
            raise UsageError(f"{path}: invalid YAML front matter: {exc}") from exc
        finally:
            if loader is not None:
                loader.dispose()
        if data is None:
            return
        if not isinstance(data, Mapping):
            raise UsageError(f"{path}:{first_line}: the front matter must be a mapping of fields")
        self.data = {str(key): value for key, value in data.items()}
        self._index(node, (), first_line, 0)

    def _index(self, node: yaml.Node | None, at: tuple[str, ...], first: int, depth: int) -> None:
        if not isinstance(node, yaml.MappingNode) or depth > 2:
            return
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                self.lines[(*at, str(key.value))] = key.start_mark.line + first
                self._index(value, (*at, str(key.value)), first, depth + 1)

    def fail(self, *at: str) -> Fail:
        """A function raising a UsageError at the line of field `at` (or its parent's)."""
        line = self.lines.get(at) or self.lines.get(at[:1])

        def fail(problem: str) -> NoReturn:
            where = f"{self.path}:{line}" if line else str(self.path)
            raise UsageError(f"{where}: {problem}")

        return fail

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(key)(f"'{key}' must be text, not {type(value).__name__}")
        return checked_text(value, self.fail(key), key)

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(key)(f"'{key}' must be a mapping, not {type(value).__name__}")
        return {str(k): v for k, v in value.items()}

    def keep(self, key: str, value: object, *at: str) -> object:
        return plain(value, self.fail(*(at or (key,))), ".".join(at or (key,)))


def _guess_flavor(data: Mapping[str, Any], body: str) -> Flavor:
    """Dotprompt's `config:` or Handlebars-only syntax, else litellm's Jinja2 tags, sampling
    parameters or role lines; a plain body with neither reads the same either way."""
    if "config" in data or _HANDLEBARS_SYNTAX.search(body):
        return "dotprompt"
    if "{%" in body or "{#" in body or any(key in data for key in _LITELLM_SIGNS):
        return "litellm"
    return "litellm" if _ROLE_LINE.search(body) else "dotprompt"


def _model(front: _Front, meta: dict[str, object], notes: Notes) -> None:
    model = front.data.get("model")
    if model is None:
        return
    meta["model"] = front.keep("model", model)
    notes.add(f"model {model!r} not carried over (runs use the models you choose)")


def _input(front: _Front, meta: dict[str, object], notes: Notes, kind: str) -> dict[str, str]:
    """Defaults from `input.default`; the rest of `input` (its schema) kept and named."""
    section = front.mapping("input")
    defaults: dict[str, str] = {}
    default = section.get("default")
    if default is not None and not isinstance(default, Mapping):
        front.fail("input", "default")("'input.default' must be a mapping of names to values")
    for name, value in (default or {}).items():
        if isinstance(value, str):
            defaults[str(name)] = checked_text(value, front.fail("input", "default"), str(name))
            continue
        kept = front.keep(str(name), value, "input", "default", str(name))
        defaults[str(name)] = json.dumps(kept, ensure_ascii=False)
        notes.add(f"input default '{name}' is not text: read as its JSON text")
    rest = {key: front.keep(key, value, "input", key) for key, value in section.items()}
    rest.pop("default", None)
    if rest:
        meta["input"] = rest
    for key in rest:
        notes.add(f"{kind} field 'input.{key}' not carried over")
    return defaults


def _read_dotprompt(
    front: _Front, body: str, body_line: int, path: Path
) -> tuple[PromptTemplate, list[str]]:
    notes = Notes()
    meta: dict[str, object] = {}
    name = front.text("name")
    if name is None:
        name, _dot, variant = path.stem.partition(".")
        if variant and "variant" not in front.data:
            meta["variant"] = variant
            notes.add(f"dotprompt variant {variant!r} (from the file name) not carried over")
    _model(front, meta, notes)
    config = front.mapping("config")
    params = read_params(
        config, _DOTPROMPT_PARAMS, lambda key: front.fail("config", key), "config."
    )
    extras = {k: front.keep(k, v, "config", k) for k, v in config.items()}
    extras = {k: v for k, v in extras.items() if k not in _DOTPROMPT_PARAMS}
    if extras:
        meta["config"] = extras
    for key in extras:
        notes.add(f"dotprompt config '{key}' not carried over")
    defaults = _input(front, meta, notes, "dotprompt")
    for key, value in front.data.items():
        if key in ("name", "description", "model", "config", "input"):
            continue
        meta[key] = front.keep(key, value)
        if key == "output" and isinstance(value, Mapping) and value:
            for part in value:
                notes.add(f"dotprompt field 'output.{part}' not carried over")
        else:
            notes.add(f"dotprompt field '{key}' not carried over")
    sections, template_notes = handlebars_to_jinja(body, str(path), body_line)
    messages = _dotprompt_messages(sections, path, notes)
    prompt = _prompt(
        name, front, messages=messages, params=params, defaults=defaults, meta=meta, path=path
    )
    return prompt, notes.as_list() + template_notes.as_list()


def _dotprompt_messages(sections: list[Section], path: Path, notes: Notes) -> list[Message]:
    messages: list[Message] = []
    carried = ""  # comments with no text of their own ride along with the next message
    for section in sections:
        content = (carried + section.text).strip("\n")
        carried = ""
        if not content.strip():
            continue
        if renders_empty(content):
            carried = content + "\n"
            continue
        role = _DOTPROMPT_ROLES.get(section.role or "user")
        if section.role == "tool":
            notes.add("role 'tool' message not carried over", section.line)
            continue
        if role is None:
            raise UsageError(
                f"{path}:{section.line}: unknown role {section.role!r} "
                "(Dotprompt's roles are system, user, model and tool)"
            )
        check_jinja(content, str(path), section.line)
        messages.append(Message(role, content))
    if carried:
        notes.add("comments after the last message not carried over")
    return messages


def _read_litellm(
    front: _Front, body: str, body_line: int, path: Path
) -> tuple[PromptTemplate, list[str]]:
    notes = Notes()
    meta: dict[str, object] = {}
    _model(front, meta, notes)
    params = read_params(front.data, OPENAI_PARAMS, front.fail)
    defaults = _input(front, meta, notes, "litellm")
    for key, value in front.data.items():
        if key in ("name", "description", "model", "input", *OPENAI_PARAMS):
            continue
        meta[key] = front.keep(key, value)
        notes.add(f"litellm field '{key}' not carried over")
    check_jinja(body, str(path), body_line)
    messages = _litellm_messages(body, body_line, notes)
    if not all(_parses(message.content) for message in messages):
        notes.add(
            "role lines inside Jinja2 blocks are decided when litellm renders: the body was read "
            "as one user message"
        )
        messages = [Message("user", body.strip())] if body.strip() else []
    name = front.text("name") or path.stem
    prompt = _prompt(
        name, front, messages=messages, params=params, defaults=defaults, meta=meta, path=path
    )
    return prompt, notes.as_list()


def _litellm_messages(body: str, first_line: int, notes: Notes) -> list[Message]:
    """litellm's split: a line starting `System:`/`User:`/`Assistant:` starts a message."""
    chunks: list[tuple[Role, list[str]]] = []
    for number, line in enumerate(body.split("\n"), start=first_line):
        found = _ROLE_LINE.match(line)
        if found:
            rest = line[found.end() :].strip()
            chunks.append((_LITELLM_ROLES[found.group(1)], [rest]))
            continue
        if _LATE_ROLE_LINE.match(line):
            notes.add("a role line that starts with a template tag is read as text", number)
        if not chunks:
            chunks.append(("user", []))
        chunks[-1][1].append(line)
    messages = []
    carried = ""  # comments with no text of their own ride along with the next message
    for role, lines in chunks:
        content = (carried + "\n".join(lines)).strip()
        carried = ""
        if content and _parses(content) and renders_empty(content):
            carried = content + "\n"
        elif content:
            messages.append(Message(role, content))
    if carried:
        notes.add("comments after the last message not carried over")
    return messages


def _parses(text: str) -> bool:
    try:
        check_jinja(text, "")
    except UsageError:
        return False
    return True


def _prompt(
    name: str,
    front: _Front,
    *,
    messages: list[Message],
    params: ModelParams,
    defaults: dict[str, str],
    meta: dict[str, object],
    path: Path,
) -> PromptTemplate:
    if not messages:
        raise UsageError(f"{path}: the prompt has no messages")
    if not name.strip():
        front.fail("name")("'name' must not be empty")
    return PromptTemplate(
        name=name,
        messages=tuple(messages),
        description=front.text("description") or "",
        params=params,
        defaults=defaults,
        source_path=str(path),
        meta=meta,
    )


# --- writing ----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """YAML people can read: multi-line text as `|` blocks, and double quotes (with escapes)
    for text YAML would otherwise bend (its own line breaks NEL, LS and PS, control
    characters, blank leading or trailing lines)."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style: str | None = None
    if "\n" in text or any(not char.isprintable() for char in text):
        plain_lines = text.strip() and text[0] not in " \n" and not text.endswith("\n\n")
        printable = all(char.isprintable() or char == "\n" for char in text)
        breaks = any(char in text for char in "\x85\u2028\u2029")
        style = "|" if plain_lines and printable and not breaks else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _yaml(fields: Mapping[str, object]) -> str:
    if not fields:
        return ""
    dumped = yaml.dump(
        dict(fields), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 20
    )
    return f"---\n{dumped}---\n"


def _input_field(prompt: PromptTemplate) -> dict[str, object]:
    kept = prompt.meta.get("input")
    section = {str(k): v for k, v in kept.items()} if isinstance(kept, Mapping) else {}
    section.pop("default", None)
    if prompt.defaults:
        section["default"] = dict(prompt.defaults)
    return section


def write_dotprompt(prompt: PromptTemplate) -> str:
    """The prompt as a Dotprompt file; a UsageError if its templates have no Handlebars form."""
    meta = prompt.meta
    fields: dict[str, object] = {"name": prompt.name}
    if prompt.description:
        fields["description"] = prompt.description
    if isinstance(meta.get("model"), str):
        fields["model"] = meta["model"]
    config = dict(zip(_DOTPROMPT_PARAMS, _param_values(prompt.params), strict=True))
    config = {key: value for key, value in config.items() if value is not None}
    extras = meta.get("config")
    if isinstance(extras, Mapping):
        config.update({str(k): v for k, v in extras.items() if k not in config})
    if config:
        fields["config"] = config
    if section := _input_field(prompt):
        fields["input"] = section
    for key in meta:
        if key in _DOTPROMPT_FIELDS or "." in key:
            fields[key] = meta[key]
    roles = {"system": "system", "user": "user", "assistant": "model"}
    body = jinja_to_handlebars(
        [(roles[m.role], m.content) for m in prompt.messages], f"prompt {prompt.name!r}"
    )
    text = _yaml(fields) + body
    _check_written(prompt, text, "dotprompt", "Dotprompt")
    return text


def _param_values(params: ModelParams) -> tuple[object, ...]:
    stop = list(params.stop) if params.stop else None
    return params.temperature, params.top_p, params.max_tokens, params.seed, stop


def write_litellm_prompt(prompt: PromptTemplate) -> str:
    """The prompt as a litellm `.prompt` file (Jinja2 body, `System:`/`User:` role lines).

    litellm sends every top-level field it does not know to the model, so only the model, the
    parameters, `input`/`output` and chat-completions fields are written; litellm strips each
    message, so messages are written stripped.
    """
    meta = prompt.meta
    fields: dict[str, object] = {}
    if isinstance(meta.get("model"), str):
        fields["model"] = meta["model"]
    fields.update(prompt.params.as_request_fields())
    if section := _input_field(prompt):
        fields["input"] = section
    fields.update(
        (key, value)
        for key, value in meta.items()
        if key == "output" or is_request_field(key, value)
    )
    names = {"system": "System", "user": "User", "assistant": "Assistant"}
    body = "\n\n".join(_litellm_message(names[m.role], m.content) for m in prompt.messages)
    text = _yaml(fields) + body + "\n"
    _check_written(prompt, text, "litellm", "a litellm .prompt file")
    return text


def _litellm_message(role: str, content: str) -> str:
    """`Role: text`; litellm strips the marker line, so a first line ending in spaces goes on
    the line after it."""
    content = content.strip()
    first = content.split("\n", 1)[0]
    return f"{role}:\n{content}" if first != first.rstrip() else f"{role}: {content}"


def _check_written(prompt: PromptTemplate, text: str, flavor: Flavor, label: str) -> None:
    """Read `text` back: a message that would come back different is an error, not a surprise."""
    back, _notes = parse_dotprompt(text, Path(f"{prompt.name}.prompt"), flavor)
    strip = flavor == "litellm"
    if len(back.messages) != len(prompt.messages):
        raise UsageError(
            f"cannot write prompt {prompt.name!r} as {label}: its messages would read back as "
            f"{len(back.messages)} messages, not {len(prompt.messages)} (a line starting "
            "'System:', 'User:' or 'Assistant:' starts a message there)"
        )
    for number, (mine, theirs) in enumerate(
        zip(prompt.messages, back.messages, strict=True), start=1
    ):
        content = mine.content.strip() if strip else mine.content
        if mine.role != theirs.role or not same_template(content, theirs.content):
            raise UsageError(
                f"cannot write prompt {prompt.name!r} as {label}: message {number} would read "
                "back differently"
            )


def dropped_on_write(prompt: PromptTemplate, flavor: Flavor = "dotprompt") -> list[str]:
    """What `write_dotprompt` (or `write_litellm_prompt`) leaves out of `prompt`."""
    dropped = []
    litellm = flavor == "litellm"
    if litellm and prompt.description:
        dropped.append("description not written (litellm would send it to the model)")
    meta = prompt.meta
    requests = {key for key, value in meta.items() if is_request_field(key, value)}
    written = {"input", "output", *requests} if litellm else {"input", *_DOTPROMPT_FIELDS}
    if isinstance(prompt.meta.get("model"), str):
        written.add("model")
    if not litellm and isinstance(prompt.meta.get("config"), Mapping):
        written.add("config")
    dropped.extend(
        f"field '{key}' not written (not a {flavor} front-matter field)"
        for key in sorted(prompt.meta)
        if key not in written and (litellm or "." not in key)
    )
    return dropped
