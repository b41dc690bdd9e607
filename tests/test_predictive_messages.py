"""Messages for a database without a usable outcome: yes/no field hints and a field with no yes/no values."""

from __future__ import annotations

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.auto_evaluation import SKIP_KEY
from database_target import db_arg  # noqa: F401 (fixture)
from predictive_history import build_closed_leads


def _open_leads_with_fields(database) -> list:
    leads = build_closed_leads(database, won=0, lost=0, open_leads=20)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        for index, draft in enumerate(leads):
            lead = session.get(Lead, draft.id)
            lead.custom_fields = {**lead.custom_fields, "Converted": "Yes" if index % 2 else "No", "Tags": f"tag {index}"}
    return leads


def test_show_hints_yes_no_fields(database, db_arg, capsys):
    leads = _open_leads_with_fields(database)

    code = main(["score", "show", str(leads[0].id), "--db", db_arg])
    output = capsys.readouterr().out

    assert code == 0
    assert "0 won and 0 lost" in output
    assert "'Converted'" in output
    assert "--outcome-field 'Converted'" in output


def test_outcome_field_without_yes_no(database, db_arg, capsys):
    _open_leads_with_fields(database)

    code = main(["score", "train", "--db", db_arg, "--outcome-field", "tags"])
    error = capsys.readouterr().err

    assert code != 0
    assert "Tags holds no yes/no values" in error
    assert "'Converted'" in error
