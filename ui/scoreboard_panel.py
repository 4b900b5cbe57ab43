"""The scoreboard: prompt x model columns ranked from blind A/B preferences.

Each preference is one game between the two columns its outputs came from (`stats.Game`); the
figures are `stats.standings`: wins, losses, ties, win rate, Bradley-Terry strength and Elo.
Strength is the ranking: it weighs whom a column beat, where the win rate only counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ui.history_model import plural
from workbench.ratings import Preference
from workbench.stats import Game, Standing, standings

Index = QModelIndex | QPersistentModelIndex
VALUE_ROLE = Qt.ItemDataRole.UserRole  # a cell's figure unformatted: int, float or str

# U+203A between menu and item, as menu paths are written; escaped: it looks like ">".
EMPTY_TEXT = "No blind A/B judgements yet: Results \u203a Blind A/B… (Ctrl+B)"

# (heading, tooltip) per column, in order.
COLUMNS = (
    ("#", "Rank by strength"),
    ("Prompt × model", "The column of the results grid the outputs came from"),
    ("Wins", "Pairs where this column's output was preferred"),
    ("Losses", "Pairs where the other output was preferred"),
    ("Ties", "Pairs judged a tie"),
    ("Win rate", "Wins plus half the ties, over the pairs judged"),
    (
        "Strength",
        (
            "Bradley-Terry strength (1 = average): P(i beats j) = s_i / (s_i + s_j). "
            "Pulled towards average while there are few judgements"
        ),
    ),
    ("P(beats average)", "The chance of being preferred over an average column: s / (s + 1)"),
    ("Elo", "Elo rating from 1000, k = 32, the judgements in the order they were made"),
)


def games_of(preferences: Sequence[Preference]) -> list[Game]:
    """One game per preference between two different columns, in the order given.

    A preference between two outputs of the same column (two runs of it) says nothing about
    how columns rank, and a game needs two players: it is left out.
    """
    return [
        Game(p.left.column, p.right.column, p.score)
        for p in preferences
        if p.left.column != p.right.column
    ]


class ScoreboardModel(QAbstractTableModel):
    """One row per column, best strength first; replaced wholesale by `set_standings`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Standing] = []

    def set_standings(self, rows: Sequence[Standing]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = self._value(index.row(), index.column())
        if role == VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return _shown(index.column(), value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() != 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _value(self, row: int, column: int) -> int | float | str:
        standing = self._rows[row]
        values: tuple[int | float | str, ...] = (
            row + 1,
            standing.player,
            standing.wins,
            standing.losses,
            standing.ties,
            standing.win_rate,
            standing.strength,
            standing.strength / (standing.strength + 1.0),
            standing.elo,
        )
        return values[column]


def _shown(column: int, value: int | float | str) -> str:
    heading = COLUMNS[column][0]
    if isinstance(value, str):
        return value
    if heading in ("Win rate", "P(beats average)"):
        return f"{value * 100:.0f}%"
    if heading == "Strength":
        return f"{value:.2f}"
    if heading == "Elo":
        return f"{value:.0f}"
    return str(value)


class ScoreboardPanel(QWidget):
    """The standings of the columns judged so far, or a line saying how to start judging."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreboardPanel")
        self._model = ScoreboardModel(self)
        self._summary = QLabel()
        self._summary.setObjectName("scoreboardSummary")
        self._summary.setWordWrap(True)
        self._table = QTableView()
        self._table.setObjectName("scoreboardTable")
        self._table.setModel(self._model)
        self._table.verticalHeader().hide()
        self._table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self._table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self._table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._summary)
        layout.addWidget(self._table, 1)
        self.set_preferences(())

    def set_preferences(self, prefs: Sequence[Preference]) -> None:
        """Rank the columns from every preference given (oldest first: Elo depends on order)."""
        games = games_of(prefs)
        rows = standings(games)
        self._model.set_standings(rows)
        self._table.setVisible(bool(rows))
        self._summary.setText(_summary(len(prefs), len(games), len(rows)))

    def model(self) -> ScoreboardModel:
        return self._model

    def summary_text(self) -> str:
        return self._summary.text()


def _summary(preferences: int, games: int, columns: int) -> str:
    if not preferences:
        return EMPTY_TEXT
    line = f"{plural(games, 'judgement')} over {plural(columns, 'column')}"
    if left_out := preferences - games:
        line += (
            f"; {plural(left_out, 'judgement')} between two outputs of the same column "
            "left out (they do not rank columns)"
        )
    return line
