"""Warnings about routing rules that name reps the database does not have."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaddesk.models import Rep
from leaddesk.services.playbook.model import Playbook


def unknown_rep_warnings(session: Session, playbook: Playbook) -> list[str]:
    """Return one warning per routing rule rep that is not a rep in the database, in rule order.

    Reps enter the database when an import reads their name from an owner column.
    """
    known = set(session.scalars(select(Rep.name)))
    warnings = []
    for rule in playbook.routing:
        for name in rule.reps:
            if name not in known:
                warnings.append(
                    f"routing rule {rule.name!r} names the rep {name!r}, who is not a rep in this database, "
                    "so routing skips them; fix the name, or import leads whose owner column names the rep"
                )
    return warnings
