"""The outcome fields the window offers for training, and the active model's one."""

from __future__ import annotations

from leaddesk.services.database import Database
from leaddesk.services.predictive.outcome_fields import yes_no_custom_fields
from leaddesk.services.predictive.train import active_settings


def outcome_choices(database: Database) -> tuple[list[str], str | None]:
    """Return the yes/no custom fields that could be the outcome and the active model's outcome field (None without one)."""
    with database.session() as session:
        fields = yes_no_custom_fields(session)
    return fields, active_settings(database).outcome_field
