"""Where a prompt version came from: the git repository, its commit and the file's own hash."""

from __future__ import annotations

from pathlib import Path

from workbench.git_state import FileState, file_state


class FileStates:
    """Git's view of each prompt file, asked once per path within one store write.

    A run records both the new prompt versions' provenance and the run's sources; both read the
    same files, so they share one read and one pair of git calls per file.
    """

    def __init__(self) -> None:
        self._seen: dict[str, FileState | None] = {}

    def of(self, source_path: str) -> FileState | None:
        if source_path not in self._seen:
            self._seen[source_path] = file_state(Path(source_path))
        return self._seen[source_path]

    def provenance(self, source_path: str | None) -> dict[str, str | None]:
        """`repo_path`, `repo_commit` and `file_hash` for a prompt file (None where unknown).

        The file hash pins the exact text even when the file has changes not yet committed; the
        commit says which checkout it was read from.
        """
        state = self.of(source_path) if source_path else None
        if state is None:
            return {"repo_path": None, "repo_commit": None, "file_hash": None}
        return {"repo_path": state.repo, "repo_commit": state.commit, "file_hash": state.sha256}
