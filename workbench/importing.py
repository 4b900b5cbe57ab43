"""Importing files into the store: every path read and checked first, then one transaction.

Shared by `workbench import` and the window, so both keep the same promise: a set with one bad
file leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.formats.detect import read_any
from workbench.prompt_set import PromptSet
from workbench.store_api import RunStore


def import_paths(store: RunStore, paths: Sequence[Path]) -> list[PromptSet]:
    """Read every path (a UsageError on the first bad one, before any write), then keep them."""
    sets = [read_any(path) for path in paths]
    store.import_sets(sets)
    return sets
