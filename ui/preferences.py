"""The window's own settings, kept by QSettings (never keys: those live in the keyring).

Everything here is a preference of this user on this machine: custom endpoints, default model
parameters, where the store is, and the window's geometry. Work itself (prompts, variables, the
chosen models) autosaves to the store as a draft instead, so it travels with the store.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from workbench.domain import ModelParams

ORGANIZATION = "PromptWorkbench"
APPLICATION = "Prompt Workbench"


class Preferences:
    """Typed access to QSettings; pass a path to keep them in an INI file (tests, portable use)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            self._settings = QSettings(ORGANIZATION, APPLICATION)
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._settings.sync()

    # --- custom OpenAI-compatible endpoints -------------------------------------------------

    @property
    def endpoints(self) -> list[str]:
        return self._json_list("models/endpoints")

    @endpoints.setter
    def endpoints(self, urls: list[str]) -> None:
        unique = list(dict.fromkeys(url.strip().rstrip("/") for url in urls if url.strip()))
        self._settings.setValue("models/endpoints", json.dumps(unique))

    # --- parameters a newly added model starts with ------------------------------------------

    @property
    def default_params(self) -> ModelParams:
        raw = self._settings.value("models/default_params", "{}")
        try:
            data = json.loads(str(raw))
        except ValueError:
            return ModelParams()
        if not isinstance(data, dict):
            return ModelParams()
        return ModelParams(
            temperature=_number(data.get("temperature")),
            top_p=_number(data.get("top_p")),
            max_tokens=_whole(data.get("max_tokens")),
            seed=_whole(data.get("seed")),
        )

    @default_params.setter
    def default_params(self, params: ModelParams) -> None:
        data = {
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
        }
        self._settings.setValue("models/default_params", json.dumps(data))

    # --- the store ----------------------------------------------------------------------------

    @property
    def store_path(self) -> str | None:
        """A file path or SQLAlchemy URL chosen in Settings; None for the default location."""
        value = self._settings.value("store/path", "")
        return str(value) or None

    @store_path.setter
    def store_path(self, value: str | None) -> None:
        self._settings.setValue("store/path", value or "")

    # --- window geometry and layout ----------------------------------------------------------

    def window_state(self, name: str) -> QByteArray | None:
        value = self._settings.value(f"window/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, name: str, value: QByteArray) -> None:
        self._settings.setValue(f"window/{name}", value)

    # ------------------------------------------------------------------------------------------

    def _json_list(self, key: str) -> list[str]:
        try:
            data = json.loads(str(self._settings.value(key, "[]")))
        except ValueError:
            return []
        return [str(item) for item in data] if isinstance(data, list) else []


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
