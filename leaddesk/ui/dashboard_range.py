"""The dashboard's custom arrival range: two date edits, from and to, both days included."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QWidget

DATE_FORMAT = "yyyy-MM-dd"


def arrival_bounds(first_day: date, last_day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the [since, until) instants that cover first_day through last_day in zone.

    Raises ValueError naming both dates when last_day is before first_day.
    """
    if last_day < first_day:
        raise ValueError(
            f"Invalid date range: the end {last_day.isoformat()} is before its start {first_day.isoformat()}. "
            "Pick a 'to' date on or after the 'from' date."
        )
    since = datetime.combine(first_day, time.min, tzinfo=zone)
    until = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return since, until


class DateRangeEdit(QWidget):
    """From and to date edits with a label that shows why a range is rejected."""

    range_changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.first = self._date_edit(today - timedelta(days=30))
        self.last = self._date_edit(today)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020")
        self.error.setVisible(False)
        for widget in (QLabel(self.tr("from"), self), self.first, QLabel(self.tr("to"), self), self.last, self.error):
            layout.addWidget(widget)

    def _date_edit(self, day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(DATE_FORMAT)
        edit.dateChanged.connect(lambda _day: self.range_changed.emit())
        return edit

    def set_range(self, first_day: date, last_day: date) -> None:
        """Show first_day and last_day, emitting range_changed once."""
        for edit in (self.first, self.last):
            edit.blockSignals(True)
        self.first.setDate(QDate(first_day.year, first_day.month, first_day.day))
        self.last.setDate(QDate(last_day.year, last_day.month, last_day.day))
        for edit in (self.first, self.last):
            edit.blockSignals(False)
        self.range_changed.emit()

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """Return the [since, until) instants of the shown days, or None after showing why the range is invalid."""
        try:
            result = arrival_bounds(self.first.date().toPython(), self.last.date().toPython(), zone)
        except ValueError as error:
            self.error.setText(str(error))
            self.error.setVisible(True)
            return None
        self.error.clear()
        self.error.setVisible(False)
        return result
