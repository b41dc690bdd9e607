"""Steps that tests of the import dialog take on a real ImportDialog and its worker threads."""

from __future__ import annotations

from pathlib import Path

from leaddesk.ui.import_dialog import ImportDialog
from leaddesk.ui.tasks import TaskRunner


def open_dialog(qtbot, runner: TaskRunner, source: Path) -> ImportDialog:
    """Show the import dialog for source and wait until its preview has loaded."""
    dialog = ImportDialog(runner, source, actor="tester")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None)
    return dialog


def import_in_dialog(qtbot, dialog: ImportDialog) -> None:
    with qtbot.waitSignal(dialog.import_finished, timeout=20_000):
        dialog.start_import()
