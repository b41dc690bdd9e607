"""The duplicates window parts with real widgets and worker threads: review queue, merge dialog, new-lead hint."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from sqlalchemy import select

from leaddesk.models import Activity, DedupDecision, FollowUp, Lead, MergeOperation, Rep
from leaddesk.services.dedup.settings import load_auto_merge_enabled
from leaddesk.ui.dedup_review_dialog import DuplicatesDialog
from leaddesk.ui.lead_dialogs import NewLeadDialog
from leaddesk.ui.main_window import MainWindow
from leaddesk.ui.merge_dialog import MergeDialog
from leaddesk.ui.merge_history_dialog import MergeHistoryDialog
from leaddesk.ui.tasks import TaskRunner

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def leads(database) -> dict[str, uuid.UUID]:
    """A Turner pair with the same e-mail, each with notes, calls, tags and follow-ups, and a Lee pair by phone."""
    with database.session() as session:
        rep = Rep(name="Ana Ruiz")
        session.add(rep)
        session.flush()
        bill = Lead(
            first_name="Bill", last_name="Turner", email="bill.turner@gmail.com", company="Acme",
            received_at=NOW - timedelta(hours=3), updated_at=NOW - timedelta(hours=3), owner_id=rep.id,
            custom_fields={"Tags": "expo"}, next_follow_up_at=NOW + timedelta(days=2),
        )
        william = Lead(
            first_name="William", last_name="Turner", email="billturner@gmail.com", phone="+1 415 555 0100",
            title="CTO", company="Acme Inc", received_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(hours=1),
            custom_fields={"Tags": "pricing"}, next_follow_up_at=NOW + timedelta(days=1),
        )
        ann = Lead(first_name="Ann", last_name="Lee", phone="+44 20 7183 8750", company="Globex", received_at=NOW)
        anne = Lead(first_name="Ann", last_name="Lee", phone="020 7183 8750", country="GB", received_at=NOW)
        other = Lead(first_name="Zoe", last_name="Park", company="Initech", received_at=NOW)
        session.add_all([bill, william, ann, anne, other])
        session.flush()
        for lead, label, due in ((bill, "bill", NOW + timedelta(days=2)), (william, "william", NOW + timedelta(days=1))):
            session.add(Activity(lead_id=lead.id, kind="note", occurred_at=NOW - timedelta(hours=2), summary=f"note {label}"))
            session.add(Activity(lead_id=lead.id, kind="call", occurred_at=NOW - timedelta(hours=1), summary=f"call {label}"))
            session.add(FollowUp(lead_id=lead.id, due_at=due, note=f"follow up {label}"))
        return {"bill": bill.id, "william": william.id, "ann": ann.id, "anne": anne.id, "other": other.id}


@pytest.fixture
def runner(qtbot, database):
    runner = TaskRunner(database)
    yield runner
    runner.shut_down()


def _rows(database) -> dict:
    """Return every lead, activity and follow-up row, leaving out the columns every write changes."""
    skip = {"row_version", "updated_at", "updated_by"}
    with database.session() as session:
        return {
            "leads": {
                lead.id: {column.name: getattr(lead, column.name) for column in Lead.__table__.columns if column.name not in skip}
                for lead in session.scalars(select(Lead))
            },
            "activities": {
                activity.id: (activity.lead_id, activity.kind, activity.summary)
                for activity in session.scalars(select(Activity).where(Activity.kind.not_in(("merge", "merge_undone"))))
            },
            "follow_ups": {row.id: (row.lead_id, row.due_at, row.note, row.completed_at) for row in session.scalars(select(FollowUp))},
        }


def _open_review(qtbot, runner, **options) -> DuplicatesDialog:
    dialog = DuplicatesDialog(runner, actor="tester", **options)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.scanned, timeout=20_000):
        dialog.show()
    return dialog


def _open_merge(qtbot, runner, lead_ids) -> MergeDialog:
    dialog = MergeDialog(runner, lead_ids, actor="tester")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    return dialog


# --- Review queue ---------------------------------------------------------------------------


def test_review_lists_groups_by_confidence(qtbot, runner, leads) -> None:
    dialog = _open_review(qtbot, runner)

    assert dialog.group_count() == 2
    first = dialog.tree.topLevelItem(0)
    second = dialog.tree.topLevelItem(1)
    assert float(first.text(0)) >= float(second.text(0))
    assert set(dialog.groups[first.data(0, Qt.ItemDataRole.UserRole + 1)].lead_ids) == {leads["bill"], leads["william"]}
    assert "same e-mail billturner@gmail.com" in first.text(3)
    assert first.text(1) == "2 lead(s)"
    assert first.childCount() == 2
    assert {first.child(0).text(1), first.child(1).text(1)} == {"Bill Turner at Acme", "William Turner at Acme Inc"}
    assert {first.child(0).text(2), first.child(1).text(2)} == {"bill.turner@gmail.com", "billturner@gmail.com\n+1 415 555 0100"}
    assert first.isExpanded()
    assert dialog.progress_bar.isHidden()
    assert dialog.status_label.text() == "2 group(s) to review, most likely first."
    assert dialog.cancel_button.text() == "Close"


def test_review_skip_not_remembered(qtbot, runner, leads) -> None:
    dialog = _open_review(qtbot, runner)

    qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)

    assert dialog.group_count() == 1
    assert "Skipped" in dialog.status_label.text()
    with qtbot.waitSignal(dialog.scanned, timeout=20_000):
        qtbot.mouseClick(dialog.rescan_button, Qt.MouseButton.LeftButton)
    assert dialog.group_count() == 2


def test_review_not_duplicate_remembered(qtbot, runner, database, leads) -> None:
    dialog = _open_review(qtbot, runner)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    group = dialog.selected_group()

    qtbot.mouseClick(dialog.not_duplicate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.group_count() == 1)

    with database.session() as session:
        decisions = session.scalars(select(DedupDecision)).all()
        assert [(row.lead_low_id, row.lead_high_id) for row in decisions] == [tuple(sorted(group.lead_ids))]
        assert decisions[0].decided_by == "tester"
    with qtbot.waitSignal(dialog.scanned, timeout=20_000):
        dialog.scan()
    assert dialog.group_count() == 1
    assert set(dialog.selected_group().lead_ids) != set(group.lead_ids)


def test_review_cancel_stops_scan(qtbot, runner, database, leads) -> None:
    # Hold the write lane, so the scan cannot start before the cancel is set.
    gate = threading.Event()
    runner.job(lambda _database: gate.wait(10))
    dialog = DuplicatesDialog(runner, actor="tester")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.running

    dialog.reject()
    assert dialog.isVisible()
    assert dialog.status_label.text() == "Cancelling..."
    gate.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)

    assert dialog.status_label.text() == "Scan cancelled. Nothing was changed."
    assert dialog.group_count() == 0
    assert dialog.cancel_button.text() == "Close"


def test_review_limited_to_leads(qtbot, runner, leads) -> None:
    dialog = _open_review(qtbot, runner, lead_ids=[leads["anne"]])

    assert dialog.windowTitle() == "Possible duplicates of 1 lead(s)"
    assert dialog.group_count() == 1
    assert set(dialog.selected_group().lead_ids) == {leads["ann"], leads["anne"]}


def test_review_auto_merge_setting(qtbot, runner, database, leads) -> None:
    dialog = _open_review(qtbot, runner)
    qtbot.waitUntil(dialog.auto_merge_check.isEnabled)
    assert dialog.auto_merge_check.isChecked() is False

    dialog.auto_merge_check.setChecked(True)
    with qtbot.waitSignal(dialog.leads_changed, timeout=20_000):
        dialog.scan()
    qtbot.waitUntil(lambda: not dialog.running)

    with database.session() as session:
        assert load_auto_merge_enabled(session) is True
        operations = session.scalars(select(MergeOperation)).all()
        assert len(operations) == 1
        assert operations[0].survivor_id == leads["william"]
    assert dialog.group_count() == 1
    assert "Merged 1 group(s) automatically" in dialog.status_label.text()


# --- Merge dialog ---------------------------------------------------------------------------


def test_merge_dialog_shows_counts(qtbot, runner, leads) -> None:
    dialog = _open_merge(qtbot, runner, [leads["bill"], leads["william"]])

    texts = [widget.text() for widget in dialog.grid_host.findChildren(type(dialog.status_label))]
    assert "2 activities, 1 follow-up (1 open)" in texts
    assert "2026-03-02 11:00" in texts  # William's last update
    assert dialog.survivor_id() == leads["bill"]
    assert "email" in dialog.shown_fields
    assert "last_name" not in dialog.shown_fields  # identical in both leads
    assert dialog.secondary_label.text() == "Kept as secondary values: e-mails billturner@gmail.com."


def test_merge_dialog_presets(qtbot, runner, leads) -> None:
    dialog = _open_merge(qtbot, runner, [leads["bill"], leads["william"]])

    assert dialog.winners()["email"] == leads["bill"]
    assert dialog.winners()["phone"] == leads["william"]  # the survivor's is empty
    assert dialog.winners()["owner_id"] == leads["bill"]

    qtbot.mouseClick(dialog.preset_buttons["newest"], Qt.MouseButton.LeftButton)
    assert dialog.winners()["email"] == leads["william"]
    assert dialog.winners()["company"] == leads["william"]
    assert dialog.winners()["owner_id"] == leads["bill"]  # william has none
    assert dialog.secondary_label.text() == "Kept as secondary values: e-mails bill.turner@gmail.com."

    qtbot.mouseClick(dialog.preset_buttons["complete"], Qt.MouseButton.LeftButton)
    assert dialog.winners()["email"] == leads["william"]
    assert dialog.preset_buttons["complete"].isChecked()
    assert not dialog.preset_buttons["newest"].isChecked()

    dialog.set_survivor(leads["william"])
    qtbot.mouseClick(dialog.preset_buttons["survivor"], Qt.MouseButton.LeftButton)
    assert dialog.ordered_ids() == [leads["william"], leads["bill"]]
    assert dialog.winners()["first_name"] == leads["william"]


def test_merge_then_undo_every_row(qtbot, runner, database, leads) -> None:
    before = _rows(database)
    dialog = _open_merge(qtbot, runner, [leads["bill"], leads["william"]])
    dialog.choose("first_name", leads["william"])

    with qtbot.waitSignal(dialog.merged, timeout=10_000) as merged:
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    result = merged.args[0]
    assert result.survivor_id == leads["bill"]
    assert dialog.undo_button.isVisible()
    assert not dialog.merge_button.isEnabled()
    assert dialog.status_label.text() == "Merged 1 lead(s) into Bill Turner."
    after_merge = _rows(database)
    survivor = after_merge["leads"][leads["bill"]]
    assert survivor["first_name"] == "William"
    assert survivor["email"] == "bill.turner@gmail.com"
    assert survivor["phone"] == "+1 415 555 0100"
    assert survivor["secondary_values"] == {"emails": ["billturner@gmail.com"]}
    assert survivor["received_at"] == NOW - timedelta(days=1)
    assert survivor["next_follow_up_at"] == NOW + timedelta(days=1)
    assert after_merge["leads"][leads["william"]]["merged_into_id"] == leads["bill"]
    assert after_merge["leads"][leads["william"]]["deleted_at"] is not None
    assert {lead_id for lead_id, _kind, _summary in after_merge["activities"].values()} == {leads["bill"]}
    assert {row[0] for row in after_merge["follow_ups"].values()} == {leads["bill"]}
    assert len(after_merge["follow_ups"]) == 2

    with qtbot.waitSignal(dialog.undone, timeout=10_000):
        qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)

    after_undo = _rows(database)
    assert after_undo["activities"] == before["activities"]
    assert after_undo["follow_ups"] == before["follow_ups"]
    assert after_undo["leads"].keys() == before["leads"].keys()
    for lead_id, state in before["leads"].items():
        for name, value in state.items():
            assert after_undo["leads"][lead_id][name] == value, (lead_id, name)
    assert dialog.status_label.text() == "Merge undone: 1 lead(s) restored."
    assert not dialog.undo_button.isEnabled()
    with database.session() as session:
        history = session.execute(
            select(Activity.lead_id, Activity.kind).where(Activity.kind.in_(("merge", "merge_undone"))).order_by(Activity.kind)
        ).all()
    assert history == [(leads["bill"], "merge"), (leads["bill"], "merge_undone")]


def test_merge_dialog_merged_lead(qtbot, runner, database, leads) -> None:
    from leaddesk.services.dedup.merge import merge_leads

    with database.session() as session:
        merge_leads(session, leads["bill"], [leads["william"]])
    dialog = MergeDialog(runner, [leads["bill"], leads["william"]], actor="tester")
    qtbot.addWidget(dialog)
    dialog.show()

    qtbot.waitUntil(lambda: "already deleted or merged" in dialog.status_label.text(), timeout=10_000)
    assert not dialog.merge_button.isEnabled()


# --- Merge history --------------------------------------------------------------------------


def test_history_undoes_merge(qtbot, runner, database, leads) -> None:
    from leaddesk.services.dedup.merge import merge_leads

    with database.session() as session:
        merge_leads(session, leads["ann"], [leads["anne"]], actor="ana")
    dialog = MergeHistoryDialog(runner, actor="tester")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "Ann Lee"
    assert dialog.table.item(0, 3).text() == "ana"
    assert dialog.undo_button.isEnabled()

    with qtbot.waitSignal(dialog.undone, timeout=10_000):
        qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.item(0, 4).text().startswith("undone"), timeout=10_000)

    assert not dialog.undo_button.isEnabled()
    assert dialog.status_label.text() == "Merge undone: 1 lead(s) restored."
    with database.session() as session:
        assert session.get(Lead, leads["anne"]).deleted_at is None


# --- New lead -------------------------------------------------------------------------------


def _new_lead_dialog(qtbot, runner) -> NewLeadDialog:
    dialog = NewLeadDialog(runner, actor="tester", clock=lambda: NOW, debounce_ms=50)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_new_lead_hint_opens_existing(qtbot, runner, database, leads) -> None:
    with database.session() as session:
        from leaddesk.services.dedup.review import build_review_queue

        build_review_queue(session)  # stores the match keys of the fixture leads
    dialog = _new_lead_dialog(qtbot, runner)

    with qtbot.waitSignal(dialog.hint_updated, timeout=10_000):
        qtbot.keyClicks(dialog.edits["first_name"], "Ann")
        qtbot.keyClicks(dialog.edits["last_name"], "Lee")
        qtbot.keyClicks(dialog.edits["phone"], "+44 20 7183 8750")

    assert dialog.open_button.isVisible()
    assert dialog.hint_label.text().startswith("This may be Ann Lee")
    assert "same phone +442071838750" in dialog.hint_label.text()
    assert dialog.hint_label.text().endswith(" - open it instead?")
    with qtbot.waitSignal(dialog.open_existing_requested) as opened:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened.args[0] in (leads["ann"], leads["anne"])
    assert not dialog.isVisible()
    with database.session() as session:
        assert session.query(Lead).count() == 5


def test_new_lead_hint_phone_alone(qtbot, runner, database, leads) -> None:
    with database.session() as session:
        from leaddesk.services.dedup.review import build_review_queue

        build_review_queue(session)  # stores the match keys of the fixture leads
    dialog = _new_lead_dialog(qtbot, runner)

    with qtbot.waitSignal(dialog.hint_updated, timeout=10_000):
        qtbot.keyClicks(dialog.edits["phone"], "+44 20 7183 8750")

    assert dialog.open_button.isVisible()
    assert dialog.hint_label.text().startswith("This may be ")
    assert "same phone +442071838750" in dialog.hint_label.text()


def test_new_lead_no_hint_creates(qtbot, runner, database, leads) -> None:
    dialog = _new_lead_dialog(qtbot, runner)
    assert not dialog.create_button.isEnabled()

    with qtbot.waitSignal(dialog.hint_updated, timeout=10_000):
        qtbot.keyClicks(dialog.edits["first_name"], "Priya")
        qtbot.keyClicks(dialog.edits["email"], "priya@umbrella.example")
    assert not dialog.open_button.isVisible()
    with qtbot.waitSignal(dialog.created, timeout=10_000) as created:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    with database.session() as session:
        lead = session.get(Lead, created.args[0])
        assert lead.first_name == "Priya"
        assert lead.email == "priya@umbrella.example"
        assert lead.updated_by == "tester"
        assert lead.received_at == NOW


def test_new_lead_invalid_email(qtbot, runner, database, leads) -> None:
    dialog = _new_lead_dialog(qtbot, runner)
    qtbot.keyClicks(dialog.edits["email"], "priya at umbrella")

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=10_000)

    assert "'priya at umbrella' is not a valid address" in dialog.error_label.text()
    assert dialog.isVisible()
    assert dialog.create_button.isEnabled()


# --- Main window ----------------------------------------------------------------------------


@pytest.fixture
def window(qtbot, database, leads) -> MainWindow:
    window = MainWindow(database, clock=lambda: NOW, actor="tester")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)
    return window


def test_window_duplicates_menu(qtbot, window) -> None:
    assert window.duplicates_action.shortcut() == QKeySequence("Ctrl+Shift+D")
    assert window.new_lead_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    assert not window.undo_merge_action.isEnabled()

    window.duplicates_action.trigger()
    (dialog,) = window.findChildren(DuplicatesDialog)
    qtbot.waitUntil(lambda: dialog.group_count() == 2, timeout=20_000)
    window.duplicates_action.trigger()

    assert window.findChildren(DuplicatesDialog) == [dialog]
    qtbot.waitUntil(lambda: not dialog.running)
    dialog.reject()


def test_window_undo_last_merge(qtbot, window, database, leads) -> None:
    dialog = window.open_duplicates_dialog()
    qtbot.waitUntil(lambda: dialog.group_count() == 2, timeout=20_000)
    merge = dialog.merge_selected()
    qtbot.waitUntil(lambda: merge.preview is not None, timeout=10_000)

    with qtbot.waitSignal(dialog.merged, timeout=10_000):
        qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=10_000)
    assert dialog.group_count() == 1
    assert window.undo_merge_action.isEnabled()

    window.undo_merge_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=10_000)

    assert not window.undo_merge_action.isEnabled()
    assert window.last_merge is None
    with database.session() as session:
        assert session.scalars(select(Lead).where(Lead.deleted_at.is_not(None))).all() == []
    merge.close()
    dialog.close()


def test_window_new_lead_opens_existing(qtbot, window, leads) -> None:
    dialog = window.open_new_lead_dialog()

    dialog.open_existing_requested.emit(leads["other"])

    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["other"], timeout=10_000)


def test_import_dialog_duplicate_notice(qtbot, window, database, leads, tmp_path) -> None:
    from leaddesk.ui.import_dialog import ImportDialog

    csv_file = tmp_path / "new-leads.csv"
    csv_file.write_text("First Name,Last Name,Email\nBilly,Turner,Bill.Turner+expo@gmail.com\n", encoding="utf-8")
    window.open_import_dialog(csv_file)
    (dialog,) = window.findChildren(ImportDialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)

    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Review" in dialog.duplicates_label.text(), timeout=20_000)

    assert dialog.duplicates_label.text().startswith("1 possible duplicate(s) found - ")
    dialog.duplicates_label.linkActivated.emit("review")
    review = [child for child in window.findChildren(DuplicatesDialog) if child.lead_ids is not None]
    assert len(review) == 1
    qtbot.waitUntil(lambda: review[0].group_count() == 1, timeout=20_000)
    assert len(review[0].selected_group().lead_ids) == 3
    review[0].close()
    dialog.close()


def test_detail_timeline_names_merge(qtbot, window, database, leads) -> None:
    from leaddesk.services.dedup.merge import merge_leads

    with database.session() as session:
        merge_leads(session, leads["ann"], [leads["anne"]], actor="ana")

    window.open_lead(leads["ann"])
    qtbot.waitUntil(lambda: window.detail_pane.lead_id == leads["ann"], timeout=10_000)

    first = window.detail_pane.timeline_list.item(0).text()
    assert " · Merge · ana\n" in first
    assert first.endswith("Merged Ann Lee into this lead")


def test_review_proposes_earliest_survivor(qtbot, runner, leads) -> None:
    dialog = _open_review(qtbot, runner)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))

    merge = dialog.merge_selected()
    qtbot.waitUntil(lambda: merge.preview is not None, timeout=10_000)

    assert merge.survivor_id() == leads["william"]  # received a day before Bill
    assert dialog.survivor_first(dialog.selected_group()) == [leads["william"], leads["bill"]]
    # Delete the merge dialog while the test still holds its parent, which only Python owns here.
    merge.close()
    qtbot.waitUntil(lambda: dialog.merge_dialog is None)


def test_merge_dialog_closed_before_load(qtbot, runner, leads) -> None:
    # Hold the read pool, so the preview arrives after the dialog was deleted.
    gates = [threading.Event(), threading.Event()]
    for gate in gates:
        runner.read(lambda _session, gate=gate: gate.wait(10))
    merge = MergeDialog(runner, [leads["bill"], leads["william"]])
    merge.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    merge.show()
    with qtbot.waitSignal(merge.destroyed):
        merge.close()

    for gate in gates:
        gate.set()
    runner.wait()


def test_auto_merge_check_writes_playbook(qtbot, runner, database, leads) -> None:
    import tomllib

    from leaddesk.services.playbook import active_playbook_text, shipped_playbook_text

    dialog = _open_review(qtbot, runner)
    qtbot.waitUntil(dialog.auto_merge_check.isEnabled)

    dialog.auto_merge_check.setChecked(True)

    def written() -> bool:
        with database.session() as session:
            return tomllib.loads(active_playbook_text(session))["duplicates"]["auto_merge"] is True

    qtbot.waitUntil(written, timeout=20_000)
    with database.session() as session:
        text = active_playbook_text(session)
    changed = [line for line in text.splitlines() if line not in shipped_playbook_text().splitlines()]
    assert changed == ["auto_merge = true"]
