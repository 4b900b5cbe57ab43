"""Reading and writing OpenAI chat messages as people paste them, and what Langfuse shares with it.

Read: a JSON list of `{role, content}`, one such message, or a chat-completions request body
`{model, messages, temperature, ...}`. Content is a string or a list of parts; text parts are
joined with newlines, other parts (images, audio, files) are named in the notes. `developer` reads
as `system`; `tool` and `function` messages, `tool_calls` and `name` are named and left out. The
request's `model` and any field other than the sampling parameters are kept in `meta` (so writing
the prompt back as a request keeps them) and named in the notes, since runs do not send them.

Message text is a template with `{{name}}` variables, as Langfuse writes it: `{{name}}` becomes a
Jinja2 variable, other text stays literal (escaped where Jinja2 would read it as a tag).

Written: a request body with `messages` and the parameters the prompt sets.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from workbench.domain import ROLES, Message, ModelParams, PromptTemplate, Role
from workbench.errors import UsageError
from workbench.formats.jinja_text import (
    JinjaText,
    Notes,
    is_jinja_name,
    jinja_pieces,
    jinja_string_value,
    same_template,
)
from workbench.textfiles import read_user_text

Fail = Callable[[str], NoReturn]

# Request fields worth writing back: OpenAI's chat-completions parameters other than the five
# the workbench sends itself, which ModelParams holds.
REQUEST_FIELDS = frozenset(
    (
        *("frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "top_logprobs"),
        *("n", "response_format", "tools", "tool_choice", "parallel_tool_calls", "functions"),
        *("function_call", "user", "stream", "stream_options", "reasoning_effort"),
        *("service_tier", "store", "metadata", "modalities", "audio", "prediction"),
        *("verbosity", "web_search_options"),
    )
)
_OBJECT_LISTS = ("tools", "functions")  # lists of objects in a request, names elsewhere
_MESSAGE_FIELDS = ("role", "content")
_TEXT_PARTS = ("text", "input_text", "output_text")


def is_request_field(key: str, value: object) -> bool:
    """Whether `meta[key]` can go into a chat-completions request as it is (Dotprompt's
    `tools`, a list of names, cannot)."""
    if key in _OBJECT_LISTS:
        return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)
    return key in REQUEST_FIELDS


# --- JSON whose objects know their line -----------------------------------------------------


class JsonObject(dict[str, Any]):
    """A JSON object that remembers the line of its opening brace, for error messages."""

    line: int = 1


_JSON_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|[{}\n]')


def _object_lines(text: str) -> Iterator[int]:
    """Each object's opening line, in the order the decoder finishes them (closing brace)."""
    line, opened = 1, []
    for found in _JSON_TOKEN.finditer(text):
        part = found.group()
        if part == "\n":
            line += 1
        elif part == "{":
            opened.append(line)
        elif part == "}" and opened:
            yield opened.pop()


def load_json(text: str, path: Path) -> Any:
    """Strict JSON (no NaN or Infinity), objects as `JsonObject`; errors name the line."""
    lines = _object_lines(text)

    def make_object(pairs: list[tuple[str, Any]]) -> JsonObject:
        made = JsonObject(pairs)
        made.line = next(lines, 1)
        return made

    def refuse(name: str) -> NoReturn:
        raise ValueError(f"{name} is not a JSON number")

    if not text.strip():
        raise UsageError(f"{path}: the file is empty")
    try:
        return json.loads(text, object_pairs_hook=make_object, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    except ValueError as exc:
        raise UsageError(f"{path}: invalid JSON: {exc}") from exc
    except RecursionError as exc:
        raise UsageError(f"{path}: invalid JSON: nested too deeply") from exc


def line_of(value: object) -> int | None:
    return value.line if isinstance(value, JsonObject) else None


def failing(path: Path, line: int | None) -> Fail:
    """A function raising a UsageError at `path`, on `line` when known."""

    def fail(problem: str) -> NoReturn:
        where = f"{path}:{line}" if line is not None else str(path)
        raise UsageError(f"{where}: {problem}")

    return fail


_PLAIN_LIMIT = 100_000  # values in one field: YAML aliases can make a small file huge


def plain(value: object, fail: Fail, what: str) -> Any:
    """`value` as plain JSON data (str keys, lists, finite numbers), for `meta`."""
    count = 0

    def copy(value: object, what: str, depth: int) -> Any:
        nonlocal count
        count += 1
        if depth > 64:
            fail(f"{what} is nested too deeply")
        if count > _PLAIN_LIMIT:
            fail(f"{what} holds more than {_PLAIN_LIMIT} values")
        if isinstance(value, str):
            return checked_text(value, fail, what)
        if value is None or isinstance(value, bool | int):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                fail(f"{what} is not a finite number")
            return value
        if isinstance(value, Mapping):
            return {str(k): copy(item, f"{what}.{k}", depth + 1) for k, item in value.items()}
        if isinstance(value, list | tuple):
            return [copy(item, f"{what}[{i}]", depth + 1) for i, item in enumerate(value)]
        if hasattr(value, "isoformat"):  # YAML dates and times
            return str(value.isoformat())
        return fail(f"{what} holds a {type(value).__name__}, which cannot be kept")

    return copy(value, what, 0)


def checked_text(value: str, fail: Fail, what: str) -> str:
    """`value`, refused when it holds what no UTF-8 file can (unpaired surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(f"{what} holds text that is not valid Unicode")
    return value


# --- sampling parameters ------------------------------------------------------------------


def read_params(
    raw: Mapping[str, object],
    names: Sequence[str],
    fail_at: Callable[[str], Fail],
    prefix: str = "",
) -> ModelParams:
    """ModelParams from `raw`, whose keys for temperature, top_p, max_tokens, seed and stop are
    `names` (in that order); a wrong type is an error raised by `fail_at(key)`, not a guess."""
    temperature, top_p, max_tokens, seed, stop = names

    def number(name: str) -> float | None:
        value = raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail_at(name)(f"{prefix}{name} must be a number, not {value!r}")
        if not math.isfinite(value):
            fail_at(name)(f"{prefix}{name} must be a finite number")
        return float(value)

    def whole(name: str, least: int | None = None) -> int | None:
        value = raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            fail_at(name)(f"{prefix}{name} must be a whole number, not {value!r}")
        if least is not None and value < least:
            fail_at(name)(f"{prefix}{name} must be at least {least}")
        return value

    return ModelParams(
        temperature=number(temperature),
        top_p=number(top_p),
        max_tokens=whole(max_tokens, least=1),
        seed=whole(seed),
        stop=_stops(raw.get(stop), f"{prefix}{stop}", fail_at(stop)),
    )


def _stops(value: object, what: str, fail: Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (checked_text(value, fail, what),)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(checked_text(item, fail, what) for item in value)
    return fail(f"{what} must be text or a list of texts")


OPENAI_PARAMS = ("temperature", "top_p", "max_tokens", "seed", "stop")


# --- `{{name}}` templates -----------------------------------------------------------------


def mustache_to_jinja(text: str, notes: Notes, label: str = "") -> str:
    """Text with Langfuse-style `{{name}}` variables as Jinja2 (everything else literal)."""
    out = JinjaText()
    pos = 0
    while True:
        start = text.find("{{", pos)
        end = text.find("}}", start + 2) if start >= 0 else -1
        if end < 0:
            out.literal(text[pos:])
            return out.text()
        out.literal(text[pos:start])
        inner = text[start + 2 : end]
        if is_jinja_name(inner.strip()):
            out.tag("{{" + inner + "}}")
        else:
            out.literal(text[start : end + 2])
            notes.add(f"{label}'{text[start : end + 2]}' is not a variable name: kept as text")
        pos = end + 2


def jinja_to_mustache(text: str, what: str) -> str:
    """Jinja2 that uses only plain variables, as `{{name}}` text; a UsageError otherwise."""
    out: list[str] = []
    for piece in jinja_pieces(text, what):
        core = piece.core
        if piece.kind == "data":
            out.append(piece.text)
        elif piece.kind == "comment":
            continue  # renders as nothing; dropped_on_write names it
        elif piece.kind == "variable" and len(core) == 1 and core[0][0] == "name":
            lead, trail = piece.padding
            out.append("{{" + lead + core[0][1] + trail + "}}")
        elif piece.kind == "variable" and len(core) == 1 and core[0][0] == "string":
            out.append(jinja_string_value(core[0][1], what))
        else:
            raise UsageError(
                f"cannot write {what}: '{piece.source}' (line {piece.line}) has no equivalent "
                "in {{variable}} text"
            )
    written = "".join(out)
    if not same_template(mustache_to_jinja(written, Notes()), text):
        raise UsageError(f"cannot write {what}: its text has '{{{{' that would read as a variable")
    return written


def has_comments(text: str) -> bool:
    try:
        return any(piece.kind == "comment" for piece in jinja_pieces(text, "template"))
    except UsageError:
        return False


# --- messages ---------------------------------------------------------------------------


def chat_message(
    raw: object, index: int, path: Path, notes: Notes, line: int | None
) -> Message | None:
    """One `{role, content}` message, or None (with a note) when it has nothing to carry."""
    fail = failing(path, line_of(raw) or line)
    label = f"message {index}: "
    if not isinstance(raw, Mapping):
        fail(f"message {index} must be an object with role and content")
    role = raw.get("role")
    if not isinstance(role, str):
        fail(f"message {index} needs a role (system, user or assistant)")
    if role in ("tool", "function"):
        notes.add(f"{label}'{role}' message not carried over")
        return None
    for key in raw:
        if key not in _MESSAGE_FIELDS and key != "type":
            notes.add(f"{label}field '{key}' not carried over")
    mapped = _role(role, fail)
    if role == "developer":
        notes.add(f"{label}role 'developer' read as 'system'")
    text = _content(raw.get("content"), index, fail, notes)
    if text is None:
        notes.add(f"{label}no text content: not carried over")
        return None
    return Message(mapped, mustache_to_jinja(text, notes, label))


def _role(role: str, fail: Fail) -> Role:
    if role == "developer":
        return "system"
    for known in ROLES:
        if role == known:
            return known
    return fail(f"unknown role {role!r} (expected system, user or assistant)")


def _content(content: object, index: int, fail: Fail, notes: Notes) -> str | None:
    if content is None:
        return None
    if isinstance(content, str):
        return checked_text(content, fail, f"message {index}'s content")
    if not isinstance(content, list):
        fail(f"message {index}'s content must be text or a list of parts")
    texts: list[str] = []
    for number, part in enumerate(content, start=1):
        if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
            fail(f"message {index}'s content part {number} must be an object with a type")
        kind = part["type"]
        if kind in _TEXT_PARTS:
            text = part.get("text")
            if not isinstance(text, str):
                fail(f"message {index}'s text part {number} needs text")
            texts.append(checked_text(text, fail, f"message {index}'s content"))
        else:
            notes.add(f"message {index}: {kind} part not carried over")
    return "\n".join(texts) if texts else None


def read_messages(raw: object, path: Path, notes: Notes, line: int | None) -> tuple[Message, ...]:
    if not isinstance(raw, list):
        failing(path, line)("messages must be a list")
    messages = []
    for index, item in enumerate(raw, start=1):
        message = chat_message(item, index, path, notes, line)
        if message is not None:
            messages.append(message)
    if not messages:
        failing(path, line)("no messages to read")
    return tuple(messages)


# --- the format -----------------------------------------------------------------------------


def read_openai_messages(path: Path) -> tuple[PromptTemplate, list[str]]:
    """A prompt from pasted OpenAI messages or a request body, and what was not carried over."""
    return parse_openai_messages(read_user_text(path), path)


def parse_openai_messages(text: str, path: Path) -> tuple[PromptTemplate, list[str]]:
    data = load_json(text, path)
    notes = Notes()
    if isinstance(data, list):
        messages = read_messages(data, path, notes, 1)
        return PromptTemplate(path.stem, messages, source_path=str(path)), notes.as_list()
    fail = failing(path, line_of(data))
    if not isinstance(data, Mapping):
        fail("expected a list of messages or a request body with 'messages'")
    if "role" in data and "messages" not in data:
        messages = read_messages([data], path, notes, line_of(data))
        return PromptTemplate(path.stem, messages, source_path=str(path)), notes.as_list()
    if "messages" not in data:
        fail("expected a list of messages or a request body with 'messages'")
    messages = read_messages(data["messages"], path, notes, line_of(data))
    raw = dict(data)
    if raw.get("max_tokens") is None and "max_completion_tokens" in raw:
        raw["max_tokens"] = raw.pop("max_completion_tokens")
    params = read_params(raw, OPENAI_PARAMS, lambda _key: fail)
    meta: dict[str, object] = {}
    for key, value in raw.items():
        if key in OPENAI_PARAMS or key == "messages":
            continue
        meta[key] = plain(value, fail, key)
        if key == "model":
            notes.add(f"model {value!r} not carried over (runs use the models you choose)")
        else:
            notes.add(f"openai field '{key}' not carried over")
    prompt = PromptTemplate(path.stem, messages, params=params, source_path=str(path), meta=meta)
    return prompt, notes.as_list()


def write_openai_messages(prompt: PromptTemplate) -> str:
    """A chat-completions request body: model (if the prompt names one), messages, parameters."""
    body: dict[str, object] = {}
    if isinstance(prompt.meta.get("model"), str):
        body["model"] = prompt.meta["model"]
    body["messages"] = [
        {
            "role": message.role,
            "content": jinja_to_mustache(message.content, f"prompt {prompt.name!r} message {n}"),
        }
        for n, message in enumerate(prompt.messages, start=1)
    ]
    body.update(prompt.params.as_request_fields())
    for key in sorted(prompt.meta):
        if is_request_field(key, prompt.meta[key]):
            body[key] = prompt.meta[key]
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def dropped_on_write(prompt: PromptTemplate) -> list[str]:
    """What `write_openai_messages` leaves out of `prompt`."""
    dropped = []
    if prompt.description:
        dropped.append("description not written (a request has none)")
    if prompt.defaults:
        names = ", ".join(sorted(prompt.defaults))
        dropped.append(f"default values not written (a request has none): {names}")
    written = {key for key, value in prompt.meta.items() if is_request_field(key, value)}
    if isinstance(prompt.meta.get("model"), str):
        written.add("model")
    dropped.extend(
        f"field '{key}' not written (not a chat-completions field)"
        for key in sorted(prompt.meta)
        if key not in written
    )
    if any(has_comments(message.content) for message in prompt.messages):
        dropped.append("template comments not written")
    return dropped
