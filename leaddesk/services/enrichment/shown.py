"""Display values of the derived fields: the typed value, else the derived one marked with its source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaddesk.services.enrichment.seniority import LEVELS_BY_KEY


@dataclass(frozen=True)
class DerivedField:
    """A shown field: its label, the typed column that wins (if any), the derived column and its source."""

    name: str
    label: str
    typed_column: str | None
    derived_column: str
    # Source of the derived value, as shown in "derived from phone".
    source: str


DERIVED_FIELDS = (
    DerivedField("domain", "Domain", "domain", "derived_domain", "e-mail"),
    DerivedField("free_mail", "Free mail", None, "is_free_mail", "e-mail"),
    DerivedField("country", "Country", "country", "derived_country", "phone"),
    DerivedField("region", "Region", "region", "derived_region", "phone"),
    DerivedField("timezone", "Timezone", None, "derived_timezone", "phone"),
    DerivedField("seniority", "Seniority", None, "seniority", "title"),
    DerivedField("department", "Department", None, "department", "title"),
    DerivedField("completeness", "Completeness", None, "completeness", "filled fields"),
)
FIELDS_BY_NAME = {field.name: field for field in DERIVED_FIELDS}


@dataclass(frozen=True)
class ShownValue:
    """A value to display; derived is True when no typed value exists and it comes from source."""

    text: str
    derived: bool
    source: str | None = None

    @property
    def note(self) -> str:
        """Return the marker shown beside a derived value, such as "derived from phone"."""
        return f"derived from {self.source}" if self.derived and self.source else ""


def shown_value(lead: Any, name: str) -> ShownValue | None:
    """Return the text to show for a field of DERIVED_FIELDS, or None when it has no value.

    lead is a Lead or any object with its attributes. A typed value always wins, and the
    derived one shows only while the typed column is blank.
    """
    field = FIELDS_BY_NAME[name]
    if field.typed_column:
        typed = getattr(lead, field.typed_column, None)
        if typed is not None and str(typed).strip():
            return ShownValue(str(typed), derived=False)
    value = getattr(lead, field.derived_column, None)
    if value is None or value == "":
        return None
    return ShownValue(format_derived(field.derived_column, value), derived=True, source=field.source)


def format_derived(column: str, value: Any) -> str:
    """Return a derived column's value as display text ("VP", "75%", "yes")."""
    if value is None:
        return ""
    if column == "seniority":
        level = LEVELS_BY_KEY.get(value)
        return level.label if level else str(value)
    if column == "completeness":
        return f"{value}%"
    if column == "is_free_mail":
        return "yes" if value else "no"
    return str(value)
