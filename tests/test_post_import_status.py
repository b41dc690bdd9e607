"""The window's post-import progress: status bar text, pause and resume, and the import dialog starting it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from sqlalchemy import func, select

from leaddesk.models import LeadEvaluation
from leaddesk.services import post_import_jobs
from leaddesk.services.importing import run_import
from leaddesk.services.post_import_jobs import pending_jobs
from leaddesk.ui.import_dialog import ImportDialog
from leaddesk.ui.post_import_status import PostImportStatus, post_import_status
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)


class Window(QMainWindow):
    """A main window that counts the refreshes that the finished job requests."""

    def __init__(self) -> None:
        super().__init__()
        self.refreshes = 0

    def refresh(self) -> None:
        self.refreshes += 1


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(post_import_jobs, "STEP_LEADS", 4)


def write_leads(path: Path, count: int) -> Path:
    lines = ["First Name,Email,Job Title"]
    lines += [f"Lead{index},lead{index}@company{index}.example,VP Sales" for index in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def evaluated_count(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(LeadEvaluation))


def open_window(qtbot) -> Window:
    window = Window()
    qtbot.addWidget(window)
    window.show()
    return window


def test_status_bar_shows_progress(qtbot, runner, database, tmp_path):
    run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    window = open_window(qtbot)
    status = post_import_status(window, runner)
    texts = []
    status.progressed.connect(lambda _fraction: texts.append(status.label.text()))

    with qtbot.waitSignal(status.finished, timeout=30_000):
        status.start()

    assert texts == [
        "Enriching and scoring the imported leads...",
        "Enriching and scoring 10 imported leads: 40%",
        "Enriching and scoring 10 imported leads: 80%",
        "Enriching and scoring 10 imported leads: 100%",
        # The last step finds the changed and stale phases empty and ends the job.
        "Enriching and scoring 10 imported leads: 100%",
    ]
    assert status.isHidden()
    assert window.refreshes == 1
    assert evaluated_count(database) == 10
    assert window.statusBar().currentMessage() == "The imported leads are enriched, routed and scored."
    assert post_import_status(window, runner) is status


def test_pause_then_resume(qtbot, runner, database, tmp_path):
    run_import(database, write_leads(tmp_path / "leads.csv", 10), now=NOW)
    window = open_window(qtbot)
    status = post_import_status(window, runner)

    def pause_once(fraction: float) -> None:
        if fraction > 0:
            status.progressed.disconnect(pause_once)
            status.pause()

    status.progressed.connect(pause_once)
    with qtbot.waitSignal(status.paused, timeout=30_000):
        status.start()

    assert status.label.text() == "Paused: 6 imported leads still to enrich and score."
    assert status.pause_button.text() == "Resume"
    assert evaluated_count(database) == 4
    with database.session() as session:
        assert [job.done for job in pending_jobs(session)] == [4]

    with qtbot.waitSignal(status.finished, timeout=30_000):
        status.pause_button.click()
    assert evaluated_count(database) == 10
    assert window.refreshes == 1


def test_import_dialog_starts_job(qtbot, runner, database, tmp_path):
    window = open_window(qtbot)
    dialog = ImportDialog(runner, write_leads(tmp_path / "leads.csv", 6), window, actor="tester")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)

    with qtbot.waitSignal(dialog.imported, timeout=30_000) as imported:
        dialog.import_button.click()
    report = imported.args[0]
    status = window.findChild(PostImportStatus)
    assert status is dialog.post_import
    qtbot.waitUntil(lambda: not status.running, timeout=30_000)

    assert "run in the background" in dialog.status_label.text()
    assert evaluated_count(database) == 6
    with database.session() as session:
        assert uuid.UUID(report.batch_id) not in {job.batch_id for job in pending_jobs(session)}
    assert window.refreshes == 1
