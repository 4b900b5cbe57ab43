"""Which providers have a key, and where it comes from: a Qt table model over masked statuses.

The model never holds a key, only `secrets.mask` of it: what the table can show is all it has.
`read_key_statuses` does the keyring reads (which may wait on D-Bus) and runs off the GUI thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from workbench.secrets import ENV_VARS, KeyringUnavailableError, KeyStore, mask

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

STATUS_COLUMN = 2
CHECK_COLUMN = 3


@dataclass(frozen=True, slots=True)
class KeyStatus:
    text: str  # "in keyring: sk-...abcd", "from $OPENAI_API_KEY: sk-...abcd" or "not set"
    stored: bool  # in the keyring, so "Remove" has something to remove


@dataclass(frozen=True, slots=True)
class KeyStatuses:
    secure: bool  # a keyring the workbench may store keys in
    rows: Mapping[str, KeyStatus]


def keyring_call(action: Callable[[], T]) -> T:
    """Run a keyring call; the keyring's own faults become a message a person can act on."""
    from keyring.errors import KeyringError  # noqa: PLC0415 - loaded by the KeyStore already

    try:
        return action()
    except KeyringError as exc:
        why = str(exc) or type(exc).__name__
        raise KeyringUnavailableError(
            f"the system keyring did not answer ({why}); unlock it or log in again and retry, "
            "or set the provider's environment variable instead"
        ) from exc


def read_key_statuses(
    keys: KeyStore | None, environ: Mapping[str, str] | None = None
) -> KeyStatuses:
    """Every provider's status; blocks on the keyring, so call it on a background lane."""
    env = os.environ if environ is None else environ
    secure = keys is not None and keyring_call(keys.is_secure)
    store = keys if secure else None
    rows: dict[str, KeyStatus] = {}
    for provider, variable in ENV_VARS.items():
        stored = keyring_call(partial(store.get, provider)) if store is not None else None
        if stored:
            rows[provider] = KeyStatus(f"in keyring: {mask(stored)}", stored=True)
        elif env.get(variable):
            rows[provider] = KeyStatus(f"from ${variable}: {mask(env[variable])}", stored=False)
        else:
            rows[provider] = KeyStatus("not set", stored=False)
    return KeyStatuses(secure, rows)


class KeyStatusModel(QAbstractTableModel):
    """One row per provider the workbench knows a key variable for."""

    COLUMNS = ("Provider", "Environment variable", "Status", "Last check")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._providers = list(ENV_VARS)
        self._status: dict[str, KeyStatus] = {}
        self._checks: dict[str, str] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._providers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        provider = self._providers[index.row()]
        column = index.column()
        if column == 0:
            return provider
        if column == 1:
            return f"${ENV_VARS[provider]}"
        if column == STATUS_COLUMN:
            status = self._status.get(provider)
            return status.text if status is not None else "reading…"
        return self._checks.get(provider, "")  # the tooltip shows a long message whole

    # --- domain ---------------------------------------------------------------------------------

    def provider_at(self, row: int) -> str:
        return self._providers[row]

    def row_of(self, provider: str) -> int:
        return self._providers.index(provider)

    def is_stored(self, provider: str) -> bool:
        status = self._status.get(provider)
        return status is not None and status.stored

    def status_text(self, provider: str) -> str:
        return str(self.data(self.index(self.row_of(provider), STATUS_COLUMN)))

    def check_text(self, provider: str) -> str:
        return self._checks.get(provider, "")

    def set_statuses(self, rows: Mapping[str, KeyStatus]) -> None:
        self._status = {name: rows[name] for name in self._providers if name in rows}
        last = len(self._providers) - 1
        self.dataChanged.emit(self.index(0, STATUS_COLUMN), self.index(last, STATUS_COLUMN))

    def set_check(self, provider: str, text: str) -> None:
        self._checks[provider] = text
        cell = self.index(self.row_of(provider), CHECK_COLUMN)
        self.dataChanged.emit(cell, cell)
