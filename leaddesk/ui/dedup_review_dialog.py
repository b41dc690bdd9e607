"""The duplicates review queue: a cancellable scan, then groups by confidence to merge, reject or skip."""

from __future__ import annotations

import itertools
import logging
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from leaddesk.services.dedup.review import CancelFlag, ReviewQueue, ScanCancelled, build_review_queue
from leaddesk.services.dedup.scan import DuplicateGroup, mark_not_duplicate
from leaddesk.services.dedup.settings import load_auto_merge_enabled, load_thresholds, save_auto_merge_enabled
from leaddesk.ui.cancellable_dialog import CancellableDialog
from leaddesk.ui.dedup_alive import while_alive
from leaddesk.ui.merge_dialog import MergeDialog
from leaddesk.ui.tasks import ProgressRelay, TaskRunner, show_error

logger = logging.getLogger(__name__)

CONFIDENCE_COLUMN, LEADS_COLUMN, CONTACT_COLUMN, REASONS_COLUMN = range(4)
# The item data role that contains the key of a group row in DuplicatesDialog.groups, or the
# lead id text of a lead row. Plain int and str values, because Python objects stored in item
# data corrupted memory in PySide6 when dialogs closed.
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1


def mark_group_not_duplicate(session: Session, group: DuplicateGroup, actor: str | None) -> int:
    """Remember every pair of the group as "not a duplicate" and return how many pairs that is."""
    pairs = list(itertools.combinations(group.lead_ids, 2))
    for first, second in pairs:
        mark_not_duplicate(session, first, second, actor=actor)
    return len(pairs)


class DuplicatesDialog(CancellableDialog):
    """Scans on the write lane, because the scan stores refreshed match keys, and lists the groups found.

    lead_ids limits the queue to groups with one of those leads, as after an import.
    """

    # Emitted after a scan finished and its groups are listed.
    scanned = Signal()
    # Emitted when leads changed: a merge, an undo or an auto-merge. The window refreshes on it.
    leads_changed = Signal()
    # Emitted with the MergeResult of a merge made from this queue.
    merged = Signal(object)
    # Emitted with the MergeUndoReport when the merge dialog undid its merge.
    merge_undone = Signal(object)
    # Emitted with a lead id when the user asks to open that lead in the window.
    open_lead_requested = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        parent: QWidget | None = None,
        actor: str | None = None,
        lead_ids: list[uuid.UUID] | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.lead_ids = list(lead_ids) if lead_ids is not None else None
        self.queue: ReviewQueue | None = None
        # The listed groups by the key their row stores.
        self.groups: dict[int, DuplicateGroup] = {}
        self.merge_dialog: MergeDialog | None = None
        self._relay = ProgressRelay(self)
        self._relay.progressed.connect(self._on_progress)

        if self.lead_ids is None:
            self.setWindowTitle(self.tr("Duplicates"))
        else:
            self.setWindowTitle(self.tr("Possible duplicates of %n lead(s)", "", len(self.lead_ids)))

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("Confidence"), self.tr("Leads"), self.tr("E-mail and phone"), self.tr("Why")])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(CONFIDENCE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(LEADS_COLUMN, 320)
        header.resizeSection(CONTACT_COLUMN, 340)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(self._on_double_clicked)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 1000)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)

        self.auto_merge_check = QCheckBox(self.tr("Merge very likely duplicates automatically after a scan"), self)
        self.auto_merge_check.setEnabled(False)
        self.auto_merge_check.setToolTip(self.tr("Saved as auto_merge in the [duplicates] section of the playbook"))
        self.auto_merge_check.toggled.connect(self._save_auto_merge)

        self.merge_button = QPushButton(self.tr("Merge..."), self)
        self.merge_button.clicked.connect(self.merge_selected)
        self.not_duplicate_button = QPushButton(self.tr("Not a duplicate"), self)
        self.not_duplicate_button.setToolTip(self.tr("Remember that these leads are different people; later scans skip them"))
        self.not_duplicate_button.clicked.connect(self.mark_selected_not_duplicate)
        self.skip_button = QPushButton(self.tr("Skip"), self)
        self.skip_button.setToolTip(self.tr("Leave this group for later; the next scan lists it again"))
        self.skip_button.clicked.connect(self.skip_selected)
        self.rescan_button = QPushButton(self.tr("Scan again"), self)
        self.rescan_button.clicked.connect(self.scan)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)

        actions = QHBoxLayout()
        actions.addWidget(self.merge_button)
        actions.addWidget(self.not_duplicate_button)
        actions.addWidget(self.skip_button)
        actions.addStretch(1)
        actions.addWidget(self.auto_merge_check)

        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, stretch=1)
        bottom.addWidget(self.rescan_button)
        bottom.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, stretch=1)
        layout.addLayout(actions)
        layout.addWidget(self.progress_bar)
        layout.addLayout(bottom)
        self.resize(1100, 640)

        self._load_auto_merge()
        self.scan()

    # --- Scanning ---------------------------------------------------------------------------

    def scan(self) -> None:
        """Start a scan on the write lane, unless one runs."""
        if self.running:
            return
        cancel = CancelFlag()
        self._cancel = cancel
        relay = self._relay
        lead_ids = self.lead_ids
        self._clear_tree()
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.status_label.setText(self.tr("Scanning for duplicates..."))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setEnabled(True)
        self.rescan_button.setEnabled(False)
        self._update_buttons()

        # Translated here, because report runs on the worker thread, which must not touch this dialog.
        gathering = self.tr("Finding candidate pairs...")
        comparing = self.tr("Comparing candidate pairs: {done} of {total}")

        def report(done: int, total: int) -> None:
            # total is 0 while the scan still gathers its candidate pairs.
            if total <= 0:
                relay.progressed.emit(0.0, gathering)
                return
            relay.progressed.emit(done / total, comparing.format(done=f"{done:,}", total=f"{total:,}"))

        self.runner.write(
            lambda session: build_review_queue(session, lead_ids=lead_ids, progress=report, cancel=cancel),
            on_success=while_alive(self, self._on_scanned),
            on_failure=while_alive(self, self._on_scan_failed),
            description=self.tr("scan for duplicates"),
        )

    def _on_scanned(self, queue: ReviewQueue) -> None:
        self._cancel = None
        self.queue = queue
        self.progress_bar.setValue(1000)
        self.progress_bar.hide()
        self._finish_scan()
        for group in queue.groups:
            self.tree.addTopLevelItem(self._group_item(group))
        self.tree.expandAll()
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._show_count()
        if queue.auto_merged:
            merged = self.tr("Merged %n group(s) automatically; undo them from Leads > Merge history.", "", len(queue.auto_merged))
            self.status_label.setText(merged + " " + self.status_label.text())
            self.leads_changed.emit()
        self.scanned.emit()

    def _on_scan_failed(self, error: Exception) -> None:
        self._cancel = None
        self.progress_bar.hide()
        self._finish_scan()
        if isinstance(error, ScanCancelled):
            self.status_label.setText(self.tr("Scan cancelled. Nothing was changed."))
            return
        self.status_label.setText(self.tr("The scan failed: {error}").format(error=error))
        show_error(self, self.tr("scan for duplicates"), error)

    def _finish_scan(self) -> None:
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setEnabled(True)
        self.rescan_button.setEnabled(True)
        self._update_buttons()

    def _group_item(self, group: DuplicateGroup) -> QTreeWidgetItem:
        labels = self.queue.labels
        reasons: list[str] = []
        for pair in group.pairs:
            reasons.extend(reason for reason in pair.reasons if reason not in reasons)
        leads = self.tr("%n lead(s)", "", len(group.lead_ids))
        # One reason per line, because tree items elide long text instead of wrapping it.
        item = QTreeWidgetItem([f"{group.confidence:.2f}", leads, "", "\n".join(reasons)])
        key = len(self.groups)
        self.groups[key] = group
        item.setData(CONFIDENCE_COLUMN, GROUP_ROLE, key)
        item.setToolTip(REASONS_COLUMN, "\n".join(f"{pair.score:.2f}: {', '.join(pair.reasons)}" for pair in group.pairs))
        font = item.font(CONFIDENCE_COLUMN)
        font.setBold(True)
        for column in range(4):
            item.setFont(column, font)
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        item.setTextAlignment(CONFIDENCE_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for lead_id in group.lead_ids:
            label = labels.get(lead_id)
            name = label.describe() if label is not None else str(lead_id)
            contact = "\n".join(value for value in (label.email, label.phone) if value) if label is not None else ""
            child = QTreeWidgetItem(["", name, contact, ""])
            child.setData(LEADS_COLUMN, GROUP_ROLE, str(lead_id))
            for column in range(4):
                child.setTextAlignment(column, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            child.setToolTip(LEADS_COLUMN, self.tr("Double-click to open this lead"))
            item.addChild(child)
        return item

    def _clear_tree(self) -> None:
        # Selection signals sent while clear() deletes items would reach _update_buttons with deleted items.
        self.tree.blockSignals(True)
        try:
            self.tree.setCurrentItem(None)
            self.tree.clear()
            self.groups.clear()
        finally:
            self.tree.blockSignals(False)

    def _show_count(self) -> None:
        count = self.tree.topLevelItemCount()
        if count:
            self.status_label.setText(self.tr("%n group(s) to review, most likely first.", "", count))
        else:
            self.status_label.setText(self.tr("No possible duplicates left to review."))

    # --- Group actions ----------------------------------------------------------------------

    def selected_group(self) -> DuplicateGroup | None:
        item = self._selected_top_item()
        return self.groups.get(item.data(CONFIDENCE_COLUMN, GROUP_ROLE)) if item is not None else None

    def group_count(self) -> int:
        return self.tree.topLevelItemCount()

    def _selected_top_item(self) -> QTreeWidgetItem | None:
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item

    def _update_buttons(self) -> None:
        enabled = not self.running and self.selected_group() is not None
        for button in (self.merge_button, self.not_duplicate_button, self.skip_button):
            button.setEnabled(enabled)

    def merge_selected(self) -> MergeDialog | None:
        group = self.selected_group()
        if group is None:
            return None
        dialog = MergeDialog(self.runner, self.survivor_first(group), self, actor=self.actor)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.merged.connect(lambda _result: self._remove_group(group))
        dialog.merged.connect(self.merged)
        dialog.undone.connect(self.merge_undone)
        dialog.destroyed.connect(lambda: setattr(self, "merge_dialog", None))
        self.merge_dialog = dialog
        dialog.open()
        return dialog

    def survivor_first(self, group: DuplicateGroup) -> list[uuid.UUID]:
        """Return the group's leads, earliest received first, so the merge dialog proposes the oldest lead as survivor.

        The auto-merge keeps the earliest lead too, so links to the first contact stay valid.
        """
        labels = self.queue.labels if self.queue is not None else {}

        def received(lead_id: uuid.UUID) -> tuple:
            label = labels.get(lead_id)
            instant = label.received_at if label is not None else None
            return (instant is None, instant.isoformat() if instant else "", str(lead_id))

        return sorted(group.lead_ids, key=received)

    def mark_selected_not_duplicate(self) -> None:
        group = self.selected_group()
        if group is None:
            return
        actor = self.actor
        self.runner.write(
            lambda session: mark_group_not_duplicate(session, group, actor),
            on_success=while_alive(self, lambda _count: self._remove_group(group, self.tr("Remembered: not duplicates."))),
            description=self.tr("remember that the leads are not duplicates"),
        )

    def skip_selected(self) -> None:
        group = self.selected_group()
        if group is not None:
            self._remove_group(group, self.tr("Skipped; the next scan lists the group again."))

    def _remove_group(self, group: DuplicateGroup, message: str = "") -> None:
        """Remove the group's row, found by its leads, because a rescan may have replaced the row meanwhile."""
        index = next(
            (
                row
                for row in range(self.tree.topLevelItemCount())
                if self.groups[self.tree.topLevelItem(row).data(CONFIDENCE_COLUMN, GROUP_ROLE)].lead_ids == group.lead_ids
            ),
            -1,
        )
        if index < 0:
            return
        self.tree.blockSignals(True)
        try:
            self.tree.takeTopLevelItem(index)
        finally:
            self.tree.blockSignals(False)
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(min(index, self.tree.topLevelItemCount() - 1)))
        self._show_count()
        if message:
            self.status_label.setText(message + " " + self.status_label.text())
        self._update_buttons()

    def _on_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        lead_id = item.data(LEADS_COLUMN, GROUP_ROLE)
        if isinstance(lead_id, str):
            self.open_lead_requested.emit(uuid.UUID(lead_id))
        else:
            self.merge_selected()

    # --- Auto-merge setting -----------------------------------------------------------------

    def _load_auto_merge(self) -> None:
        # The write lane, because the first load moves settings rows of older databases into the playbook.
        self.runner.write(
            lambda session: (load_auto_merge_enabled(session), load_thresholds(session).auto_merge),
            on_success=while_alive(self, self._show_auto_merge),
            description=self.tr("read the duplicate settings"),
        )

    def _show_auto_merge(self, setting: tuple[bool, float]) -> None:
        enabled, threshold = setting
        self.auto_merge_check.blockSignals(True)
        self.auto_merge_check.setChecked(enabled)
        self.auto_merge_check.blockSignals(False)
        self.auto_merge_check.setText(
            self.tr("Merge groups scoring {threshold:.2f} or more automatically after a scan").format(threshold=threshold)
        )
        self.auto_merge_check.setEnabled(True)

    def _save_auto_merge(self, enabled: bool) -> None:
        self.runner.write(
            lambda session: save_auto_merge_enabled(session, enabled),
            description=self.tr("save the auto-merge setting"),
        )
