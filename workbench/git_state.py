"""What git says about a prompt file: its repository, the commit checked out, uncommitted changes.

Read by running `git` (when it is installed) on the file's folder; anything git cannot answer is
None, never an error, since a prompt outside a repository is normal. The blob id is computed
here, the way git computes it, so matching a run to a file version needs no git at query time.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_TIMEOUT_S = 5


@dataclass(frozen=True, slots=True)
class FileState:
    path: str  # absolute
    blob: str  # git's id of the bytes as read now
    sha256: str  # of the same bytes, pinning the exact text however git stands
    repo: str | None = None
    commit: str | None = None
    dirty: bool | None = None  # the file differs from the commit (or is not in it)


def blob_id(data: bytes) -> str:
    """git's object id for a file with these bytes (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _git(folder: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed git commands on paths we were given
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def file_state(path: Path) -> FileState | None:
    """None when the file cannot be read; repo fields None when it is not in a git work tree."""
    resolved = path.resolve()
    try:
        data = resolved.read_bytes()
    except OSError:
        return None
    state = FileState(str(resolved), blob_id(data), hashlib.sha256(data).hexdigest())
    found = _git(resolved.parent, "rev-parse", "--show-toplevel", "HEAD")
    lines = found.split() if found else []
    if len(lines) != 2:
        return state
    status = _git(resolved.parent, "status", "--porcelain", "--", resolved.name)
    return FileState(
        state.path,
        state.blob,
        state.sha256,
        repo=lines[0],
        commit=lines[1],
        dirty=None if status is None else bool(status.strip()),
    )


def blob_at(path: Path, revision: str) -> str | None:
    """The blob id of `path` as it was at `revision` (a commit, tag or branch), if it existed."""
    resolved = path.resolve()
    top = _git(resolved.parent, "rev-parse", "--show-toplevel")
    if not top:
        return None
    relative = resolved.relative_to(Path(top.strip()).resolve()).as_posix()
    found = _git(resolved.parent, "rev-parse", "--verify", "--quiet", f"{revision}:{relative}")
    return found.strip() if found else None


def changed_files(folder: Path) -> dict[str, str]:
    """Files under `folder` that differ from the last commit: relative path -> git's status code
    ("M" modified, "A" added, "D" deleted, "??" untracked). Empty outside a repository."""
    resolved = folder.resolve()
    listing = _git(resolved, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
    top = _git(resolved, "rev-parse", "--show-toplevel")
    if listing is None or not top:
        return {}
    root = Path(top.strip()).resolve()
    changed: dict[str, str] = {}
    entries = listing.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            index += 1  # a rename is followed by its old path
        try:
            relative = (root / name).resolve().relative_to(resolved).as_posix()
        except ValueError:
            continue
        changed[relative] = code.strip() or code
    return changed
