"""YAML as the workbench writes it: fixed key order, block style, multi-line text as `|` blocks.

Deterministic by construction, so writing the same content twice gives the same bytes and a
re-export with no edits is an empty diff in the user's repo.
"""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted scalar by itself when a literal block cannot hold the text
    # (trailing spaces, control characters), so this choice never changes the value.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,  # never fold long lines: a fold is a diff nobody asked for
        indent=2,
    )
