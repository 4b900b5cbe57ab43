"""The small dialog that asks for one provider's API key, characters hidden."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class KeyEntryDialog(QDialog):
    """Asks for one provider's key with the characters hidden; `take_key` empties the field."""

    def __init__(self, provider: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyEntryDialog")
        self.setWindowTitle(f"Set the {provider} API key")
        self._edit = QLineEdit(self)
        self._edit.setObjectName("keyEdit")
        self._edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._edit.setPlaceholderText("paste the key here")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setEnabled(False)
        self._edit.textChanged.connect(lambda text: self._ok.setEnabled(bool(text.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel(
            f"Paste the API key for {provider}. It is stored in the system keyring and "
            "replaces any key stored for it before.",
            self,
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self._edit)
        layout.addWidget(buttons)
        self.rejected.connect(self._edit.clear)  # accepted: `take_key` empties it

    def take_key(self) -> str:
        key = self._edit.text().strip()
        self._edit.clear()
        return key
