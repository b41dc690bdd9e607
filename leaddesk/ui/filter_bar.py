"""The filters above the inbox: saved-view tabs and a score filter, then stage, segment, owner and a debounced search box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QTabBar, QVBoxLayout, QWidget

from leaddesk.models import STAGES
from leaddesk.services.inbox import GRADES
from leaddesk.services.playbook import SegmentRule
from leaddesk.services.saved_views import SAVED_VIEWS
from leaddesk.ui.labels import stage_label

# Typing pauses shorter than this do not re-query, so a fast typist causes one query, not ten.
SEARCH_DEBOUNCE_MS = 300


@dataclass(frozen=True)
class Filters:
    # A key of saved_views.SAVED_VIEWS, or None for all leads.
    view: str | None = None
    stage: str | None = None
    segment: str | None = None
    owner: str | None = None
    search: str | None = None
    # InboxQuery.grade and InboxQuery.qualification; the score combo sets at most one of them.
    grade: str | None = None
    qualification: str | None = None


class FilterBar(QWidget):
    """Filter widgets that emit changed() once the user picks a value or stops typing."""

    changed = Signal()

    def __init__(self, segments: Sequence[SegmentRule], parent: QWidget | None = None) -> None:
        super().__init__(parent)

        # Saved views as tabs, which scroll instead of widening the window when names do not fit.
        self.view_tabs = QTabBar(self)
        self.view_tabs.setDrawBase(False)
        self.view_tabs.setUsesScrollButtons(True)
        self.view_tabs.setExpanding(False)
        self.view_tabs.addTab(self.tr("All leads"))
        self.view_tabs.setTabData(0, None)
        for index, view in enumerate(SAVED_VIEWS, start=1):
            self.view_tabs.addTab(self.tr(view.label))
            self.view_tabs.setTabData(index, view.key)

        self.stage_combo = QComboBox(self)
        self.stage_combo.addItem(self.tr("All stages"), None)
        for stage in STAGES:
            self.stage_combo.addItem(stage_label(stage), stage)

        self.segment_combo = QComboBox(self)
        self.segment_combo.addItem(self.tr("All segments"), None)
        for rule in segments:
            self.segment_combo.addItem(rule.label, rule.key)

        self.owner_combo = QComboBox(self)
        self.owner_combo.addItem(self.tr("All owners"), None)
        self.owner_combo.setMinimumContentsLength(12)

        # One combo for the playbook's grade and its MQL/SQL status, so the bar stays narrow.
        self.score_combo = QComboBox(self)
        self.score_combo.addItem(self.tr("Any score"), None)
        self.score_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for grade in GRADES:
            self.score_combo.addItem(self.tr("Grade {grade}").format(grade=grade), f"grade:{grade}")
        self.score_combo.addItem(self.tr("SQL"), "qualification:sql")
        self.score_combo.addItem(self.tr("MQL"), "qualification:mql")
        self.score_combo.addItem(self.tr("Not qualified"), "qualification:none")

        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Search name, email, company, title or phone"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(260)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.changed)

        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        # The score filter sits beside the scrolling tabs, because the row below already
        # sets the window's minimum width.
        top = QHBoxLayout()
        rows.addLayout(top)
        top.addWidget(self.view_tabs, stretch=1)
        top.addWidget(self.score_combo)
        layout = QHBoxLayout()
        rows.addLayout(layout)
        layout.addWidget(QLabel(self.tr("Stage:"), self))
        layout.addWidget(self.stage_combo)
        layout.addWidget(QLabel(self.tr("Segment:"), self))
        layout.addWidget(self.segment_combo)
        layout.addWidget(QLabel(self.tr("Owner:"), self))
        layout.addWidget(self.owner_combo)
        layout.addWidget(self.search_edit, stretch=1)

        self.view_tabs.currentChanged.connect(self.changed)
        for combo in (self.stage_combo, self.segment_combo, self.owner_combo, self.score_combo):
            combo.currentIndexChanged.connect(self.changed)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.search_edit.returnPressed.connect(self.flush_search)

    def filters(self) -> Filters:
        search = self.search_edit.text().strip()
        # The score combo's data is "grade:A" or "qualification:sql", and None for any score.
        score_filter = (self.score_combo.currentData() or ":").split(":", 1)
        return Filters(
            view=self.view_tabs.tabData(self.view_tabs.currentIndex()),
            stage=self.stage_combo.currentData(),
            segment=self.segment_combo.currentData(),
            owner=self.owner_combo.currentData(),
            search=search or None,
            grade=score_filter[1] if score_filter[0] == "grade" else None,
            qualification=score_filter[1] if score_filter[0] == "qualification" else None,
        )

    def set_owners(self, names: Sequence[str]) -> None:
        """Replace the owner choices, keeping the current choice when it still exists."""
        current = self.owner_combo.currentData()
        self.owner_combo.blockSignals(True)
        try:
            self.owner_combo.clear()
            self.owner_combo.addItem(self.tr("All owners"), None)
            for name in names:
                self.owner_combo.addItem(name, name)
            index = self.owner_combo.findData(current) if current else 0
            self.owner_combo.setCurrentIndex(max(index, 0))
        finally:
            self.owner_combo.blockSignals(False)
        if current and self.owner_combo.currentData() != current:
            self.changed.emit()

    def set_view_counts(self, counts: dict[str, int]) -> None:
        """Show each saved view's lead count beside its name, such as "My overdue (3)"."""
        for index, view in enumerate(SAVED_VIEWS, start=1):
            count = counts.get(view.key)
            label = self.tr(view.label)
            self.view_tabs.setTabText(index, label if count is None else f"{label} ({count})")

    def flush_search(self) -> None:
        """Apply pending search text now instead of after the debounce delay."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()
