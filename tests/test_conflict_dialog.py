"""The edit and conflict dialogs in the real window, while a second user saves the same lead."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from leaddesk.models import Lead
from leaddesk.services.edit_conflicts import save_lead_edit
from leaddesk.services.lead_actions import lead_detail
from leaddesk.ui.conflict_dialog import MINE, THEIRS, ConflictDialog
from leaddesk.ui.main_window import MainWindow
from window_leads import Clock, add_overdue_and_waiting

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def window(qtbot, database):
    ids = add_overdue_and_waiting(database, NOW, overdue_fields={"company": "Acme", "city": "London"})
    window = MainWindow(database, clock=Clock(NOW), actor="ann")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.show_lead(ids["overdue"])
    qtbot.waitUntil(lambda: window.detail_pane.detail is not None and window.detail_pane.detail.id == ids["overdue"])
    yield window, ids["overdue"]
    window.close()


def bob_saves(reopen_database, lead_id, **changes) -> None:
    """Save an edit as a second user, through a database object of its own."""
    bob = reopen_database()
    with bob.session() as session:
        detail = lead_detail(session, lead_id)
        base = {name: getattr(detail, name) for name in changes}
        save_lead_edit(session, lead_id, base, changes, detail.row_version, "bob", NOW)


def stored(database, lead_id) -> Lead:
    with database.session() as session:
        return session.get(Lead, lead_id)


def edit_in_window(qtbot, window, **values) -> None:
    dialog = window.open_edit_lead_dialog()
    assert dialog is not None
    for name, value in values.items():
        dialog.edits[name].setText(value)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_edit_saves_without_conflict(qtbot, window, database):
    main, lead_id = window
    edit_in_window(qtbot, main, company="Acme Europe")

    qtbot.waitUntil(lambda: stored(database, lead_id).company == "Acme Europe")
    assert main.conflict_dialog is None


def test_conflict_dialog_shows_both_values(qtbot, window, database, reopen_database):
    main, lead_id = window
    bob_saves(reopen_database, lead_id, company="Bolt")
    edit_in_window(qtbot, main, company="Acme Europe")

    qtbot.waitUntil(lambda: main.conflict_dialog is not None)
    dialog = main.conflict_dialog
    assert dialog.findChild(object, "company_mine").text() == "Acme Europe"
    assert dialog.findChild(object, "company_theirs").text() == "Bolt"
    assert "bob" in dialog.findChild(object, "company_theirs").toolTip()
    assert not dialog.save_button.isEnabled()
    assert stored(database, lead_id).company == "Bolt"


def test_conflict_keep_mine(qtbot, window, database, reopen_database):
    main, lead_id = window
    bob_saves(reopen_database, lead_id, company="Bolt")
    edit_in_window(qtbot, main, company="Acme Europe")
    qtbot.waitUntil(lambda: main.conflict_dialog is not None)

    main.conflict_dialog.keep_mine_button.click()
    main.conflict_dialog.save_button.click()

    qtbot.waitUntil(lambda: stored(database, lead_id).company == "Acme Europe")


def test_conflict_take_theirs(qtbot, window, database, reopen_database):
    main, lead_id = window
    bob_saves(reopen_database, lead_id, company="Bolt")
    edit_in_window(qtbot, main, company="Acme Europe", title="VP Sales")
    qtbot.waitUntil(lambda: main.conflict_dialog is not None)

    main.conflict_dialog.take_theirs_button.click()
    with qtbot.waitSignal(main.lead_changed, timeout=10_000):
        main.conflict_dialog.save_button.click()

    lead = stored(database, lead_id)
    assert lead.company == "Bolt"
    assert lead.title == "VP Sales"


def test_conflict_pick_per_field(qtbot, window, database, reopen_database):
    main, lead_id = window
    bob_saves(reopen_database, lead_id, company="Bolt", city="Oslo")
    edit_in_window(qtbot, main, company="Acme Europe", city="Paris")
    qtbot.waitUntil(lambda: main.conflict_dialog is not None)
    dialog: ConflictDialog = main.conflict_dialog

    dialog.choose("company", MINE)
    assert not dialog.save_button.isEnabled()
    dialog.choose("city", THEIRS)
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(main.lead_changed, timeout=10_000):
        dialog.save_button.click()

    lead = stored(database, lead_id)
    assert lead.company == "Acme Europe"
    assert lead.city == "Oslo"


def test_conflict_cancel_saves_nothing(qtbot, window, database, reopen_database):
    main, lead_id = window
    bob_saves(reopen_database, lead_id, company="Bolt")
    edit_in_window(qtbot, main, company="Acme Europe", title="VP Sales")
    qtbot.waitUntil(lambda: main.conflict_dialog is not None)

    main.conflict_dialog.reject()

    assert "not saved" in main.statusBar().currentMessage()
    lead = stored(database, lead_id)
    assert lead.company == "Bolt"
    assert lead.title is None
