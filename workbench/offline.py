"""Keep heavy libraries from reaching the network on their own.

litellm fetches its price map and other tables from GitHub when it loads unless told to use the
copies it ships, and tiktoken downloads encodings unless they are in its cache directory.
`prepare()` points both at files on disk; every path that may load either calls it first.
Idempotent and cheap.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

_LITELLM_LOCAL_FLAGS = (
    "LITELLM_LOCAL_MODEL_COST_MAP",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS",
    "LITELLM_LOCAL_BLOG_POSTS",
    "LITELLM_LOCAL_POLICY_TEMPLATES",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS",
)


@cache
def litellm_package_dir() -> Path | None:
    """Where litellm is installed, found without importing it (that takes seconds)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def tokenizer_dir() -> Path | None:
    """The folder holding tiktoken encodings under the names tiktoken caches them by."""
    package = litellm_package_dir()
    if package is None:
        return None
    folder = package / "litellm_core_utils" / "tokenizers"
    return folder if folder.is_dir() else None


def prepare() -> None:
    for flag in _LITELLM_LOCAL_FLAGS:
        os.environ.setdefault(flag, "True")
    # litellm overrides TIKTOKEN_CACHE_DIR with its own folder on import unless this is set.
    folder = tokenizer_dir()
    if folder is not None:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(folder))
        os.environ.setdefault("CUSTOM_TIKTOKEN_CACHE_DIR", str(folder))
