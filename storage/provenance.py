"""Where a prompt version came from: the git repository, its commit and the file's own hash."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path


def provenance(source_path: str | None) -> dict[str, str | None]:
    """`repo_path`, `repo_commit` and `file_hash` for a prompt file (None where unknown).

    The file hash pins the exact text even when the file has changes not yet committed; the
    commit says which checkout it was read from.
    """
    found: dict[str, str | None] = {"repo_path": None, "repo_commit": None, "file_hash": None}
    if not source_path:
        return found
    path = Path(source_path).resolve()
    try:
        found["file_hash"] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return found
    git = shutil.which("git")
    if git is None:
        return found
    try:
        proc = subprocess.run(  # noqa: S603 - a fixed git command on a path we were given
            [git, "-C", str(path.parent), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return found
    lines = proc.stdout.split()
    if proc.returncode == 0 and len(lines) == 2:
        found["repo_path"], found["repo_commit"] = lines
    return found
