"""The process that converts an import's rows starts without the database layer."""

from __future__ import annotations

import subprocess
import sys

from leaddesk import lead_fields
from leaddesk.models import lead


def test_worker_skips_sqlalchemy():
    # The worker is a fresh interpreter. Loading SQLAlchemy and the table classes took 0.27 s
    # of its 0.41 s start-up, and the importing process waits for the first chunk meanwhile.
    code = "import sys, leaddesk.services.importing.worker; print(sorted(m for m in sys.modules if m.startswith('sqlalchemy'))[:3])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_models_reexport_field_names():
    assert lead.normalize_phone is lead_fields.normalize_phone
    assert lead.NAME_FIELDS == ("first_name", "last_name", "full_name")
    assert lead.normalize_phone("+1 (555) 010-2030") == "15550102030"
    assert lead.normalize_phone("0") is None
