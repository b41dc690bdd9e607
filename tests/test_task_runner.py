"""The worker-thread runner when its owner goes away before a task finishes."""

from __future__ import annotations

import threading

import shiboken6

from leaddesk.ui.tasks import TaskRunner


def test_task_outliving_runner_is_silent(qtbot, database, capfd):
    runner = TaskRunner(database)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def work(_session):
        started.set()
        release.wait(5)
        finished.set()
        return 1

    runner.read(work)
    assert started.wait(5)
    shiboken6.delete(runner)
    release.set()
    assert finished.wait(5)
    # The task emits its result right after work returns.
    qtbot.wait(300)

    assert "Signal source has been deleted" not in capfd.readouterr().err
