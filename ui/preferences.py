"""The window's own settings, kept by QSettings (never keys: those live in the keyring).

Everything here is a preference of this user on this machine: custom endpoints, default model
parameters, how local models run (offline mode, one request at a time, warm-up, a price per hour),
where the store is, and the window's geometry. Work itself (prompts, variables, the
chosen models) autosaves to the store as a draft instead, so it travels with the store.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from workbench.domain import ModelParams

ORGANIZATION = "PromptWorkbench"
APPLICATION = "Prompt Workbench"
# Requests a local server gets at once: one keeps timings fair (a second request slows the first).
LOCAL_CONCURRENCY_RANGE = (1, 16)


class Preferences:
    """Typed access to QSettings; pass a path to keep them in an INI file (tests, portable use)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            self._settings = QSettings(ORGANIZATION, APPLICATION)
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)
        # `--offline` on the command line: offline for this session, the saved choice untouched.
        self.offline_session = False

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

    # --- local models -------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        """The saved choice: only this machine and the local endpoints may be contacted."""
        return _flag(self._settings.value("local/offline", False))

    @offline.setter
    def offline(self, on: bool) -> None:
        self._settings.setValue("local/offline", bool(on))

    @property
    def offline_now(self) -> bool:
        """Offline mode as it applies now: saved, or asked for on the command line."""
        return self.offline or self.offline_session

    @property
    def local_concurrency(self) -> int:
        low, high = LOCAL_CONCURRENCY_RANGE
        value = _whole(_loaded(self._settings.value("local/concurrency", "1")))
        return low if value is None else min(max(value, low), high)

    @local_concurrency.setter
    def local_concurrency(self, value: int) -> None:
        low, high = LOCAL_CONCURRENCY_RANGE
        self._settings.setValue("local/concurrency", json.dumps(min(max(value, low), high)))

    @property
    def warm_up(self) -> bool:
        """One untimed call to each local model before a run, so load time stays out of it."""
        return _flag(self._settings.value("local/warm_up", False))

    @warm_up.setter
    def warm_up(self, on: bool) -> None:
        self._settings.setValue("local/warm_up", bool(on))

    @property
    def local_price_per_hour(self) -> float | None:
        """USD per hour of local use (hardware, power); None: local models cost nothing."""
        value = _number(_loaded(self._settings.value("local/price_per_hour", "null")))
        return value if value is not None and value >= 0 else None

    @local_price_per_hour.setter
    def local_price_per_hour(self, usd: float | None) -> None:
        self._settings.setValue("local/price_per_hour", json.dumps(usd))

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


def _loaded(raw: object) -> object:
    """A value kept as JSON text (INI files keep every value as a string)."""
    try:
        return json.loads(str(raw))
    except ValueError:
        return None


def _flag(raw: object) -> bool:
    # QSettings gives back a bool from the native store and "true"/"false" from an INI file.
    return raw is True or str(raw).lower() == "true"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
