"""Reading a user's text file, with every failure a message naming the file."""

from __future__ import annotations

from pathlib import Path

from workbench.errors import UsageError


def read_user_text(path: Path) -> str:
    """UTF-8 text (a leading byte-order mark dropped, as spreadsheet exports write one), with
    every line end read as "\\n"."""
    return lf(read_user_bytes_as_text(path))


def read_user_bytes_as_text(path: Path) -> str:
    """Like `read_user_text`, but line ends stay as the file has them (CRLF kept), so the text
    can be written back byte for byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a UTF-8 text file") from exc


def lf(text: str) -> str:
    """Text with every line end as "\\n", as the parsers read it."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
