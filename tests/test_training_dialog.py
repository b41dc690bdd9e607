"""The training dialog: carried exclusions as ticked boxes, and unticking one trains on that field again."""

from __future__ import annotations

import pytest

from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.store import model_store
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.tasks import TaskRunner
from leaddesk.ui.training_dialog import TrainingDialog
from predictive_history import build_closed_leads
from reporting_history import NOW


@pytest.fixture
def trained_tab(qtbot, database):
    """A dashboard tab over a database whose active model excluded Visits and Plan."""
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic", exclude=["Visits", "Plan"])
    tab = DashboardTab(TaskRunner(database, synchronous=True), clock=lambda: NOW)
    qtbot.addWidget(tab)
    tab.reload()
    return tab


def test_dialog_ticks_carried_exclusions(trained_tab):
    trained_tab.start_training()

    dialog = trained_tab.training_dialog
    assert isinstance(dialog, TrainingDialog)
    assert list(dialog.boxes) == ["Plan", "Visits"]
    assert all(box.isChecked() for box in dialog.boxes.values())
    assert dialog.lifted_fields() == []
    dialog.reject()


def test_untick_trains_on_field(qtbot, trained_tab, database):
    trained_tab.start_training()
    dialog = trained_tab.training_dialog
    dialog.boxes["Visits"].setChecked(False)

    with qtbot.waitSignal(trained_tab.training_finished, timeout=120_000) as finished:
        dialog.accept()

    result = finished.args[0]
    assert result.included == ["Visits"]
    assert "custom:Visits" in result.fields
    assert "custom:Plan" not in result.fields
    assert model_store(database).load(result.version).metadata["excluded"] == ["Plan"]
    assert trained_tab.training_dialog is None


def test_ticked_boxes_keep_exclusions(qtbot, trained_tab):
    trained_tab.start_training()

    with qtbot.waitSignal(trained_tab.training_finished, timeout=120_000) as finished:
        trained_tab.training_dialog.accept()

    result = finished.args[0]
    assert result.included == []
    assert "custom:Visits" not in result.fields
    assert "custom:Plan" not in result.fields


def test_cancel_trains_nothing(trained_tab, database):
    trained_tab.start_training()

    trained_tab.training_dialog.reject()

    assert model_store(database).versions() == [1]
    assert trained_tab.train_button.isEnabled()


def test_nothing_carried_trains_directly(qtbot, database):
    build_closed_leads(database, won=150, lost=250)
    tab = DashboardTab(TaskRunner(database, synchronous=True), clock=lambda: NOW)
    qtbot.addWidget(tab)
    tab.reload()

    with qtbot.waitSignal(tab.training_finished, timeout=120_000) as finished:
        tab.start_training()

    assert tab.training_dialog is None
    assert finished.args[0].version == 1
