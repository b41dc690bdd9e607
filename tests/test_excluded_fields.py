"""Fields excluded in the app and on the command line: unknown names rejected, spellings merged into one field."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog

from leaddesk.services.predictive import carried_exclusions, excluded_fields, set_excluded_fields, train_conversion_model
from leaddesk.services.predictive.field_names import UnknownFieldError
from leaddesk.services.predictive.store import model_store
from leaddesk.ui.dashboard_tab import DashboardTab
from leaddesk.ui.tasks import TaskRunner
from predictive_history import build_closed_leads
from reporting_history import NOW


def test_unknown_name_rejected(database):
    build_closed_leads(database, won=10, lost=10)
    set_excluded_fields(database, ["Plan"])

    with pytest.raises(UnknownFieldError) as raised:
        set_excluded_fields(database, ["Visits", "Plann"])

    assert "'Plann'" in str(raised.value)
    assert "Plan" in str(raised.value)
    assert excluded_fields(database) == ["Plan"]


def test_spellings_saved_once(database):
    build_closed_leads(database, won=10, lost=10)

    saved = set_excluded_fields(database, ["custom:visits", "VISITS", "Visits", "Source"])

    assert saved == ["source", "Visits"]
    assert excluded_fields(database) == ["source", "Visits"]


def test_spellings_not_newly_excluded(database):
    build_closed_leads(database, won=150, lost=250)
    train_conversion_model(database, method="logistic", exclude=["custom:plan"])

    second = train_conversion_model(database, method="logistic", exclude=["PLAN", "Plan"])

    assert model_store(database).load(1).metadata["excluded"] == ["Plan"]
    assert model_store(database).load(2).metadata["excluded"] == ["Plan"]
    assert "fields now excluded" not in second.decision
    assert carried_exclusions(database).excluded == ["Plan"]


def exclude_in_dialog(qtbot, monkeypatch, database, typed: str) -> DashboardTab:
    """Open the dashboard on 20 closed leads, then enter typed in the excluded fields dialog and confirm it."""
    build_closed_leads(database, won=10, lost=10)
    tab = DashboardTab(TaskRunner(database, synchronous=True), clock=lambda: NOW)
    qtbot.addWidget(tab)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: (typed, True))

    tab.exclude_button.click()
    return tab


def test_dialog_rejects_unknown_name(qtbot, database, monkeypatch):
    tab = exclude_in_dialog(qtbot, monkeypatch, database, "Visits, Tagz")

    status = tab.model_status.text()
    assert "Excluded fields not saved" in status
    assert "'Tagz'" in status
    assert excluded_fields(database) == []


def test_dialog_saves_canonical_names(qtbot, database, monkeypatch):
    tab = exclude_in_dialog(qtbot, monkeypatch, database, "custom:plan, PLAN")

    assert excluded_fields(database) == ["Plan"]
    assert "Fields excluded from training: Plan" in tab.model_status.text()
