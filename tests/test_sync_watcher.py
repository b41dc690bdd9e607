"""The window's sync watcher: a delivered segment is applied without a restart."""

from __future__ import annotations

from pathlib import Path

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.sync import create_team, join_team, sync_pass
from leaddesk.ui.sync_watcher import SyncWatcher
from leaddesk.ui.tasks import TaskRunner


def test_delivered_segment_appears(qtbot, tmp_path: Path) -> None:
    ann = Database.open(tmp_path / "ann.sqlite")
    bob = Database.open(tmp_path / "bob.sqlite")
    folder = tmp_path / "Team"
    create_team(ann, folder, "Team", person="Ann")
    join_team(bob, folder, person="Bob")
    runner = TaskRunner(bob)
    watcher = SyncWatcher(runner, folder)
    reports = []
    watcher.synced.connect(reports.append)
    watcher.start()
    qtbot.waitUntil(lambda: len(reports) >= 1, timeout=10_000)

    with ann.session() as session:
        session.add(Lead(first_name="Ada"))
    sync_pass(ann)  # writes a new segment: the watcher gets a folder-change signal

    def bob_has_ada() -> bool:
        with bob.session() as session:
            return session.query(Lead).filter_by(first_name="Ada").count() == 1

    qtbot.waitUntil(lambda: any(report.imported > 0 for report in reports), timeout=10_000)
    assert bob_has_ada()
    watcher.stop()
    runner.shut_down()
    runner.wait()
    ann.dispose()
    bob.dispose()
