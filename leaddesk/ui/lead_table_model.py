"""The inbox table model: lead ids in inbox order, with row data fetched page by page from SQL.

The model keeps every matching id and loads the rows of a page only when the view requests
one of them. For 100,000 leads the ids take about 11 MB of UUID objects, plus 8 MB once
row_of() builds its index (tracemalloc, CPython 3.11). Page loads run on the TaskRunner's
read pool. Until a page arrives, its rows show the data of the previous refresh, or blank
cells on the first load.

Results may arrive out of order, so two rules decide what is shown. A page requested before
the latest set_lead_ids() is dropped (the generation counter). A row never replaces a cached
row of the same lead with a higher row_version, so a page read that started before a write
cannot undo the row that the write returned through update_rows().
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from leaddesk.services import inbox
from leaddesk.services.inbox import InboxRow
from leaddesk.services.sla import ResponseState
from leaddesk.ui.labels import (
    HIGHLIGHT_TEXT,
    STATE_BACKGROUNDS,
    duration_text,
    local_time,
    segment_short_label,
    stage_label,
    state_label,
)
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 200

# Rank of each MQL/SQL status, matching the "qualification" sort key of the inbox service.
QUALIFICATION_RANK = {"sql": 2, "mql": 1}


def grade_text(data: InboxRow) -> str:
    """Return the Grade cell: the grade and the MQL/SQL status, such as "B SQL", or "" before evaluation."""
    if data.grade is None:
        return ""
    if data.qualification is None:
        return data.grade
    return f"{data.grade} {data.qualification.upper()}"


def qualification_label(qualification: str | None) -> str:
    if qualification == "sql":
        return QCoreApplication.translate("LeadTableModel", "sales qualified (SQL)")
    if qualification == "mql":
        return QCoreApplication.translate("LeadTableModel", "marketing qualified (MQL)")
    return QCoreApplication.translate("LeadTableModel", "not qualified")

LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    # The InboxQuery.sort_key that sorts by this column in SQL.
    sort_key: str


COLUMNS = (
    Column("name", QT_TRANSLATE_NOOP("LeadTableModel", "Name"), "name"),
    Column("company", QT_TRANSLATE_NOOP("LeadTableModel", "Company"), "company"),
    Column("email", QT_TRANSLATE_NOOP("LeadTableModel", "Email"), "email"),
    Column("segment", QT_TRANSLATE_NOOP("LeadTableModel", "Segment"), "segment"),
    Column("stage", QT_TRANSLATE_NOOP("LeadTableModel", "Stage"), "stage"),
    Column("owner", QT_TRANSLATE_NOOP("LeadTableModel", "Owner"), "owner"),
    Column("score", QT_TRANSLATE_NOOP("LeadTableModel", "Score"), "score"),
    # The grade and the MQL/SQL status share one column, such as "B SQL", so the table fits 1400 pixels.
    Column("grade", QT_TRANSLATE_NOOP("LeadTableModel", "Grade"), "grade"),
    Column("received", QT_TRANSLATE_NOOP("LeadTableModel", "Received"), "received_at"),
    Column("due", QT_TRANSLATE_NOOP("LeadTableModel", "Response"), "due"),
)
COLUMN_INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
DUE_COLUMN = COLUMN_INDEX["due"]


class LeadTableModel(QAbstractTableModel):
    """Lead ids in inbox order, whose rows load lazily, a page at a time, through a TaskRunner."""

    # Emitted with the first and last row of a page whose data arrived.
    page_loaded = Signal(int, int)
    # Emitted when the user clicks a header: the InboxQuery.sort_key (None for priority order) and descending.
    sort_requested = Signal(object, bool)

    def __init__(self, runner: TaskRunner, page_size: int = DEFAULT_PAGE_SIZE, parent=None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._page_size = page_size
        self._ids: list[uuid.UUID] = []
        self._row_of_id: dict[uuid.UUID, int] | None = None
        self._rows: dict[uuid.UUID, InboxRow] = {}
        # Rows of the previous refresh, shown until their page is fetched again.
        self._previous_rows: dict[uuid.UUID, InboxRow] = {}
        self._loaded_pages: set[int] = set()
        self._requested_pages: set[int] = set()
        self._generation = 0
        self._now: datetime | None = None
        self.page_requests = 0

    # --- Contents -----------------------------------------------------------------------

    def set_lead_ids(self, ids: Sequence[uuid.UUID], now: datetime) -> None:
        """Replace the list with new ids in inbox order. Pages load again when shown."""
        self.beginResetModel()
        self._generation += 1
        self._ids = list(ids)
        self._row_of_id = None
        if self._loaded_pages:
            self._previous_rows = self._rows
        else:
            # No page of this generation arrived, so _rows contains at most rows from update_rows().
            self._previous_rows = {**self._previous_rows, **self._rows}
        self._rows = {}
        self._loaded_pages = set()
        self._requested_pages = set()
        self._now = now
        self.endResetModel()

    def update_rows(self, rows: Sequence[InboxRow]) -> None:
        """Show rows that a write returned, at their current positions, until the next refresh re-sorts them."""
        last_column = len(COLUMNS) - 1
        for data in rows:
            if not self._store(data):
                continue
            row = self.row_of(data.id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_column))

    def lead_id(self, row: int) -> uuid.UUID | None:
        if 0 <= row < len(self._ids):
            return self._ids[row]
        return None

    def row_of(self, lead_id: uuid.UUID) -> int | None:
        """Return the row of a lead, or None when it is not in the list."""
        if self._row_of_id is None:
            self._row_of_id = {value: row for row, value in enumerate(self._ids)}
        return self._row_of_id.get(lead_id)

    def row_data(self, row: int) -> InboxRow | None:
        """Return the loaded data of a row, requesting its page when it is not loaded yet."""
        lead_id = self.lead_id(row)
        if lead_id is None:
            return None
        page = row // self._page_size
        if page not in self._loaded_pages:
            self._request_page(page)
        return self._rows.get(lead_id) or self._previous_rows.get(lead_id)

    def is_page_loaded(self, page: int) -> bool:
        return page in self._loaded_pages

    @property
    def now(self) -> datetime | None:
        return self._now

    def state(self, row: int) -> ResponseState | None:
        data = self.row_data(row)
        if data is None or self._now is None:
            return None
        return data.state_at(self._now)

    # --- Clock --------------------------------------------------------------------------

    def tick(self, now: datetime, first_row: int, last_row: int) -> None:
        """Move the clock to now and repaint rows first_row..last_row (the visible ones).

        The due column of those rows changes every tick. A row whose state changed (it turned
        amber or red) repaints whole, so its background follows.
        """
        previous_now = self._now
        self._now = now
        if not self._ids or first_row > last_row:
            return
        first_row = max(first_row, 0)
        last_row = min(last_row, len(self._ids) - 1)

        self.dataChanged.emit(self.index(first_row, DUE_COLUMN), self.index(last_row, DUE_COLUMN))
        if previous_now is None:
            return
        last_column = len(COLUMNS) - 1
        for row in range(first_row, last_row + 1):
            data = self._rows.get(self._ids[row])
            if data is not None and data.state_at(previous_now) is not data.state_at(now):
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_column))

    # --- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default argument
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("LeadTableModel", COLUMNS[section].title)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == LEAD_ID_ROLE:
            return self.lead_id(row)
        data = self.row_data(row)
        if data is None:
            return None

        column = COLUMNS[index.column()].key
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(data, column)
        if role == SORT_ROLE:
            return self._sort_value(data, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(data, column)
        if role == STATE_ROLE:
            return data.state_at(self._now).value if self._now else data.state.value
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            state = data.state_at(self._now) if self._now else data.state
            if state not in STATE_BACKGROUNDS:
                return None
            return STATE_BACKGROUNDS[state] if role == Qt.ItemDataRole.BackgroundRole else HIGHLIGHT_TEXT
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "grade":
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Emit sort_requested so the owner re-queries in SQL. A negative column restores the priority order."""
        if column < 0 or column >= len(COLUMNS):
            self.sort_requested.emit(None, False)
            return
        self.sort_requested.emit(COLUMNS[column].sort_key, order == Qt.SortOrder.DescendingOrder)

    # --- Display ------------------------------------------------------------------------

    def _display(self, data: InboxRow, column: str) -> str:
        if column == "name":
            return data.name
        if column == "company":
            return data.company or ""
        if column == "email":
            return data.email or ""
        if column == "segment":
            return segment_short_label(data.segment, data.segment_label)
        if column == "stage":
            return stage_label(data.stage)
        if column == "owner":
            return data.owner_name or ""
        if column == "score":
            return str(data.score)
        if column == "grade":
            return grade_text(data)
        if column == "received":
            return local_time(data.received_at)
        return self._due_text(data)

    def _due_text(self, data: InboxRow) -> str:
        if data.first_contacted_at is not None:
            return state_label(ResponseState.CONTACTED)
        if data.closed:
            # A closed lead's deadline no longer runs, so it shows no countdown.
            return self.tr("closed")
        if data.response_due_at is None or self._now is None:
            return ""
        duration = duration_text(data.response_due_at - self._now)
        # A lead turns overdue at its deadline (see response_state), so the text changes there too.
        if self._now >= data.response_due_at:
            return self.tr("overdue by {duration}").format(duration=duration)
        return self.tr("due in {duration}").format(duration=duration)

    def _sort_value(self, data: InboxRow, column: str):
        if column == "score":
            return data.score
        if column == "grade":
            # Grades sort A first, and within a grade SQL before MQL before neither.
            return (data.grade or "~", -QUALIFICATION_RANK.get(data.qualification, 0))
        if column == "received":
            return data.received_at.timestamp()
        if column == "due":
            return data.response_due_at.timestamp() if data.response_due_at else float("inf")
        return self._display(data, column).casefold()

    def _tooltip(self, data: InboxRow, column: str) -> str | None:
        if column == "received":
            return data.received_at.isoformat()
        if column == "due" and data.response_due_at is not None:
            return QCoreApplication.translate("LeadTableModel", "Respond by {due}").format(
                due=local_time(data.response_due_at)
            )
        if column == "segment":
            return data.segment_label
        if column in ("score", "grade"):
            return self._score_tooltip(data)
        return None

    def _score_tooltip(self, data: InboxRow) -> str:
        if data.grade is None:
            return QCoreApplication.translate(
                "LeadTableModel", "Score {score} from the lead's data; not evaluated against the playbook yet"
            ).format(score=data.score)
        head = QCoreApplication.translate("LeadTableModel", "Score {score}, grade {grade}, {qualification}").format(
            score=data.score, grade=data.grade, qualification=qualification_label(data.qualification)
        )
        if not data.score_reasons:
            return head + "\n" + QCoreApplication.translate("LeadTableModel", "No scoring rule gave points")
        return "\n".join([head, *data.score_reasons])

    # --- Page loading -------------------------------------------------------------------

    def _request_page(self, page: int) -> None:
        if page in self._requested_pages or self._now is None:
            return
        self._requested_pages.add(page)
        self.page_requests += 1
        generation = self._generation
        ids = self._ids[page * self._page_size : (page + 1) * self._page_size]
        now = self._now
        self._runner.read(
            lambda session: inbox.fetch_rows(session, ids, now),
            on_success=lambda rows: self._on_page(generation, page, rows),
            on_failure=lambda error: self._on_page_failed(generation, page, error),
            description=QCoreApplication.translate("LeadTableModel", "load leads"),
        )

    def _on_page(self, generation: int, page: int, rows: list[InboxRow]) -> None:
        if generation != self._generation:
            return
        for data in rows:
            self._store(data)
        self._loaded_pages.add(page)
        first = page * self._page_size
        last = min(first + self._page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
            self.page_loaded.emit(first, last)

    def _store(self, data: InboxRow) -> bool:
        """Cache a row unless a newer row of the same lead is cached; return whether it was stored."""
        cached = self._rows.get(data.id) or self._previous_rows.get(data.id)
        if cached is not None and cached.row_version > data.row_version:
            self._rows[data.id] = cached
            return False
        self._rows[data.id] = data
        if data.id in self._previous_rows:
            self._previous_rows[data.id] = data
        return True

    def _on_page_failed(self, generation: int, page: int, error: Exception) -> None:
        # The page stays marked as requested, so repaints do not retry it every second.
        # The next refresh starts a new generation and tries again.
        logger.warning("loading page %d of the inbox (generation %d) failed: %s", page, generation, error)
