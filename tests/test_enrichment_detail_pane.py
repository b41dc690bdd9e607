"""Derived values in the detail pane: grey italics, marked with their source, typed values first."""

from __future__ import annotations

from PySide6.QtGui import QPalette

from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.derived import refresh_derived
from leaddesk.services.lead_actions import lead_detail
from leaddesk.ui.derived_rows import DERIVED_OBJECT_NAME
from leaddesk.ui.detail_pane import DetailPane


def _form_rows(pane: DetailPane) -> dict[str, tuple[str, str]]:
    form = pane.fields_form
    rows = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget().text()
        field = form.itemAt(row, form.ItemRole.FieldRole).widget()
        rows[label] = (field.text(), field.objectName())
    return rows


def _detail(database: Database, **fields):
    with database.session() as session:
        lead = Lead(custom_fields={}, secondary_values={}, **fields)
        session.add(lead)
        session.flush()
        refresh_derived(session, [lead.id])
        return lead_detail(session, lead.id)


def test_pane_marks_derived_values(qtbot, database: Database) -> None:
    detail = _detail(
        database, first_name="Ana", email="ana@eu.acme.co.uk", phone="+49 30 5550 1234", title="SVP Sales"
    )
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(detail)
    rows = _form_rows(pane)

    assert rows["Domain:"] == ("acme.co.uk (derived from e-mail)", DERIVED_OBJECT_NAME)
    assert rows["Free mail:"] == ("no (derived from e-mail)", DERIVED_OBJECT_NAME)
    assert rows["Country:"] == ("Germany (derived from phone)", DERIVED_OBJECT_NAME)
    assert rows["Region:"] == ("Berlin (derived from phone)", DERIVED_OBJECT_NAME)
    assert rows["Timezone:"] == ("Europe/Berlin (derived from phone)", DERIVED_OBJECT_NAME)
    assert rows["Seniority:"] == ("VP (derived from title)", DERIVED_OBJECT_NAME)
    assert rows["Department:"] == ("Sales (derived from title)", DERIVED_OBJECT_NAME)
    assert rows["Completeness:"] == ("60% (derived from filled fields)", DERIVED_OBJECT_NAME)
    label = pane.findChild(type(pane.name_label), DERIVED_OBJECT_NAME)
    assert label.font().italic()
    assert label.palette().color(QPalette.ColorRole.WindowText) == pane.palette().color(QPalette.ColorRole.PlaceholderText)
    assert pane.name_label.palette().color(QPalette.ColorRole.WindowText) != label.palette().color(QPalette.ColorRole.WindowText)


def test_pane_typed_country_not_derived(qtbot, database: Database) -> None:
    detail = _detail(database, first_name="Ana", phone="+49 30 5550 1234", country="Deutschland")
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show_detail(detail)
    rows = _form_rows(pane)

    assert "Country:" not in rows
    assert rows["Location:"][0] == "Deutschland"
    assert rows["Timezone:"] == ("Europe/Berlin (derived from phone)", DERIVED_OBJECT_NAME)
