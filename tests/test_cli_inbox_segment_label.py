"""`leaddesk inbox` shows the playbook's segment label, not the segment key."""

from __future__ import annotations

from datetime import datetime, timezone

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.auto_evaluation import SKIP_KEY


def test_inbox_table_segment_label(database, database_target, capsys):
    with database.session() as session:
        session.info[SKIP_KEY] = True
        session.add(Lead(full_name="Ida Ince", segment="mid_market_form", stage="new", custom_fields={},
                         received_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)))

    code = main(["inbox", "--db", database_target, "--now", "2026-03-02T10:00:00Z"])

    output = capsys.readouterr().out
    assert code == 0
    assert "mid_market_form" not in output
    assert "Mid-market" in output
