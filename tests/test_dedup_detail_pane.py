"""Secondary e-mails and phones of a lead in the detail pane, with the primary ones marked."""

from __future__ import annotations

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.lead_actions import lead_detail
from leaddesk.ui.detail_pane import DetailPane


def _form_rows(pane: DetailPane) -> dict[str, str]:
    form = pane.fields_form
    rows = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget().text()
        rows[label] = form.itemAt(row, form.ItemRole.FieldRole).widget().text()
    return rows


def _add(session, **fields) -> Lead:
    lead = Lead(custom_fields={}, **fields)
    session.add(lead)
    session.flush()
    return lead


def _shown(qtbot, detail) -> dict[str, str]:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(detail)
    return _form_rows(pane)


def test_pane_lists_secondary_values(qtbot, database: Database) -> None:
    with database.session() as session:
        lead = _add(
            session,
            first_name="Ann",
            email="ann@acme.com",
            phone="+1 415 555 0100",
            secondary_values={"emails": ["ann.lee@gmail.com", "ann@globex.com"], "phones": ["+44 20 7183 8750"]},
        )
        detail = lead_detail(session, lead.id)
    rows = _shown(qtbot, detail)

    assert detail.secondary_emails == ("ann.lee@gmail.com", "ann@globex.com")
    assert detail.secondary_phones == ("+44 20 7183 8750",)
    assert rows["Email:"] == "ann@acme.com (primary)"
    assert rows["Other e-mails:"] == "ann.lee@gmail.com\nann@globex.com"
    assert rows["Phone:"] == "+1 415 555 0100 (primary)"
    assert rows["Other phones:"] == "+44 20 7183 8750"


def test_pane_without_secondary_values(qtbot, database: Database) -> None:
    with database.session() as session:
        lead = _add(session, first_name="Ann", email="ann@acme.com", phone="+1 415 555 0100", secondary_values={})
        detail = lead_detail(session, lead.id)
    rows = _shown(qtbot, detail)

    assert rows["Email:"] == "ann@acme.com"
    assert rows["Phone:"] == "+1 415 555 0100"
    assert "Other e-mails:" not in rows
    assert "Other phones:" not in rows


def test_pane_secondary_without_primary(qtbot, database: Database) -> None:
    with database.session() as session:
        lead = _add(session, first_name="Ann", secondary_values={"emails": ["ann@acme.com"]})
        detail = lead_detail(session, lead.id)
    rows = _shown(qtbot, detail)

    assert "Email:" not in rows
    assert rows["Other e-mails:"] == "ann@acme.com"


def test_pane_after_merge(qtbot, database: Database) -> None:
    with database.session() as session:
        survivor = _add(session, first_name="Bill", last_name="Turner", email="bill@acme.com", phone="+1 415 555 0100",
                        secondary_values={})
        other = _add(session, first_name="William", last_name="Turner", email="w.turner@gmail.com",
                     phone="+1 415 555 0199", secondary_values={})
        merge_leads(session, survivor.id, [other.id], preset="survivor")
        detail = lead_detail(session, survivor.id)
    rows = _shown(qtbot, detail)

    assert rows["Email:"] == "bill@acme.com (primary)"
    assert rows["Other e-mails:"] == "w.turner@gmail.com"
    assert rows["Phone:"] == "+1 415 555 0100 (primary)"
    assert rows["Other phones:"] == "+1 415 555 0199"
