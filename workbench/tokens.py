"""Estimating token counts with tiktoken, for providers that report no usage.

Figures from here are always marked estimated. Encodings load from files on disk (see offline.py) on
first use, never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from workbench import offline
from workbench.domain import Message

if TYPE_CHECKING:
    import tiktoken

# Chat formatting adds a few tokens per message and for the reply's priming (OpenAI's cookbook).
_TOKENS_PER_MESSAGE = 3
_REPLY_PRIMING = 3
_O200K_FAMILIES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")

_load_lock = threading.Lock()
_loaded: set[str] = set()


def encoding_name_for(model: str) -> str:
    """o200k_base for OpenAI's newer families, cl100k_base for everything else."""
    bare = model.rsplit("/", 1)[-1].lower()
    if bare.startswith(_O200K_FAMILIES):
        return "o200k_base"
    return "cl100k_base"


@cache
def _encoding(name: str) -> tiktoken.Encoding:
    offline.prepare()
    import tiktoken

    with _load_lock:
        encoding = tiktoken.get_encoding(name)
    _loaded.add(name)
    return encoding


def is_loaded(model: str = "") -> bool:
    """Whether counting for `model` can start without loading an encoding first."""
    return encoding_name_for(model) in _loaded


def warm(model: str = "") -> None:
    """Load the encoding ahead of time (from a background thread, so the first count is fast)."""
    _encoding(encoding_name_for(model))


def count_text(text: str, model: str = "") -> int:
    if not text:
        return 0
    return len(_encoding(encoding_name_for(model)).encode(text, disallowed_special=()))


def count_messages(messages: Iterable[Message], model: str = "") -> int:
    encoding = _encoding(encoding_name_for(model))
    total = _REPLY_PRIMING
    for message in messages:
        total += _TOKENS_PER_MESSAGE + len(encoding.encode(message.content, disallowed_special=()))
        total += 1  # the role name
    return total
