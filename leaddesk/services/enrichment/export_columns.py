"""Export headers of the derived columns, which exports write after the typed lead fields."""

from __future__ import annotations

# Export header and the Lead column it is read from. Every header starts with "derived_" to
# mark the value as computed by LeadDesk, not typed. Importing an export ignores them.
DERIVED_EXPORT_COLUMNS = {
    "derived_domain": "derived_domain",
    "derived_free_mail": "is_free_mail",
    "derived_country": "derived_country",
    "derived_country_code": "derived_country_code",
    "derived_region": "derived_region",
    "derived_timezone": "derived_timezone",
    "derived_seniority": "seniority",
    "derived_department": "department",
    "derived_completeness": "completeness",
}
