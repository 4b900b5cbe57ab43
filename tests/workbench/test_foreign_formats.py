"""Dotprompt, litellm `.prompt`, Langfuse and OpenAI messages: reading, writing, round trips."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.domain import Message, ModelParams, PromptTemplate, Role
from workbench.errors import UsageError
from workbench.formats import dotprompt, langfuse, openai_messages
from workbench.formats.dotprompt import (
    parse_dotprompt,
    read_dotprompt,
    write_dotprompt,
    write_litellm_prompt,
)
from workbench.formats.handlebars import handlebars_to_jinja
from workbench.formats.jinja_text import JinjaText
from workbench.formats.langfuse import looks_like_langfuse, read_langfuse, write_langfuse
from workbench.formats.openai_messages import read_openai_messages, write_openai_messages
from workbench.templating import variables_in

DATA = Path(__file__).parent / "data" / "foreign"
_RENDER = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
)


def _render(template: str, values: Mapping[str, object]) -> str:
    return _RENDER.from_string(template).render(values)


def _jinja(handlebars: str) -> str:
    sections, _notes = handlebars_to_jinja(handlebars, "t.prompt")
    return "".join(section.text for section in sections)


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- Dotprompt ---------------------------------------------------------------------------------


def test_dotprompt_greeting_example() -> None:
    prompt, notes = read_dotprompt(DATA / "dotprompt" / "greeting.prompt")
    assert prompt.name == "greeting"
    assert prompt.messages == (
        Message(
            "system",
            "You are the world's most welcoming AI assistant and are currently working at "
            "{{location}}.",
        ),
        Message(
            "user",
            "Greet a guest{% if name %} named {{name}}{% endif %}"
            "{% if style %} in the style of {{style}}{% endif %}.",
        ),
    )
    assert prompt.params == ModelParams(temperature=0.9, max_tokens=400, stop=("END",))
    assert prompt.defaults == {"location": "a restaurant"}
    assert prompt.meta == {
        "model": "googleai/gemini-2.0-flash",
        "config": {"topK": 32},
        "input": {"schema": {"location": "string", "style?": "string", "name?": "string"}},
        "output": {"format": "text"},
    }
    assert notes == [
        "model 'googleai/gemini-2.0-flash' not carried over (runs use the models you choose)",
        "dotprompt config 'topK' not carried over",
        "dotprompt field 'input.schema' not carried over",
        "dotprompt field 'output.format' not carried over",
    ]
    greeting = _render(prompt.messages[1].content, {"name": "Ada", "style": ""})
    assert greeting == "Greet a guest named Ada."


def test_dotprompt_recipe_example_roles_loops_and_what_is_left_out() -> None:
    prompt, notes = read_dotprompt(DATA / "dotprompt" / "recipe.formal.prompt")
    assert prompt.name == "recipe"  # the file is recipe.<variant>.prompt
    assert prompt.description == "Suggest a recipe from what is in the fridge"
    assert [m.role for m in prompt.messages] == ["system", "user", "assistant"]
    system, user, assistant = (m.content for m in prompt.messages)
    # The comment before the first marker has no text of its own: it joins the next message.
    assert system.startswith("{# The model never sees this comment. #}")
    assert _render(system, {"diet": ""}).strip() == "You are a chef. Any diet is fine."
    assert _render(system, {"diet": "vegan"}).strip() == "You are a chef. Keep it vegan."
    fridge = _render(user, {"ingredients": ["eggs", "leeks"]})
    assert fridge == "These are in my fridge:\n0. eggs\n1. leeks\n"
    assert assistant == "Here is an idea:"
    assert prompt.meta == {
        "variant": "formal",
        "input": {
            "schema": {"ingredients(array)": "string", "diet?": "string", "photoUrl?": "string"}
        },
        "tools": ["lookupPantry"],
    }
    assert notes == [
        "dotprompt variant 'formal' (from the file name) not carried over",
        "dotprompt field 'input.schema' not carried over",
        "dotprompt field 'tools' not carried over",
        "helper '{{media}}' not supported (line 22)",
        "helper '{{history}}' not supported (line 23)",
    ]


# Expected outputs are what handlebars.js 4 (noEscape, as Dotprompt compiles) renders.
HANDLEBARS_CASES = [
    ("a\n{{#each xs}}\n- {{this}}\n{{/each}}\nb", {"xs": ["x", "y"]}, "a\n- x\n- y\nb"),
    ("{{#if t}}\n  yes\n{{else}}\n  no\n{{/if}}\n", {"t": False}, "  no\n"),
    ("  {{#if t}}\n  in\n  {{/if}}\nout", {"t": True}, "  in\nout"),
    ("{{#if a}}A{{else if b}}B{{else}}C{{/if}}", {"a": "", "b": "1"}, "B"),
    ("{{#unless a}}none{{/unless}}|{{^a}}inv{{/a}}", {"a": ""}, "none|inv"),
    (
        "{{#each xs}}{{@index}}:{{this}}{{#if @last}}.{{else}}, {{/if}}{{/each}}",
        {"xs": ["p", "q", "r"]},
        "0:p, 1:q, 2:r.",
    ),
    (
        "{{#each people}}{{name}} ({{../team}}){{#unless @last}}, {{/unless}}{{/each}}",
        {"team": "core", "people": [{"name": "Ana"}, {"name": "Bo"}]},
        "Ana (core), Bo (core)",
    ),
    (
        "{{#each people as |person i|}}{{i}}={{person.name}}@{{@root.team}} {{/each}}",
        {"team": "core", "people": [{"name": "Ana"}, {"name": "Bo"}]},
        "0=Ana@core 1=Bo@core ",
    ),
    ("{{#each xs}}{{this}}{{else}}empty{{/each}}", {"xs": []}, "empty"),
    ("a  {{~x~}}  b", {"x": "X"}, "aXb"),
    ("{{#if t~}}   \n  body  \n  {{~/if}}!", {"t": True}, "body!"),
    ("Literal \\{{not a tag}} and \\\\{{x}}", {"x": "X"}, "Literal {{not a tag}} and \\X"),
    (
        "{{! a comment }}\n{{!-- a }} long one --}}\nText {{{x}}} {{&x}}",
        {"x": "<b>"},
        "Text <b> <b>",
    ),
    (
        (
            '{{#ifEquals kind "urgent"}}Now!{{else}}Later.{{/ifEquals}} '
            '{{#unlessEquals kind "urgent"}}calm{{/unlessEquals}}'
        ),
        {"kind": "urgent"},
        "Now! ",
    ),
    (
        "{{#each xs}}{{#if @first}}first {{/if}}{{@first}}/{{@last}} {{/each}}",
        {"xs": ["a", "b"]},
        "first true/false false/true ",
    ),
    (
        "List:\n  {{#each xs}}\n  * {{this}}\n  {{/each}}\nEnd",
        {"xs": ["1", "2"]},
        "List:\n  * 1\n  * 2\nEnd",
    ),
]


@pytest.mark.parametrize(("source", "values", "expected"), HANDLEBARS_CASES)
def test_handlebars_translates_to_jinja_that_renders_alike(
    source: str, values: Mapping[str, object], expected: str
) -> None:
    assert _render(_jinja(source), values) == expected


def test_handlebars_keeps_plain_variables_as_written() -> None:
    assert _jinja("Hi {{name}} and {{ other.field }}!") == "Hi {{name}} and {{ other.field }}!"
    assert _jinja("Text with {% and {# and {") == "Text with {{ '{%' }} and {{ '{#' }} and {"


@pytest.mark.parametrize(
    ("source", "note"),
    [
        ("{{> footer}}", "partial '{{> footer}}' not supported (line 1)"),
        ("{{#> layout}}x{{/layout}}", "partial block '{{#> layout}}' not supported (line 1)"),
        ("{{json this indent=2}}", "helper '{{json}}' not supported (line 1)"),
        ("{{section 'a'}}", "helper '{{section}}' not supported (line 1)"),
        ("{{shout name}}", "helper '{{shout}}' not supported (line 1)"),
        ("{{#with person}}{{name}}{{/with}}", "block helper '{{#with}}' not supported (line 1)"),
        ("{{#if (eq a b)}}x{{/if}}", "subexpression '(eq a b)' not supported (line 1)"),
        ("{{#*inline 'p'}}x{{/inline}}", "decorator '{{#*inline}}' not supported (line 1)"),
        ("{{this}}", "path '{{this}}' not supported (line 1)"),
        (
            "{{#if x}}{{role 'user'}}{{/if}}",
            "role marker {{role 'user'}} inside '{{#if}}' not supported (line 1)",
        ),
    ],
)
def test_handlebars_names_what_has_no_jinja_equivalent(source: str, note: str) -> None:
    _sections, notes = handlebars_to_jinja(source, "t.prompt")
    assert note in notes.as_list()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nname: x\n---\nhi\n{{#if a}}\nopen", r"x\.prompt:5: '\{\{#if a\}\}' is never closed"),
        ("---\n---\n{{#if a}}\n{{/each}}", r"x\.prompt:4: '\{\{/each\}\}' closes '\{\{#if a\}\}'"),
        ("{{else}}", r"x\.prompt:1: '\{\{else\}\}' outside any block"),
        ("a\n{{/if}}", r"x\.prompt:2: '\{\{/if\}\}' closes no open block"),
        ("a\n\n{{name", r"x\.prompt:3: '\{\{name' is never closed"),
        ("{{name}}}", r"x\.prompt:1: .* not a tag Handlebars can read"),
        ("{{#if age >= 18}}x{{/if}}", r"x\.prompt:1: invalid path '>' in 'if age >= 18'"),
        ("{{role 'narrator'}}hi", r"x\.prompt:1: unknown role 'narrator'"),
        ("---\nname: x\nconfig: [unclosed\n---\nhi", r"x\.prompt:3: invalid YAML front matter"),
        ("---\nname: x\nhi\n", r"x\.prompt:1: front matter opened with '---' is never closed"),
        ("---\n- a\n- b\n---\nhi", r"x\.prompt:2: the front matter must be a mapping"),
        (
            "---\nconfig:\n  temperature: hot\n---\nhi",
            r"x\.prompt:3: config\.temperature must be a number, not .hot.",
        ),
        (
            "---\nconfig:\n  maxOutputTokens: 0\n---\nhi",
            r"x\.prompt:3: config\.maxOutputTokens must be at least 1",
        ),
        ("---\nname: [a]\n---\nhi", r"x\.prompt:2: 'name' must be text"),
        (
            "---\ninput:\n  default: [1]\n---\nhi",
            r"x\.prompt:3: 'input\.default' must be a mapping",
        ),
        ("---\nmodel: m\n---\n\n{{! only a comment }}\n", r"x\.prompt: the prompt has no messages"),
        ("  \n\n", r"x\.prompt: the file is empty"),
    ],
)
def test_dotprompt_errors_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_dotprompt(text, Path("x.prompt"))


def test_dotprompt_file_that_is_not_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "bin.prompt", b"\xff\xfe\x00binary")
    with pytest.raises(UsageError, match=r"bin\.prompt: not a UTF-8 text file"):
        read_dotprompt(path)


def test_dotprompt_non_text_default_is_read_as_json_and_noted() -> None:
    text = "---\ninput:\n  default:\n    items: [a, b]\n    n: 3\n---\n{{items}} {{n}}"
    prompt, notes = parse_dotprompt(text, Path("x.prompt"))
    assert prompt.defaults == {"items": '["a", "b"]', "n": "3"}
    assert "input default 'items' is not text: read as its JSON text" in notes


def test_yaml_aliases_that_multiply_are_refused() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "---\nmetadata:\n" + "".join(f"  {line}\n" for line in levels) + "---\nhi"
    with pytest.raises(UsageError, match=r"x\.prompt:2: metadata.* holds more than 100000 values"):
        parse_dotprompt(text, Path("x.prompt"))


def test_history_starts_the_models_turn_as_dotprompt_does() -> None:
    prompt, notes = parse_dotprompt('{{role "user"}}Hi{{history}}Sure', Path("h.prompt"))
    assert prompt.messages == (Message("user", "Hi"), Message("assistant", "Sure"))
    assert notes == ["helper '{{history}}' not supported (line 1)"]


def test_tool_role_message_is_left_out_with_a_note() -> None:
    text = '{{role "user"}}ask{{role "tool"}}result{{role "model"}}answer'
    prompt, notes = parse_dotprompt(text, Path("t.prompt"))
    assert prompt.messages == (Message("user", "ask"), Message("assistant", "answer"))
    assert notes == ["role 'tool' message not carried over (line 1)"]


# --- litellm .prompt ---------------------------------------------------------------------------


def test_litellm_chat_assistant_example() -> None:
    prompt, notes = read_dotprompt(DATA / "litellm" / "chat_assistant.prompt")
    assert prompt.name == "chat_assistant"
    assert prompt.messages == (
        Message(
            "system", 'You are a helpful assistant. Answer in a {{ tone or "friendly" }} tone.'
        ),
        Message("user", "{{user_message}}"),
    )
    assert prompt.params == ModelParams(temperature=0.7, max_tokens=150)
    assert prompt.meta == {
        "model": "gpt-4o-mini",
        "input": {"schema": {"user_message": "string", "tone?": "string"}},
        "frequency_penalty": 0.2,
    }
    assert notes == [
        "model 'gpt-4o-mini' not carried over (runs use the models you choose)",
        "litellm field 'input.schema' not carried over",
        "litellm field 'frequency_penalty' not carried over",
    ]


def test_litellm_body_without_role_lines_is_one_user_message() -> None:
    prompt, _notes = read_dotprompt(DATA / "litellm" / "code_helper.prompt")
    assert len(prompt.messages) == 1
    content = prompt.messages[0].content
    assert prompt.messages[0].role == "user"
    assert content.startswith("You are an expert {{language}} programmer.")
    assert "{% if code %}" in content


def test_litellm_role_line_decided_by_a_tag_is_noted_and_read_as_text() -> None:
    text = (
        "---\nmodel: gpt-4\ntemperature: 0.7\n---\n"
        "{% if system_context %}System: {{system_context}}\n\n{% endif %}User: {{user_message}}"
    )
    prompt, notes = parse_dotprompt(text, Path("c.prompt"))
    assert [m.role for m in prompt.messages] == ["user"]
    assert "a role line that starts with a template tag is read as text (lines 5, 7)" in notes


def test_litellm_role_lines_inside_blocks_fall_back_to_one_message() -> None:
    text = "---\ntemperature: 0\n---\n{% if a %}\nSystem: x\n{% endif %}\nUser: y"
    prompt, notes = parse_dotprompt(text, Path("c.prompt"))
    assert prompt.messages == (Message("user", text.split("---\n")[2].strip()),)
    assert any("read as one user message" in note for note in notes)


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("---\nconfig: {temperature: 1}\n---\nSystem: a\nUser: b", ["user"]),  # Dotprompt
        ('{{role "system"}}a\n{{role "user"}}b', ["system", "user"]),
        ("---\ntemperature: 1\n---\nSystem: a\nUser: b", ["system", "user"]),  # litellm
        ("System: a\n\nUser: b", ["system", "user"]),
        ("{% if x %}a{% endif %}", ["user"]),
    ],
)
def test_the_two_prompt_flavours_are_told_apart(text: str, roles: list[str]) -> None:
    prompt, _notes = parse_dotprompt(text, Path("f.prompt"))
    assert [m.role for m in prompt.messages] == roles


# --- writing .prompt files ---------------------------------------------------------------------

SAMPLE = PromptTemplate(
    name="triage",
    description="Sort support mail",
    messages=(
        Message("system", "You sort mail for {{ team }}."),
        Message(
            "user", "{% for this in tags %}{{ loop.index0 }}. {{ this }}\n{% endfor %}{{mail}}"
        ),
        Message("assistant", "Category:"),
    ),
    params=ModelParams(temperature=0.2, top_p=0.9, max_tokens=64, seed=3, stop=("\n\n",)),
    defaults={"team": "billing"},
    meta={"model": "gpt-4o-mini", "output": {"format": "json"}},
)


def test_write_dotprompt_text() -> None:
    assert write_dotprompt(SAMPLE) == (
        "---\n"
        "name: triage\n"
        "description: Sort support mail\n"
        "model: gpt-4o-mini\n"
        "config:\n"
        "  temperature: 0.2\n"
        "  topP: 0.9\n"
        "  maxOutputTokens: 64\n"
        "  seed: 3\n"
        "  stopSequences:\n"
        '  - "\\n\\n"\n'
        "input:\n"
        "  default:\n"
        "    team: billing\n"
        "output:\n"
        "  format: json\n"
        "---\n"
        '{{role "system"}}\n'
        "You sort mail for {{ team }}.\n\n"
        '{{role "user"}}\n'
        "{{#each tags}}{{ @index }}. {{ this }}\n{{/each}}{{mail}}\n\n"
        '{{role "model"}}\n'
        "Category:\n"
    )


def test_write_litellm_prompt_text() -> None:
    assert write_litellm_prompt(SAMPLE) == (
        "---\n"
        "model: gpt-4o-mini\n"
        "temperature: 0.2\n"
        "top_p: 0.9\n"
        "max_tokens: 64\n"
        "seed: 3\n"
        "stop:\n"
        '- "\\n\\n"\n'
        "input:\n"
        "  default:\n"
        "    team: billing\n"
        "output:\n"
        "  format: json\n"
        "---\n"
        "System: You sort mail for {{ team }}.\n\n"
        "User: {% for this in tags %}{{ loop.index0 }}. {{ this }}\n{% endfor %}{{mail}}\n\n"
        "Assistant: Category:\n"
    )


@pytest.mark.parametrize(
    ("flavor", "path"),
    [
        ("dotprompt", DATA / "dotprompt" / "greeting.prompt"),
        ("dotprompt", DATA / "dotprompt" / "recipe.formal.prompt"),
        ("litellm", DATA / "litellm" / "chat_assistant.prompt"),
        ("litellm", DATA / "litellm" / "code_helper.prompt"),
    ],
)
def test_example_files_survive_read_write_read(tmp_path: Path, flavor: str, path: Path) -> None:
    prompt, _notes = read_dotprompt(path)
    write = write_dotprompt if flavor == "dotprompt" else write_litellm_prompt
    again, _notes = read_dotprompt(_write(tmp_path, path.name, write(prompt)))
    assert again.messages == prompt.messages
    assert again.params == prompt.params
    assert again.defaults == prompt.defaults
    assert again.meta == prompt.meta
    assert again.name == prompt.name
    assert write(again) == write(prompt)  # deterministic


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{{ name|upper }}", r"'\{\{ name\|upper \}\}' has no Handlebars equivalent"),
        ("{% set x = 1 %}{{ x }}", r"'\{% set x = 1 %\}' has no Handlebars equivalent"),
        ("{% if a and b %}x{% endif %}", r"has no Handlebars equivalent"),
        ("{{ json }}", r"the variable 'json' would read as Handlebars' own 'json'"),
        ("{{ '\\\\' }}{{ '{{' }}", r"a backslash before a literal '\{\{'"),
    ],
)
def test_write_dotprompt_refuses_what_handlebars_cannot_say(content: str, problem: str) -> None:
    prompt = PromptTemplate("p", (Message("user", content),))
    with pytest.raises(UsageError, match=problem):
        write_dotprompt(prompt)


def test_write_litellm_refuses_a_line_that_would_start_a_message() -> None:
    prompt = PromptTemplate("p", (Message("user", "Transcript:\nUser: hello"),))
    with pytest.raises(UsageError, match="would read back as 2 messages"):
        write_litellm_prompt(prompt)


def test_what_the_prompt_writers_leave_out() -> None:
    prompt = PromptTemplate(
        "p",
        (Message("user", "{# note #}hi {{x}}"),),
        description="d",
        defaults={"x": "1"},
        meta={"model": {"api": "chat"}, "authors": ["me"], "ext.thing": 1, "tools": ["t"]},
    )
    assert dotprompt.dropped_on_write(prompt) == [
        "field 'authors' not written (not a dotprompt front-matter field)",
        "field 'model' not written (not a dotprompt front-matter field)",
    ]
    assert dotprompt.dropped_on_write(prompt, "litellm") == [
        "description not written (litellm would send it to the model)",
        "field 'authors' not written (not a litellm front-matter field)",
        "field 'ext.thing' not written (not a litellm front-matter field)",
        "field 'model' not written (not a litellm front-matter field)",
        "field 'tools' not written (not a litellm front-matter field)",
    ]
    assert langfuse.dropped_on_write(prompt) == [
        "description not written (Langfuse prompts have none)",
        "default values not written (Langfuse prompts have none): x",
        "field 'authors' not written (not a Langfuse prompt field)",
        "field 'ext.thing' not written (not a Langfuse prompt field)",
        "field 'tools' not written (not a Langfuse prompt field)",
        "template comments not written",
    ]
    assert openai_messages.dropped_on_write(prompt) == [
        "description not written (a request has none)",
        "default values not written (a request has none): x",
        "field 'authors' not written (not a chat-completions field)",
        "field 'ext.thing' not written (not a chat-completions field)",
        "field 'model' not written (not a chat-completions field)",
        "field 'tools' not written (not a chat-completions field)",
        "template comments not written",
    ]


# --- Langfuse ----------------------------------------------------------------------------------


def test_langfuse_text_prompt_example() -> None:
    prompts, notes = read_langfuse(DATA / "langfuse" / "movie-critic.json")
    [prompt] = prompts
    assert prompt.name == "movie-critic"
    assert prompt.messages == (
        Message(
            "user",
            "As a {{criticLevel}} movie critic, do you like {{movie}}? "
            'Reply as {"verdict": "..."}.',
        ),
    )
    assert prompt.params == ModelParams(temperature=0.5)
    assert prompt.meta == {
        "model": "gpt-4o",
        "config": {"supported_languages": ["en", "fr"]},
        "version": 1,
        "labels": ["production", "latest"],
        "tags": ["movies"],
    }
    assert notes == [
        "model 'gpt-4o' not carried over (runs use the models you choose)",
        "langfuse config 'supported_languages' not carried over",
        "langfuse version 1 not carried over",
        "langfuse label 'production' not carried over",
        "langfuse label 'latest' not carried over",
        "langfuse tag 'movies' not carried over",
    ]


def test_langfuse_export_with_versions_and_a_placeholder() -> None:
    prompts, notes = read_langfuse(DATA / "langfuse" / "export.json")
    assert [p.name for p in prompts] == ["support-chat.v2", "support-chat.v1", "summarise"]
    newest, oldest, summarise = prompts
    assert newest.messages == (
        Message("system", "You are a support agent for {{ product }}."),
        Message("user", "{{question}}"),
    )
    assert newest.params == ModelParams(temperature=0.2, max_tokens=300, stop=("\n\n",))
    assert oldest.messages[0] == Message("system", "You are a support agent.")
    assert summarise.messages == (Message("user", "Summarise in {{ words }} words:\n\n{{text}}"),)
    assert summarise.params == ModelParams(temperature=0.0, seed=7)
    assert "langfuse prompt 'support-chat' has several versions: read as 'support-chat.v2'" in notes
    assert (
        "prompt 'support-chat.v2': langfuse placeholder 'chat_history' (message 2) not carried over"
        in notes
    )
    assert (
        "prompt 'support-chat.v2': langfuse fields id, createdAt, updatedAt not carried over"
        in notes
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "a", "prompt": "x"}, True),
        ([{"type": "chat", "prompt": []}], True),
        ({"model": "m", "messages": []}, False),
        ([{"role": "user", "content": "x"}], False),
        ([], False),
    ],
)
def test_looks_like_langfuse(data: object, expected: bool) -> None:
    assert looks_like_langfuse(data) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            (
                '[\n{"name": "a", "prompt": "x"},\n'
                '{"name": "b", "prompt": "y",\n "config": {"temperature": "hot"}}\n]'
            ),
            r"l\.json:4: config\.temperature must be a number",
        ),
        (
            (
                '{"name": "a",\n "type": "chat",\n "prompt": [\n'
                ' {"role": "narrator", "content": "x"}]}'
            ),
            r"l\.json:4: unknown role 'narrator'",
        ),
        (
            '{"name": "a", "type": "chat", "prompt": "x"}',
            r"l\.json:1: a chat prompt's 'prompt' must be a list",
        ),
        ('{"name": "a", "type": "text", "prompt": ["x"]}', r"must be non-empty text"),
        ('{"name": 3, "prompt": "x"}', r"'name' must be non-empty text"),
        ('{"name": "a", "type": "audio", "prompt": "x"}', r"'type' must be 'text' or 'chat'"),
        ('{"name": "a",\n "prompt": "x",\n}', r"l\.json:3: invalid JSON"),
        (
            '{"name": "a", "prompt": "x", "config": {"temperature": NaN}}',
            r"NaN is not a JSON number",
        ),
        ("[]", r"l\.json: the list holds no prompts"),
    ],
)
def test_langfuse_errors_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        langfuse.parse_langfuse(text, Path("l.json"))


def test_langfuse_variable_that_is_not_a_name_stays_text() -> None:
    prompts, notes = langfuse.parse_langfuse(
        '{"name": "a", "prompt": "Hi {{user name}} {{ ok }} {%"}', Path("l.json")
    )
    assert prompts[0].messages[0].content == "Hi {{ '{{' }}user name}} {{ ok }} {{ '{%' }}"
    assert notes == ["'{{user name}}' is not a variable name: kept as text"]
    assert _render(prompts[0].messages[0].content, {"ok": "yes"}) == "Hi {{user name}} yes {%"


def test_write_langfuse_text_and_chat() -> None:
    prompts, _notes = read_langfuse(DATA / "langfuse" / "movie-critic.json")
    written = json.loads(write_langfuse(prompts[0]))
    assert written == {
        "name": "movie-critic",
        "version": 1,
        "type": "text",
        "prompt": (
            'As a {{criticLevel}} movie critic, do you like {{movie}}? Reply as {"verdict": "..."}.'
        ),
        "config": {"model": "gpt-4o", "temperature": 0.5, "supported_languages": ["en", "fr"]},
        "labels": ["production", "latest"],
        "tags": ["movies"],
    }
    chat = write_langfuse([SAMPLE.__class__("c", (Message("system", "s"), Message("user", "u")))])
    assert json.loads(chat) == [
        {
            "name": "c",
            "type": "chat",
            "prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
            "config": {},
        }
    ]


def test_langfuse_export_survives_read_write_read(tmp_path: Path) -> None:
    prompts, _notes = read_langfuse(DATA / "langfuse" / "export.json")
    again, _notes = read_langfuse(_write(tmp_path, "again.json", write_langfuse(prompts)))
    assert [(p.name, p.messages, p.params, p.meta) for p in again] == [
        (p.name, p.messages, p.params, p.meta) for p in prompts
    ]


def test_write_langfuse_refuses_jinja_statements() -> None:
    prompt = PromptTemplate("p", (Message("user", "{% if x %}y{% endif %}"),))
    with pytest.raises(UsageError, match=r"'\{% if x %\}' \(line 1\) has no equivalent"):
        write_langfuse(prompt)


# --- OpenAI messages ---------------------------------------------------------------------------


def test_openai_messages_list_example() -> None:
    prompt, notes = read_openai_messages(DATA / "openai" / "messages.json")
    assert prompt.name == "messages"
    assert [m.role for m in prompt.messages] == ["system", "user", "assistant", "user"]
    assert prompt.messages[-1] == Message("user", "{{review}}")
    assert variables_in(prompt.messages) == ["review"]
    assert notes == []


def test_openai_request_body_example() -> None:
    prompt, notes = read_openai_messages(DATA / "openai" / "request.json")
    assert prompt.messages == (
        Message("system", "You describe pictures in {{language}}."),
        Message("user", "What is in this picture?"),
        Message("assistant", "A cat sits on a mat."),
    )
    assert prompt.params == ModelParams(temperature=0.3, max_tokens=200)
    assert prompt.meta == {"model": "gpt-4o", "response_format": {"type": "json_object"}}
    assert notes == [
        "message 1: role 'developer' read as 'system'",
        "message 2: field 'name' not carried over",
        "message 2: image_url part not carried over",
        "message 3: field 'tool_calls' not carried over",
        "message 3: no text content: not carried over",
        "message 4: 'tool' message not carried over",
        "model 'gpt-4o' not carried over (runs use the models you choose)",
        "openai field 'response_format' not carried over",
    ]


def test_openai_text_parts_are_joined() -> None:
    parts = '[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]'
    text = '{"role": "user", "content": ' + parts + "}"
    prompt, _notes = openai_messages.parse_openai_messages(text, Path("one.json"))
    assert prompt.messages == (Message("user", "a\nb"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[\n{"role": "user", "content": "a"},\n{"role": 5, "content": "b"}\n]',
            r"o\.json:3: message 2 needs a role",
        ),
        ('[{"role": "user", "content": 5}]', r"o\.json:1: message 1's content must be text"),
        (
            '[{"role": "user", "content": [{"text": "x"}]}]',
            r"content part 1 must be an object with a type",
        ),
        ('{"model": "m"}', r"expected a list of messages or a request body"),
        ('{"messages": [{"role": "tool", "content": "x"}]}', r"o\.json:1: no messages to read"),
        ('{"messages": [], "temperature": true}', r"no messages to read"),
        (
            '{"messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5}',
            r"max_tokens must be a whole number",
        ),
        (
            '{"messages": [{"role": "user", "content": "x"}], "stop": [1]}',
            r"stop must be text or a list of texts",
        ),
        ('[{"role": "user", "content": "\\ud800"}]', r"not valid Unicode"),
        ("[1, 2", r"o\.json:1: invalid JSON"),
        ("[" * 5000 + "]" * 5000, r"o\.json: invalid JSON: nested too deeply"),
        ("", r"o\.json: the file is empty"),
    ],
)
def test_openai_errors_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        openai_messages.parse_openai_messages(text, Path("o.json"))


def test_write_openai_request() -> None:
    prompt, _notes = read_openai_messages(DATA / "openai" / "request.json")
    assert json.loads(write_openai_messages(prompt)) == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You describe pictures in {{language}}."},
            {"role": "user", "content": "What is in this picture?"},
            {"role": "assistant", "content": "A cat sits on a mat."},
        ],
        "temperature": 0.3,
        "max_tokens": 200,
        "response_format": {"type": "json_object"},
    }


def test_write_openai_refuses_a_literal_that_would_read_as_a_variable() -> None:
    prompt = PromptTemplate("p", (Message("user", "{{ '{{' }}name}}"),))
    with pytest.raises(UsageError, match="would read as a variable"):
        write_openai_messages(prompt)


# --- round trips of generated prompts ----------------------------------------------------------

_ROLES: tuple[Role, ...] = ("system", "user", "assistant")
_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: (
        name
        not in {
            "and",
            "or",
            "not",
            "in",
            "is",
            "if",
            "else",
            "elif",
            "none",
            "true",
            "false",
            "loop",
            "this",
            "null",
            "undefined",
        }
        and name
        not in {
            "json",
            "role",
            "media",
            "history",
            "section",
            "each",
            "with",
            "lookup",
            "log",
            "unless",
        }
    )
)
# Literal text: anything but carriage returns (files are read with universal newlines).
_LITERAL = st.text(
    st.characters(blacklist_characters="\r", blacklist_categories=["Cs"]), max_size=12
)
_FLOAT = st.floats(min_value=0, max_value=2, allow_nan=False, allow_infinity=False)


@st.composite
def _template(draw: st.DrawFn, blocks: bool, braces: bool) -> str:
    """Jinja2 as the readers write it: literal text escaped by JinjaText, plain variables, and
    (for Dotprompt) if/else and for loops over `this`."""
    out = JinjaText()
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(
            st.sampled_from(["text", "text", "var", "block"] if blocks else ["text", "var"])
        )
        if kind == "text":
            text = draw(_LITERAL)
            if not braces and "{{" in text:
                text = text.replace("{{", "{ {")
            out.literal(text)
        elif kind == "var":
            name = draw(_NAMES)
            out.tag(draw(st.sampled_from(["{{" + name + "}}", "{{ " + name + " }}"])))
        else:
            name = draw(_NAMES)
            if draw(st.booleans()):
                out.tag(draw(st.sampled_from([f"{{% if {name} %}}", f"{{% if not {name} %}}"])))
                out.literal(draw(_LITERAL))
                if draw(st.booleans()):
                    out.tag("{% else %}")
                    out.literal(draw(_LITERAL))
                out.tag("{% endif %}")
            else:
                out.tag(f"{{% for this in {name} %}}")
                out.literal(draw(_LITERAL))
                out.tag(draw(st.sampled_from(["{{ this }}", "{{ loop.index0 }}", "{{this.x}}"])))
                out.literal(draw(_LITERAL))
                out.tag("{% endfor %}")
    return out.text()


def _messages(blocks: bool, braces: bool, strip: bool) -> st.SearchStrategy[tuple[Message, ...]]:
    def valid(content: str) -> bool:
        if not content.strip() or content != content.strip("\n"):
            return False
        # What the formats cannot spell (their writers refuse it): Handlebars has no literal
        # backslash before literal braces, `{{variable}}` text no literal `{{` and no `{`
        # right before a variable.
        if "\\{{ '{{' }}" in content or (not braces and "{{ '{" in content):
            return False
        if strip and content != content.strip():
            return False
        lines = [line.lstrip() for line in content.split("\n")]
        return not strip or not any(
            line.startswith(("System:", "User:", "Assistant:")) for line in lines
        )

    content = _template(blocks, braces).filter(valid)
    message = st.builds(Message, st.sampled_from(_ROLES), content)
    return st.lists(message, min_size=1, max_size=4).map(tuple)


_PARAMS = st.builds(
    ModelParams,
    temperature=st.none() | _FLOAT,
    top_p=st.none() | _FLOAT,
    max_tokens=st.none() | st.integers(1, 100_000),
    seed=st.none() | st.integers(-(2**31), 2**31),
    stop=st.lists(st.text(min_size=1, max_size=5).filter(lambda s: "\r" not in s), max_size=2).map(
        tuple
    ),
)
_DEFAULTS = st.dictionaries(_NAMES, st.text(max_size=20), max_size=3)
_SETTINGS = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _roundtrip(tmp_path: Path, name: str, text: str, read: object) -> PromptTemplate:
    path = _write(tmp_path, name, text)
    if read is read_langfuse:
        prompts, _notes = read_langfuse(path)
        return prompts[0]
    result = read(path)  # type: ignore[operator]
    assert isinstance(result, tuple)
    prompt = result[0]
    assert isinstance(prompt, PromptTemplate)
    return prompt


@_SETTINGS
@given(
    name=_NAMES,
    description=st.text(max_size=30).filter(lambda s: s == s.strip() and "\r" not in s),
    messages=_messages(blocks=True, braces=True, strip=False),
    params=_PARAMS,
    defaults=_DEFAULTS,
    model=st.none() | st.text(min_size=1, max_size=20),
)
def test_dotprompt_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    description: str,
    messages: tuple[Message, ...],
    params: ModelParams,
    defaults: dict[str, str],
    model: str | None,
) -> None:
    meta: dict[str, object] = {"model": model, "config": {"topK": 3}} if model else {}
    prompt = PromptTemplate(name, messages, description, params, defaults, meta=meta)
    back = _roundtrip(
        tmp_path_factory.mktemp("d"), "p.prompt", write_dotprompt(prompt), read_dotprompt
    )
    assert (back.name, back.description, back.messages) == (name, description, messages)
    assert (back.params, back.defaults, back.meta) == (params, defaults, meta)


@_SETTINGS
@given(
    messages=_messages(blocks=True, braces=True, strip=True),
    params=_PARAMS,
    defaults=_DEFAULTS,
)
def test_litellm_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    messages: tuple[Message, ...],
    params: ModelParams,
    defaults: dict[str, str],
) -> None:
    prompt = PromptTemplate("chat", messages, params=params, defaults=defaults)
    text = write_litellm_prompt(prompt)
    back = _roundtrip(tmp_path_factory.mktemp("l"), "chat.prompt", text, read_dotprompt)
    assert (back.name, back.messages, back.params, back.defaults) == (
        "chat",
        messages,
        params,
        defaults,
    )


@_SETTINGS
@given(
    name=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
    messages=_messages(blocks=False, braces=False, strip=False),
    params=_PARAMS,
    labels=st.lists(st.text(max_size=8), max_size=3),
)
def test_langfuse_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    messages: tuple[Message, ...],
    params: ModelParams,
    labels: list[str],
) -> None:
    meta: dict[str, object] = {"labels": labels, "version": 4}
    prompt = PromptTemplate(name, messages, params=params, meta=meta)
    back = _roundtrip(
        tmp_path_factory.mktemp("f"), "lf.json", write_langfuse(prompt), read_langfuse
    )
    assert (back.name, back.messages, back.params, back.meta) == (name, messages, params, meta)


@_SETTINGS
@given(messages=_messages(blocks=False, braces=False, strip=False), params=_PARAMS)
def test_openai_round_trip(
    tmp_path_factory: pytest.TempPathFactory, messages: tuple[Message, ...], params: ModelParams
) -> None:
    prompt = PromptTemplate("req", messages, params=params, meta={"model": "gpt-4o"})
    text = write_openai_messages(prompt)
    back = _roundtrip(tmp_path_factory.mktemp("o"), "req.json", text, read_openai_messages)
    assert (back.name, back.messages, back.params, back.meta) == (
        "req",
        messages,
        params,
        {"model": "gpt-4o"},
    )
