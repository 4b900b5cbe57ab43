"""Database faults as messages a person can act on, always naming the store's file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

from workbench.errors import WorkbenchError


class StoreError(WorkbenchError):
    """The store cannot be opened or written: corrupt, locked, full, read-only, or not a store."""


def explain(location: str, exc: BaseException) -> StoreError:
    """One message per fault of the environment; anything unrecognised keeps the driver's text."""
    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        why = "it is locked by another program; close that program (or wait) and try again"
    elif "disk is full" in lowered or "database or disk is full" in lowered:
        why = "the disk is full; free some space and try again (the store was not changed)"
    elif "not a database" in lowered:
        why = "it is not a workbench store (not an SQLite database)"
    elif "malformed" in lowered or "corrupt" in lowered:
        why = "the file is damaged; restore a backup (workbench.db.bak-*) or move it aside"
    elif "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        why = "it cannot be written here (is its folder read-only?)"
    else:
        why = text
    return StoreError(f"the store {location}: {why}")


@contextlib.contextmanager
def translated(location: str) -> Iterator[None]:
    """Turn database faults raised inside the block into a `StoreError` naming `location`."""
    try:
        yield
    except DBAPIError as exc:
        raise explain(location, exc) from exc
