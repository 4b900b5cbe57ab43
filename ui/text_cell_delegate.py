"""A table cell edited as a few lines of text: Enter saves, Shift+Enter (or Alt+Enter) breaks.

Case values, rubrics and schemas are often several lines; a one-line editor would hide them.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
EDITOR_LINES = 5


class TextCellDelegate(QStyledItemDelegate):
    def __init__(self, editor_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._editor_name = editor_name  # the editor's object name (tests find it by this)

    def createEditor(  # noqa: N802 - Qt's API
        self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index
    ) -> QWidget:
        editor = QPlainTextEdit(parent)
        editor.setObjectName(self._editor_name)
        editor.setTabChangesFocus(True)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QPlainTextEdit)
        editor.setPlainText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        editor.selectAll()

    def setModelData(  # noqa: N802 - Qt's API
        self, editor: QWidget, model: QAbstractItemModel, index: Index
    ) -> None:
        assert isinstance(editor, QPlainTextEdit)
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(  # noqa: N802 - Qt's API
        self, editor: QWidget, option: QStyleOptionViewItem, _index: Index
    ) -> None:
        rect = option.rect
        height = editor.fontMetrics().lineSpacing() * EDITOR_LINES + 8
        editor.setGeometry(rect.x(), rect.y(), max(rect.width(), 260), max(rect.height(), height))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's API
        if (
            isinstance(watched, QPlainTextEdit)
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            breaking = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
            if event.modifiers() & breaking:
                watched.insertPlainText("\n")
            else:
                self.commitData.emit(watched)
                self.closeEditor.emit(watched, QAbstractItemDelegate.EndEditHint.NoHint)
            return True
        return super().eventFilter(watched, event)
