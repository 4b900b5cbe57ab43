"""Where a prompt version came from: the git repository, its commit and the file's own hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.git_state import file_state


def provenance(source_path: str | None) -> dict[str, str | None]:
    """`repo_path`, `repo_commit` and `file_hash` for a prompt file (None where unknown).

    The file hash pins the exact text even when the file has changes not yet committed; the
    commit says which checkout it was read from.
    """
    found: dict[str, str | None] = {"repo_path": None, "repo_commit": None, "file_hash": None}
    if not source_path:
        return found
    path = Path(source_path)
    try:
        found["file_hash"] = hashlib.sha256(path.resolve().read_bytes()).hexdigest()
    except OSError:
        return found
    state = file_state(path)
    if state is not None:
        found["repo_path"], found["repo_commit"] = state.repo, state.commit
    return found
