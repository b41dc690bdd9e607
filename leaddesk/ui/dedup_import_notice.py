"""The "N possible duplicates found - Review" line that the import dialog shows after an import."""

from __future__ import annotations

import logging
import uuid

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QDialog, QLabel, QWidget
from sqlalchemy.orm import Session

from leaddesk.services.dedup.review import ReviewQueue, build_review_queue, leads_of_import
from leaddesk.services.importing import ImportReport
from leaddesk.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)


def scan_import(session: Session, batch_id: str) -> ReviewQueue:
    return build_review_queue(session, lead_ids=leads_of_import(session, batch_id))


def show_import_duplicates(dialog: QDialog, report: ImportReport) -> QLabel | None:
    """Scan the imported leads on the write lane and show the result under the dialog's status label.

    Returns the label, or None when the import stored nothing. The label's "Review" link opens
    the review queue limited to the imported leads, through the main window when it has one.
    """
    if report.dry_run or not report.batch_id or not (report.created or report.updated):
        return None
    runner: TaskRunner = dialog.runner
    label = QLabel(dialog.tr("Looking for possible duplicates of the imported leads..."), dialog)
    label.setObjectName("duplicatesNotice")
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
    layout = dialog.layout()
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(layout.indexOf(dialog.status_label) + 1, label)
    else:
        layout.addWidget(label)

    batch_id = report.batch_id
    runner.write(
        lambda session: scan_import(session, batch_id),
        on_success=lambda queue: _show_result(dialog, label, queue),
        on_failure=lambda error: _show_failure(label, error),
        description=dialog.tr("look for duplicates of the imported leads"),
    )
    return label


def _show_result(dialog: QDialog, label: QLabel, queue: ReviewQueue) -> None:
    if not shiboken6.isValid(label):
        return  # The dialog closed while the scan ran.
    count = len(queue.groups)
    if not count and not queue.auto_merged:
        label.setText(dialog.tr("No possible duplicates among the imported leads."))
        return
    text = dialog.tr("%n possible duplicate(s) found", "", count)
    if queue.auto_merged:
        text += " " + dialog.tr("(%n merged automatically)", "", len(queue.auto_merged))
    if count:
        text += ' - <a href="review">' + dialog.tr("Review") + "</a>"
    label.setText(text)
    lead_ids = list(queue.lead_ids or ())
    label.linkActivated.connect(lambda _link: open_review(dialog, lead_ids))


def _show_failure(label: QLabel, error: Exception) -> None:
    logger.warning("duplicate scan after import failed: %s", error)
    if shiboken6.isValid(label):
        label.setText(label.tr("Could not look for duplicates: {error}").format(error=error))


def open_review(dialog: QDialog, lead_ids: list[uuid.UUID]) -> QWidget:
    """Open the review queue for lead_ids: through the main window when it is the dialog's parent."""
    window = dialog.parentWidget()
    if window is not None and hasattr(window, "open_duplicates_dialog"):
        return window.open_duplicates_dialog(lead_ids)

    from leaddesk.ui.dedup_review_dialog import DuplicatesDialog

    review = DuplicatesDialog(dialog.runner, dialog, actor=getattr(dialog, "actor", None), lead_ids=lead_ids)
    review.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    review.open()
    return review
