"""Small constructors for the buttons every panel makes the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QToolButton


def tool_button(text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
    """A flat icon-like button (a symbol) with a tooltip saying what it does."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.clicked.connect(slot)
    return button


def push_button(text: str, tip: str, name: str, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button
