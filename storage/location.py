"""Where a store lives: the user data folder by default, or a file path or SQLAlchemy URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, make_url

APP_NAME = "prompt-workbench"
FILE_NAME = "workbench.db"


@dataclass(frozen=True, slots=True)
class Location:
    url: URL
    path: Path | None  # the SQLite file, when there is one

    @property
    def label(self) -> str:
        """How messages name the store (never with a password)."""
        return str(self.path) if self.path is not None else self.url.render_as_string()


def default_path() -> Path:
    from platformdirs import user_data_dir  # noqa: PLC0415 - only when no store was named

    return Path(user_data_dir(APP_NAME, appauthor=False)) / FILE_NAME


def resolve(db: str | Path | None) -> Location:
    if db is None or str(db) == "":
        path = default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return _file(path)
    text = str(db)
    if "://" in text:
        url = make_url(text)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Location(url, Path(url.database).expanduser().resolve())
        return Location(url, None)
    return _file(Path(text).expanduser().resolve())


def _file(path: Path) -> Location:
    return Location(URL.create("sqlite+pysqlite", database=str(path)), path)
