"""Finding the experiment store at run time, through the `workbench.store` entry point group.

The core may not import `storage`; the installed package names its store here instead, so the
command line runs (without keeping runs) where no store is installed.
"""

from __future__ import annotations

import argparse
import os
from importlib.metadata import entry_points

from workbench.errors import UsageError
from workbench.store_api import RunStore

GROUP = "workbench.store"
DB_ENV = "WORKBENCH_DB"  # a default for --db (tests point it at a temporary file)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help=f"the store: a file or SQLAlchemy URL (default: ${DB_ENV}, else the user data folder)",
    )


def store_available() -> bool:
    return bool(entry_points(group=GROUP))


def open_store(db: str | None) -> RunStore:
    """The store named by `db` (or the default); a UsageError when no store is installed."""
    found = entry_points(group=GROUP)
    if not found:
        raise UsageError("no experiment store is installed (the `storage` package is missing)")
    # Several distributions may name one (an editable install and its egg-info): one is enough.
    opener = min(found, key=lambda e: e.name).load()
    store: RunStore = opener(db if db is not None else os.environ.get(DB_ENV) or None)
    return store
