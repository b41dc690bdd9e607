"""The lead detail pane's conversion probability and factors, on a real database with a trained model."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from leaddesk.services import conversion_summary, lead_actions
from leaddesk.services.predictive import train_conversion_model
from leaddesk.services.predictive.store import models_folder
from leaddesk.ui.detail_pane import DetailPane
from leaddesk.ui.main_window import MainWindow
from database_target import sqlite_files_only
from predictive_history import build_closed_leads

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def pane(qtbot) -> DetailPane:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    return pane


def show_lead(pane: DetailPane, database, lead_id) -> None:
    with database.session() as session:
        detail = lead_actions.lead_detail(session, lead_id)
    pane.show_detail(detail, NOW)


def test_probability_and_factors_shown(pane, database):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")

    show_lead(pane, database, leads[-1].id)

    assert pane.conversion_box.isVisibleTo(pane)
    assert pane.probability_label.text() == "Conversion probability: 5%"
    assert pane.factors_up_label.text() == "Pushing it up:\n• Plan: pro +0.7%"
    assert pane.factors_down_label.text() == "Pushing it down:\n• Lead source: web -55%\n• Visits: 3 -20%"
    assert pane.conversion_note_label.text() == "Model version 1, held-out AUC 0.977"
    assert pane.conversion_note_label.isVisibleTo(pane)


def test_no_model_one_grey_line(pane, database):
    leads = build_closed_leads(database, won=12, lost=60, open_leads=1)

    show_lead(pane, database, leads[-1].id)

    assert pane.conversion_box.isVisibleTo(pane)
    assert not pane.probability_label.isVisibleTo(pane)
    assert not pane.factors_up_label.isVisibleTo(pane)
    assert not pane.factors_down_label.isVisibleTo(pane)
    assert pane.conversion_note_label.isVisibleTo(pane)
    assert pane.conversion_note_label.text() == (
        "No validated conversion model: 12 won and 60 lost or disqualified leads, and training needs "
        "50 of each (38 more won, 0 more lost). Showing the playbook's rule score."
    )
    assert "gray" in pane.conversion_note_label.styleSheet()


def test_model_loaded_once_per_version(database):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=2)
    train_conversion_model(database, method="logistic")
    before = conversion_summary.model_load_count()

    with database.session() as session:
        first = lead_actions.lead_detail(session, leads[-1].id).conversion
        second = lead_actions.lead_detail(session, leads[-2].id).conversion
    after_two_reads = conversion_summary.model_load_count()
    train_conversion_model(database, method="logistic")
    with database.session() as session:
        retrained = lead_actions.lead_detail(session, leads[-1].id).conversion
        lead_actions.lead_detail(session, leads[-2].id)

    assert first.model_version == 1
    assert second.model_version == 1
    assert after_two_reads == before + 1
    assert retrained.model_version == 2
    assert conversion_summary.model_load_count() == before + 2


@sqlite_files_only
def test_unreadable_model_keeps_lead(pane, database, db_path):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    (models_folder(db_path) / "model-v1.skops").write_bytes(b"not a skops file")

    show_lead(pane, database, leads[-1].id)

    assert pane.name_label.text() == "Lead 400"
    assert not pane.probability_label.isVisibleTo(pane)
    assert pane.conversion_note_label.text().startswith("Conversion model version 1 cannot be loaded: ")
    assert "model-v1.skops is not a LeadDesk model" in pane.conversion_note_label.text()
    assert "leaddesk score train --force" in pane.conversion_note_label.text()


def test_window_shows_probability(qtbot, database):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=1)
    train_conversion_model(database, method="logistic")
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.show()

    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and window.model.row_data(0) is not None)
    rows = [row for row in range(window.model.rowCount()) if window.model.lead_id(row) == leads[-1].id]
    window.table.selectRow(rows[0])
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads[-1].id)

    assert window.detail_pane.probability_label.text() == "Conversion probability: 5%"
    assert window.detail_pane.factors_down_label.text() == "Pushing it down:\n• Lead source: web -55%\n• Visits: 3 -20%"
