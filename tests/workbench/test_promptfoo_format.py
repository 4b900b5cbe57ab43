"""promptfoo configs in and out: real-style examples, the pieces, and hypothesis round trips."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.workbench.test_case_files import ANY_CASES, ANY_CHECKS, TEXT, csv_cases
from workbench import pricing
from workbench.domain import Message, ModelParams, ModelSpec, PromptTemplate
from workbench.errors import UsageError
from workbench.formats.assertions import (
    check_from_mapping,
    check_from_string,
    check_to_mapping,
    check_to_string,
    js_trim,
)
from workbench.formats.case_files import case_file_problems
from workbench.formats.promptfoo import read_promptfoo, write_promptfoo
from workbench.formats.providers_map import (
    model_from_provider,
    provider_from_model,
)
from workbench.secrets import provider_for_env
from workbench.suite import Case, Check, Suite

DATA = Path(__file__).parent / "data" / "promptfoo"


def write_files(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def config(tmp_path: Path, text: str, **others: str) -> Path:
    write_files(tmp_path, {"promptfooconfig.yaml": text, **others})
    return tmp_path / "promptfooconfig.yaml"


def without_sources(suite: Suite) -> Suite:
    return replace(suite, prompts=tuple(replace(p, source_path=None) for p in suite.prompts))


# --- examples in the style of promptfoo's own --------------------------------------------------


def test_translate_example_inline_and_txt_prompts_csv_tests() -> None:
    converted = read_promptfoo(DATA / "translate")
    suite = converted.suite
    assert suite.name == suite.description == "Translation: English to other languages"
    assert [(p.name, p.messages) for p in suite.prompts] == [
        (
            "prompt-1",
            (Message("user", "Convert the following English text to {{language}}: {{input}}"),),
        ),
        (
            "formal-1",
            (
                Message(
                    "user",
                    "You are a careful translator.\nTranslate into formal {{language}}: {{input}}",
                ),
            ),
        ),
        (
            "formal-2",
            (
                Message(
                    "user",
                    "Translate into {{language}}, keeping the register of the original: {{input}}",
                ),
            ),
        ),
    ]
    assert suite.models == (
        ModelSpec("gpt-4o-mini"),
        ModelSpec(
            "anthropic/claude-3-5-haiku-20241022",
            params=ModelParams(temperature=0.0, max_tokens=256),
        ),
    )
    assert suite.checks == (Check("not-icontains", "as an ai"), Check("latency", None, 5000.0))
    assert suite.cases_file == "translations.csv"
    assert suite.cases == (
        Case(
            {"language": "French", "input": "Hello world"},
            (Check("icontains", "bonjour"), Check("similar", "Bonjour le monde", 0.9)),
            "greeting",
        ),
        Case(
            {"language": "Spanish", "input": "Where is the library?"},
            (Check("contains-any", ["biblioteca", "Biblioteca"]),),
        ),
        Case(
            {"language": "German", "input": "Good morning,\nhow are you?"},
            (Check("starts-with", "Guten", 0.75), Check("llm-rubric", " sounds natural in German")),
            "two lines",
        ),
        Case({"language": "Pirate", "input": "Yes"}, (Check("equals", "Arr"),)),
    )
    assert_notes(
        converted.dropped,
        [
            r"promptfooconfig\.yaml:27: outputPath: promptfoo field 'outputPath' not carried",
            r"promptfooconfig\.yaml:11: providers\[1\]: provider label 'haiku' not carried",
            r":21: defaultTest\.assert\[1\]: assertion 'latency' field 'metric' not carried",
            r"translations\.csv: column '__prefix' not carried over",
        ],
    )


def test_support_bot_example_chat_files_configs_defaults_and_expansion() -> None:
    converted = read_promptfoo(DATA / "support_bot" / "promptfooconfig.yaml")
    suite = converted.suite
    system = Message("system", "You support {{product}} customers. Be {{tone}}.")
    assert [(p.name, p.messages, p.params) for p in suite.prompts] == [
        ("reply", (system, Message("user", "{{question}}")), ModelParams(temperature=0.3)),
        (
            "terse",
            (Message("system", "Answer in one sentence."), Message("user", "{{question}}")),
            ModelParams(),
        ),
        ("plain", (Message("user", "Reply to: {{question}}"),), ModelParams()),
    ]
    assert suite.models == (
        ModelSpec("ollama/llama3.1:8b", params=ModelParams(max_tokens=300)),
        ModelSpec(
            "gemini/gemini-1.5-flash",
            params=ModelParams(top_p=0.9, max_tokens=200, stop=("###",)),
        ),
        ModelSpec("my-finetune", api_base="http://localhost:8000/v1", api_key_name="support_proxy"),
    )
    defaults = {"product": "Acme Router"}
    outage = "The router lost its connection\ntwice today.\n"
    assert suite.cases == (
        Case(
            {**defaults, "tone": "friendly", "question": "How do I get a refund?", "on_call": "no"},
            (
                Check("icontains", "refund"),
                Check("llm-rubric", "Offers to help with the refund", provider="gpt-4o"),
            ),
            "refund question",
        ),
        Case({**defaults, "tone": "calm", "question": outage}),
        Case({**defaults, "tone": "apologetic", "question": outage}),
        Case(
            {**defaults, "tone": "friendly", "question": "Is the router under warranty?"},
            (Check("regex", r"\d+ (months|years)"), Check("is-json", {"type": "object"})),
            "warranty",
        ),
    )
    assert suite.checks == (Check("javascript", "output.length < 800"),)
    assert suite.cases_file is None
    assert_notes(
        converted.dropped,
        [
            r"env: promptfoo field 'env' not carried over",
            r"nunjucksFilters: promptfoo field 'nunjucksFilters'",
            r"derivedMetrics: promptfoo field 'derivedMetrics'",
            r"providers\[0\]: provider config field 'top_k' not carried over",
            r"providers\[2\]: provider config field 'apiKey' not carried over \(keys are never",
            r"tests\[1\]\.options: option 'transform' not carried over",
        ],
    )
    # A key written into a config file goes nowhere, not even into a message.
    assert "sk-" not in repr(converted)


def test_jsonl_example_targets_metadata_name_and_plain_var_lines() -> None:
    converted = read_promptfoo(DATA / "jsonl_suite")
    suite = converted.suite
    assert suite.name == "classify-sentiment"
    assert suite.description == ""
    assert [m.name for m in suite.models] == [
        "groq/llama-3.1-8b-instant",
        "mistral/mistral-small-latest",
    ]
    assert suite.cases_file == "cases.jsonl"
    assert suite.cases == (
        Case({"text": "I love it"}, (Check("icontains", "positive"),), "happy"),
        Case({"text": "Meh", "stars": "3"}, (Check("equals", "neutral"),)),
        Case({"text": "Awful", "label": "negative"}),
    )
    assert_notes(
        converted.dropped,
        [
            r"cases\.jsonl:2: assert\[0\]: assertion 'equals' field 'weight' not carried over",
            r"promptfooconfig\.yaml:3: metadata\.owner: metadata 'owner' not carried over",
        ],
    )


@pytest.mark.parametrize("example", ["translate", "support_bot", "jsonl_suite"])
def test_examples_survive_writing_and_reading_again(tmp_path: Path, example: str) -> None:
    suite = read_promptfoo(DATA / example).suite
    files, _ = write_promptfoo(suite)
    write_files(tmp_path, files)
    again = read_promptfoo(tmp_path).suite
    assert without_sources(again) == without_sources(suite)
    assert write_promptfoo(again)[0] == files


def assert_notes(notes: tuple[str, ...], patterns: list[str]) -> None:
    assert len(notes) == len(patterns), notes
    for note, pattern in zip(notes, patterns, strict=True):
        assert re.search(pattern, note), (pattern, note)


# --- reading: the details ------------------------------------------------------------------


def test_yaml_is_read_the_way_promptfoo_reads_it(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "prompts: ['{{a}} {{b}}']\n"
        "tests:\n"
        "  - vars: {a: yes, b: off, c: 010, d: 1:20, e: 1e3, f: 2.0, g: ~, h: 2024-01-02}\n",
    )
    (case,) = read_promptfoo(path).suite.cases
    assert case.vars == {
        "a": "yes",
        "b": "off",
        "c": "10",
        "d": "1:20",
        "e": "1000",
        "f": "2",
        "g": "null",
        "h": "2024-01-02",
    }


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = config(tmp_path, "prompts:\n  - hello\ntests:\n  - vars: {a: [1, 2}\n")
    with pytest.raises(UsageError, match=r"promptfooconfig\.yaml:4: invalid YAML"):
        read_promptfoo(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just\n- a list\n", r"a promptfoo config is a mapping"),
        ("providers: [openai:gpt-4o]\n", r"has no 'prompts'"),
        ("prompts: []\n", r":1: prompts: there are no prompts"),
        ("prompts: [x]\nproviders: [a]\ntargets: [b]\n", r"both 'providers' and 'targets'"),
        ("prompts: [hi]\nproviders:\n  - acme:model\n", r":3: providers\[0\]: provider 'acme:"),
        ("prompts: [hi]\nproviders: [openai:embedding:x]\n", r"is not a chat model"),
        ("prompts: [hi]\nproviders: [azure:gpt-4]\n", r"'azure:gpt-4' is not a chat model"),
        ("prompts: [hi]\nproviders: ['openai:chat:']\n", r"names no model"),
        ("prompts: [hi]\ntests: [{assert: [{value: 1}]}]\n", r":2: tests\[0\]\.assert\[0\]"),
        ("prompts: [hi]\ntests: [{vars: {a: b}, description: 3}]\n", r"description must be"),
        ("prompts: [hi]\ntests: file://nowhere.csv\n", r"nowhere\.csv: no such file"),
        ("prompts: [file://missing.txt]\n", r":1: prompts\[0\]: .*missing\.txt: no such"),
        ("prompts: ['Translate English/French']\n", r"takes 'Translate English/French' for a"),
        ("prompts: [file://p/*.txt]\n", r"no file matches 'p/\*\.txt'"),
    ],
)
def test_bad_configs_are_usage_errors_naming_the_place(
    tmp_path: Path, text: str, message: str
) -> None:
    path = config(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        read_promptfoo(path)


def test_prompt_entries_in_every_form(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "prompts:\n"
        "  - 'Summarize {{text}}'\n"
        '  - \'[{"role": "system", "content": "Be brief"}, {"role": "user", "content":'
        ' "{{text}}"}]\'\n'
        "  - id: file://chat.jsonl\n"
        "  - file://notes.md\n"
        "  - {raw: 'Hi {{name}}', label: greet, config: {temperature: 0.5, response_format: x}}\n"
        "  - file://make_prompt.py:build\n"
        "  - 'Fill in {{a}}/{{b}}'\n"  # a path to promptfoo, matching no file: the text itself
        "  - file://p.prompty\n",
        **{
            "chat.jsonl": (
                '[{"role": "user", "content": "one"}]\n[{"role": "user", "content": "two"}]\n'
            ),
            "notes.md": "# Notes\n\n{{text}}\n",
            "p.prompty": "---\nname: from-prompty\nmodel:\n  parameters: {max_tokens: 9}\n---\n"
            "system:\nS\n\nuser:\n{{q}}\n",
        },
    )
    converted = read_promptfoo(path)
    prompts = converted.suite.prompts
    assert [p.name for p in prompts] == [
        "prompt-1",
        "prompt-2",
        "chat-1",
        "chat-2",
        "notes",
        "greet",
        "prompt-7",
        "from-prompty",
    ]
    assert prompts[1].messages == (Message("system", "Be brief"), Message("user", "{{text}}"))
    assert prompts[3].messages == (Message("user", "two"),)
    assert prompts[4].messages == (Message("user", "# Notes\n\n{{text}}\n"),)
    assert prompts[5].params == ModelParams(temperature=0.5)
    assert prompts[6].messages == (Message("user", "Fill in {{a}}/{{b}}"),)
    assert prompts[7].messages == (Message("system", "S"), Message("user", "{{q}}"))
    assert prompts[7].params == ModelParams(max_tokens=9)
    assert_notes(
        converted.dropped,
        [
            r"prompts\[4\]\.config: prompt config field 'response_format' not carried over",
            r"prompts\[5\]: prompt 'file://make_prompt\.py:build' is code; not carried over",
        ],
    )


def test_globbed_prompt_files_are_named_by_file_and_numbered_within_one(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "prompts: [file://p/*.txt]\n",
        **{"p/a.txt": "one {{x}}\n---\ntwo {{x}}\n", "p/b.txt": "three\n", "p/c.md": "no"},
    )
    prompts = read_promptfoo(path).suite.prompts
    assert [(p.name, p.messages[0].content) for p in prompts] == [
        ("a-1", "one {{x}}"),
        ("a-2", "two {{x}}"),
        ("b", "three"),
    ]


def test_chat_prompts_promptfoo_would_refuse_are_reported(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "prompts:\n"
        '  - \'[{"role": "tool", "content": "x"}]\'\n'
        '  - \'[{"role": "user", "content": {{ question | dump }} }]\'\n'
        "  - 'Plain {{x}}'\n",
    )
    converted = read_promptfoo(path)
    assert [p.name for p in converted.suite.prompts] == ["prompt-2", "prompt-3"]
    assert_notes(
        converted.dropped,
        [
            r"prompts\[0\]: message 1 is not a system, user or assistant message",
            r"prompts\[1\]: the prompt looks like chat JSON but is not valid JSON before",
        ],
    )


def test_tests_from_yaml_files_and_default_vars_under_csv_rows(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        "prompts: ['{{q}} {{lang}}']\n"
        "defaultTest: file://default.yaml\n"
        "tests:\n"
        "  - file://cases/*.csv\n"
        "  - {path: file://gen.py:make, config: {n: 3}}\n"
        "  - file://gen.py\n",
        **{
            "default.yaml": "vars: {lang: [en, fr]}\nassert: [{type: is-json}]\nthreshold: 0.5\n",
            "cases/a.csv": "q\nwhat\n",
            "cases/b.csv": "q,lang\nwho,de\n",
        },
    )
    converted = read_promptfoo(path)
    suite = converted.suite
    assert suite.checks == (Check("is-json"),)
    assert [c.vars for c in suite.cases] == [
        {"lang": "en", "q": "what"},
        {"lang": "fr", "q": "what"},
        {"lang": "de", "q": "who"},
        {"lang": "de", "q": "who"},
    ]
    assert suite.cases_file is None
    assert_notes(
        converted.dropped,
        [
            r"default\.yaml:3: threshold: defaultTest field 'threshold' not carried over",
            r"tests\[1\]: tests generated by 'file://gen\.py:make' not carried over",
            r"tests\[2\]: tests generated by 'gen\.py' not carried over",
        ],
    )


def test_list_vars_expand_to_every_combination_as_in_promptfoo(tmp_path: Path) -> None:
    path = config(tmp_path, "prompts: [hi]\ntests: [{vars: {a: [x, y], b: [1, 2], c: [p, q]}}]\n")
    cases = read_promptfoo(path).suite.cases
    # Only lists of text expand; a list of numbers is one value, as JSON.
    assert [case.vars for case in cases] == [
        {"a": "x", "b": "[1, 2]", "c": "p"},
        {"a": "x", "b": "[1, 2]", "c": "q"},
        {"a": "y", "b": "[1, 2]", "c": "p"},
        {"a": "y", "b": "[1, 2]", "c": "q"},
    ]


def test_too_many_combinations_are_refused(tmp_path: Path) -> None:
    letters = "[" + ", ".join("abcdefghijklmnopqrstuvwxy") + "]"
    text = f"prompts: [hi]\ntests:\n  - vars: {{a: {letters}, b: {letters}, c: {letters}}}\n"
    with pytest.raises(UsageError, match=r":3: tests\[0\]\.vars: the list values expand to 15625"):
        read_promptfoo(config(tmp_path, text))


def test_default_vars_alone_make_one_case_as_promptfoo_runs_one(tmp_path: Path) -> None:
    path = config(tmp_path, "prompts: ['{{x}}']\ndefaultTest: {vars: {x: 1}}\n")
    assert read_promptfoo(path).suite.cases == (Case({"x": "1"}),)


def test_a_folder_without_a_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no promptfooconfig\.yaml in this folder"):
        read_promptfoo(tmp_path)


# --- assertions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("Hello", Check("equals", "Hello")),
        ("contains:foo", Check("contains", "foo")),
        ("contains: foo ", Check("contains", "foo")),
        ("icontains:Foo", Check("icontains", "Foo")),
        ("not-contains:bar", Check("not-contains", "bar")),
        ("contains-any:a, b,c", Check("contains-any", ["a", "b", "c"])),
        ("not-icontains-all:x", Check("not-icontains-all", ["x"])),
        ("contains-all:", Check("contains-all", "")),
        ("regex:\\d+", Check("regex", "\\d+")),
        ("is-json", Check("is-json", None)),
        ('is-json: {"a": 1}', Check("is-json", ' {"a": 1}')),
        ("not-is-json", Check("not-is-json", None)),
        ("starts-with:Yes", Check("starts-with", "Yes", 0.75)),
        ("levenshtein(5):hello", Check("levenshtein", "hello", 5.0)),
        ("similar:hi", Check("similar", "hi", 0.8)),
        ("similar(0.95):hi", Check("similar", "hi", 0.95)),
        ("similar:cosine:hi", Check("similar", "cosine:hi", 0.8)),
        ("latency(1000)", Check("latency", None, 1000.0)),
        ("contains(3):x", Check("contains", "x")),
        ("grade:is polite", Check("llm-rubric", "is polite")),
        ("llm-rubric: is polite", Check("llm-rubric", " is polite")),
        ("javascript: output.length > 3", Check("javascript", "output.length > 3")),
        ("fn:output === 'x'", Check("javascript", "output === 'x'")),
        ("eval:true", Check("javascript", "true")),
        ("file://checks/len.js", Check("javascript", "file://checks/len.js")),
        ("python: len(output) > 3", Check("python", "len(output) > 3")),
        ("file://check.py", Check("python", "check.py")),
        ("file://check.py:grade", Check("python", "check.py:grade")),
        ("trajectory:tool-used:search", Check("trajectory:tool-used", "search")),
        ("contains-anything:x", Check("equals", "contains-anything:x")),
        ("CONTAINS:x", Check("equals", "CONTAINS:x")),
    ],
)
def test_one_line_assertions_read_as_promptfoo_reads_them(text: str, check: Check) -> None:
    assert check_from_string(js_trim(text), "t") == check
    written = check_to_string(check)
    assert written is not None
    assert check_from_string(written, "t") == check


@pytest.mark.parametrize(
    "check",
    [
        Check("contains", " padded"),
        Check("contains", 3),
        Check("starts-with", "x"),  # the one-line form always gives it a threshold
        Check("contains-any", ["a,b"]),
        Check("contains-any", [" a"]),
        Check("equals", " x"),
        Check("llm-rubric", "x "),
        Check("regex", "x", -1.0),
        Check("icontains", "x", 0.5),
        Check("is-json", {"type": "object"}),
    ],
)
def test_checks_without_a_one_line_form(check: Check) -> None:
    assert check_to_string(check) is None


def test_assertion_mappings_keep_type_value_threshold_and_name_the_rest() -> None:
    raw = {"type": "contains", "value": "x", "threshold": 1, "weight": 2, "metric": "m"}
    check, notes = check_from_mapping(raw, "here")
    assert check == Check("contains", "x", 1.0)
    assert notes == [
        "here: assertion 'contains' field 'weight' not carried over",
        "here: assertion 'contains' field 'metric' not carried over",
    ]
    assert list(check_to_mapping(check)) == ["type", "value", "threshold"]
    assert check_to_mapping(Check("is-json")) == {"type": "is-json"}


def test_assert_sets_are_kept_whole_under_their_type() -> None:
    raw = {"type": "assert-set", "threshold": 0.5, "assert": [{"type": "contains", "value": "a"}]}
    check, notes = check_from_mapping(raw, "t")
    assert check == Check("assert-set", [{"type": "contains", "value": "a"}], 0.5)
    assert notes == []
    assert check_to_mapping(check) == raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("contains", "must be a mapping"),
        ({"value": 1}, "needs a 'type'"),
        ({"type": "x", "threshold": "high"}, "threshold must be a number"),
        ({"type": "x", "threshold": True}, "threshold must be a number"),
        ({"type": "assert-set", "assert": "x"}, "'assert' must be a list"),
    ],
)
def test_bad_assertion_mappings(raw: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_from_mapping(raw, "t")


# --- providers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider_id", "name"),
    [
        ("openai:chat:gpt-4o-mini", "gpt-4o-mini"),
        ("openai:gpt-4o-mini", "gpt-4o-mini"),
        ("openai:chat:ft:gpt-4o-mini:org::abc", "ft:gpt-4o-mini:org::abc"),
        ("anthropic:messages:claude-3-5-sonnet-20241022", "anthropic/claude-3-5-sonnet-20241022"),
        ("anthropic:claude-3-haiku-20240307", "anthropic/claude-3-haiku-20240307"),
        ("ollama:chat:llama3", "ollama/llama3"),
        ("ollama:llama3:8b", "ollama/llama3:8b"),
        ("mistral:mistral-large-latest", "mistral/mistral-large-latest"),
        ("groq:llama-3.1-70b-versatile", "groq/llama-3.1-70b-versatile"),
        ("openrouter:meta-llama/llama-3-70b", "openrouter/meta-llama/llama-3-70b"),
        ("google:gemini-1.5-pro", "gemini/gemini-1.5-pro"),
        ("vertex:gemini-1.5-pro", "vertex_ai/gemini-1.5-pro"),
        ("azure:chat:my-deployment", "azure/my-deployment"),
        ("litellm:bedrock/anthropic.claude-v2", "bedrock/anthropic.claude-v2"),
        ("togetherai:meta-llama/Llama-3-8b", "together_ai/meta-llama/Llama-3-8b"),
    ],
)
def test_provider_ids_become_litellm_names(provider_id: str, name: str) -> None:
    model, notes = model_from_provider(provider_id, "p")
    assert model == ModelSpec(name)
    assert notes == []


def test_provider_config_becomes_parameters_and_connection() -> None:
    raw = {
        "id": "openai:chat:gpt-4o",
        "label": "fast",
        "transform": "output",
        "config": {
            "temperature": 1,
            "top_p": 0.5,
            "max_tokens": 100.0,
            "seed": 7,
            "stop": "END",
            "apiHost": "proxy.example.com",
            "apiKeyEnvar": "OPENAI_API_KEY",
            "frequency_penalty": 0.1,
        },
    }
    model, notes = model_from_provider(raw, "p")
    assert model == ModelSpec(
        "gpt-4o",
        api_base="https://proxy.example.com/v1",
        params=ModelParams(temperature=1.0, top_p=0.5, max_tokens=100, seed=7, stop=("END",)),
        api_key_name="openai",
    )
    assert notes == [
        "p: provider field 'transform' not carried over",
        "p: provider label 'fast' not carried over",
        "p: provider config field 'frequency_penalty' not carried over",
    ]


def test_older_provider_mapping_form() -> None:
    model, _ = model_from_provider({"openai:gpt-4o": {"config": {"seed": 1}}}, "p")
    assert model == ModelSpec("gpt-4o", params=ModelParams(seed=1))


@pytest.mark.parametrize(
    ("variable", "name"),
    [
        ("OPENAI_API_KEY", "openai"),
        ("TOGETHERAI_API_KEY", "together_ai"),
        ("MY_PROXY_API_KEY", "my_proxy"),
        ("PERPLEXITY_API_KEY", None),  # the workbench reads PERPLEXITYAI_API_KEY for perplexity
        ("OPENAI_KEY", None),
        ("lower_API_KEY", None),
    ],
)
def test_key_variables_map_back_to_key_names(variable: str, name: str | None) -> None:
    assert provider_for_env(variable) == name


def test_an_unmapped_key_variable_is_reported() -> None:
    _, notes = model_from_provider({"id": "openai:x", "config": {"apiKeyEnvar": "KEY"}}, "p")
    assert notes == [
        "p: apiKeyEnvar 'KEY' not carried over (the workbench reads NAME_API_KEY variables)"
    ]


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        (ModelSpec("gpt-4o-mini"), "openai:chat:gpt-4o-mini"),
        (
            ModelSpec("anthropic/claude-3-5-haiku-latest"),
            "anthropic:messages:claude-3-5-haiku-latest",
        ),
        (ModelSpec("ollama/llama3:8b"), "ollama:chat:llama3:8b"),
        (ModelSpec("gemini/gemini-1.5-pro"), "google:gemini-1.5-pro"),
        (ModelSpec("azure/dep"), "azure:chat:dep"),
        (ModelSpec("openai/local-model"), "litellm:openai/local-model"),
        (ModelSpec("bedrock/anthropic.claude-v2"), "litellm:bedrock/anthropic.claude-v2"),
        (
            ModelSpec("ollama/llama3", params=ModelParams(max_tokens=5, stop=("x",))),
            {"id": "ollama:chat:llama3", "config": {"num_predict": 5, "stop": ["x"]}},
        ),
        (
            ModelSpec("my-model", api_base="http://h/v1", api_key_name="my_proxy"),
            {
                "id": "openai:chat:my-model",
                "config": {"apiBaseUrl": "http://h/v1", "apiKeyEnvar": "MY_PROXY_API_KEY"},
            },
        ),
    ],
)
def test_models_become_provider_entries(model: ModelSpec, provider: object) -> None:
    assert provider_from_model(model) == provider
    assert model_from_provider(provider, "p") == (model, [])


def test_a_bare_name_litellm_sends_to_anthropic_is_written_as_anthropic() -> None:
    price = pricing.lookup("claude-sonnet-4-5")
    if price is None or price.provider != "anthropic":
        pytest.skip("litellm's price map does not list claude-sonnet-4-5 under anthropic")
    assert provider_from_model(ModelSpec("claude-sonnet-4-5")) == (
        "anthropic:messages:claude-sonnet-4-5"
    )


# --- writing ---------------------------------------------------------------------------------


def test_writing_a_small_suite_gives_this_exact_text() -> None:
    suite = Suite(
        name="demo",
        description="A demo\nover two lines",
        prompts=(
            PromptTemplate("greet", (Message("user", "Say hi to {{name}}"),)),
            PromptTemplate(
                "chat",
                (Message("system", "Be brief."), Message("user", "{{name}}?")),
                params=ModelParams(temperature=0.2),
            ),
        ),
        models=(ModelSpec("gpt-4o-mini"), ModelSpec("ollama/llama3", params=ModelParams(seed=1))),
        cases=(Case({"name": "Ada"}, (Check("icontains", "ada"),), "first"),),
        checks=(Check("not-contains", "sorry"),),
    )
    files, notes = write_promptfoo(suite)
    assert files == {
        "prompts/chat.json": (
            "[\n"
            '  {\n    "role": "system",\n    "content": "Be brief."\n  },\n'
            '  {\n    "role": "user",\n    "content": "{{name}}?"\n  }\n'
            "]\n"
        ),
        "promptfooconfig.yaml": (
            "# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json\n"
            "description: |-\n"
            "  A demo\n"
            "  over two lines\n"
            "metadata:\n"
            "  name: demo\n"
            "prompts:\n"
            "  - label: greet\n"
            "    raw: Say hi to {{name}}\n"
            "  - id: file://prompts/chat.json\n"
            "    label: chat\n"
            "    config:\n"
            "      temperature: 0.2\n"
            "providers:\n"
            "  - openai:chat:gpt-4o-mini\n"
            "  - id: ollama:chat:llama3\n"
            "    config:\n"
            "      seed: 1\n"
            "defaultTest:\n"
            "  assert:\n"
            "    - type: not-contains\n"
            "      value: sorry\n"
            "tests:\n"
            "  - description: first\n"
            "    vars:\n"
            "      name: Ada\n"
            "    assert:\n"
            "      - type: icontains\n"
            "        value: ada\n"
        ),
    }
    assert notes == []


def test_writing_reports_what_promptfoo_has_no_place_for() -> None:
    suite = Suite(
        name="n",
        prompts=(
            PromptTemplate(
                "p",
                (Message("user", "x"),),
                description="d",
                params=ModelParams(temperature=0.1),
                defaults={"a": "1"},
            ),
        ),
        models=(ModelSpec("gpt-4o", params=ModelParams(temperature=0.9), transport="openai"),),
        cases=(Case({"a": "1"}, (Check("contains", " x"),)),),
        cases_file="cases.csv",
    )
    files, notes = write_promptfoo(suite)
    assert "cases.csv" not in files
    assert notes == [
        "prompts[0] 'p': description not written (promptfoo prompts have none)",
        "prompts[0] 'p': default values of a not written",
        "models[0]: model 'gpt-4o' transport 'openai' not written",
        (
            "prompt 'p' and model 'gpt-4o' both set temperature: promptfoo uses the prompt's "
            "value, the workbench the model's"
        ),
        "cases written inline, not to 'cases.csv': case 1: check 'contains' has no one-line form",
    ]


# --- round trips -----------------------------------------------------------------------------

NAMES = st.text(min_size=1, max_size=12).filter(lambda name: name.strip() == name and name)
VAR = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
TEMPLATE = st.lists(TEXT | VAR.map(lambda name: "{{" + name + "}}"), min_size=1, max_size=4).map(
    "".join
)
PARAMS = st.builds(
    ModelParams,
    temperature=st.none() | st.floats(0, 2),
    top_p=st.none() | st.floats(0, 1),
    max_tokens=st.none() | st.integers(1, 10**6),
    seed=st.none() | st.integers(-(2**40), 2**40),
    stop=st.lists(TEXT, max_size=2).map(tuple),
)
MESSAGES = st.lists(
    st.builds(Message, st.sampled_from(["system", "user", "assistant"]), TEMPLATE),
    min_size=1,
    max_size=3,
).map(tuple) | TEMPLATE.map(lambda text: (Message("user", text),))
MAPPABLE_NAMES = [
    "gpt-4o-mini",
    "my-local-model",
    "anthropic/claude-3-5-haiku-latest",
    "ollama/llama3.1:8b",
    "mistral/mistral-small-latest",
    "groq/llama-3.1-8b-instant",
    "openrouter/meta-llama/llama-3-70b-instruct",
    "gemini/gemini-1.5-flash",
    "vertex_ai/gemini-1.5-pro",
    "azure/my-deployment",
    "deepseek/deepseek-chat",
    "xai/grok-2",
    "together_ai/meta-llama/Llama-3-8b-chat-hf",
    "fireworks_ai/accounts/fireworks/models/llama-v3-8b",
    "perplexity/sonar",
    "cohere/command-r",
    "openai/served-locally",
    "lm_studio/qwen2.5-7b",
]
MODELS = st.builds(
    ModelSpec,
    name=st.sampled_from(MAPPABLE_NAMES),
    api_base=st.none() | st.just("http://localhost:8000/v1"),
    params=PARAMS,
    api_key_name=st.none() | st.sampled_from(["openai", "anthropic", "together_ai", "my_proxy"]),
)


@st.composite
def suites(draw: st.DrawFn) -> Suite:
    names = draw(st.lists(NAMES, unique=True, min_size=1, max_size=3))
    prompts = tuple(PromptTemplate(name, draw(MESSAGES), params=draw(PARAMS)) for name in names)
    cases_file = draw(st.sampled_from([None, "tests.csv", "cases.jsonl", "data/cases.csv"]))
    cases = draw(csv_cases() if cases_file and draw(st.booleans()) else ANY_CASES | st.just([]))
    return Suite(
        name=draw(NAMES),
        description=draw(st.just("") | TEXT),
        prompts=prompts,
        models=tuple(draw(st.lists(MODELS, max_size=3))),
        cases=tuple(cases),
        checks=tuple(draw(st.lists(ANY_CHECKS, max_size=2))),
        cases_file=cases_file,
    )


def read_back(files: dict[str, str]) -> Suite:
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files)
        return read_promptfoo(Path(folder) / "promptfooconfig.yaml").suite


@settings(max_examples=250, deadline=None)
@given(suite=suites())
def test_suites_round_trip_field_for_field_and_byte_for_byte(suite: Suite) -> None:
    files, _ = write_promptfoo(suite)
    read = read_back(files)
    kept_file = suite.cases_file is not None and suite.cases_file in files
    if suite.cases_file is not None and suite.cases:
        # The cases file is written exactly when the cases fit it.
        suffix = Path(suite.cases_file).suffix
        assert kept_file == (not case_file_problems(suite.cases, suffix))
    expected = suite if kept_file else replace(suite, cases_file=None)
    assert without_sources(read) == expected
    assert write_promptfoo(read)[0] == files
