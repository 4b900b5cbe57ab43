"""Reading a user's text file, with every failure a message naming the file."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import UsageError


def read_user_text(path: Path) -> str:
    """UTF-8 text (a leading byte-order mark dropped, as spreadsheet exports write one)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a folder, not a file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a UTF-8 text file") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
