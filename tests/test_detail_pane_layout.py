"""Detail pane layout at a 1400x880 window: values readable, no sideways scrolling, sequences above the fold."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel

from leaddesk.services.notifications.notifier import RecordingNotifier
from leaddesk.ui.main_window import MainWindow
from window_leads import Clock, add_overdue_and_waiting

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
WINDOW_SIZE = (1400, 880)
# A value narrower than this many pixels (or than its own text, if shorter) is unreadable.
MIN_VALUE_PIXELS = 60

LONG_FIELDS = {
    "city": "Mumbai",
    "region": "Maharashtra",
    "country": "IN",
    "source": "Direct Traffic from the partner website",
    "external_id": "8cc3a21e-ad21-4c3b-9c3e-fdfc0a1b2c3d",
    "next_follow_up_at": NOW + timedelta(days=1),
    "custom_fields": {
        "I agree to pay the amount through cheque": "No",
        "A free copy of Mastering The Interview": "Yes",
        "How did you hear about X Education": "Select",
        "Asymmetrique Activity Index": "02.Medium",
        # An imported sheet often brings dozens of columns, which make Details long.
        **{f"Imported column {number}": f"value {number}" for number in range(30)},
    },
}


@pytest.fixture
def window(qtbot, database) -> MainWindow:
    leads = add_overdue_and_waiting(database, NOW, overdue_fields=LONG_FIELDS)
    window = MainWindow(database, clock=Clock(NOW), actor="tester", notifier=RecordingNotifier())
    qtbot.addWidget(window)
    window.resize(*WINDOW_SIZE)
    window.show()
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["overdue"])
    qtbot.wait(50)
    return window


def _value_labels(pane) -> list[QLabel]:
    form = pane.fields_form
    labels = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is not None and isinstance(item.widget(), QLabel):
            labels.append(item.widget())
    return labels


def test_pane_has_no_horizontal_scroll(window):
    scroll = window.detail_pane.scroll_area

    assert not scroll.horizontalScrollBar().isVisible()
    assert scroll.widget().width() <= scroll.viewport().width()


def test_values_not_narrower_than_text(window):
    pane = window.detail_pane
    viewport = pane.scroll_area.viewport()
    labels = _value_labels(pane)

    assert len(labels) >= len(LONG_FIELDS)
    for label in labels:
        needed = min(label.fontMetrics().horizontalAdvance(label.text()), MIN_VALUE_PIXELS)
        assert label.width() >= needed, f"{label.text()!r} is {label.width()} px wide"
        right_edge = label.mapTo(viewport, label.rect().topRight()).x()
        assert right_edge <= viewport.width(), f"{label.text()!r} ends at {right_edge}, past the pane"


def test_sequences_panel_above_fold(window):
    pane = window.detail_pane
    viewport = pane.scroll_area.viewport()
    panel = window.triage.sequence_panel

    top = panel.mapTo(viewport, panel.rect().topLeft()).y()
    assert 0 <= top < viewport.height()
