"""Offline enrichment: values derived from a lead's typed fields, without any network.

Each module contains one rule: mail_domain (company domain, free-mail flag), phone_geo
(country, area, timezone), seniority, department and completeness. derive computes
them all for one lead, and leaddesk.services.derived stores them.
"""

# Raise this when a rule or resource table changes, so refresh_derived recomputes every lead.
DERIVED_VERSION = 1

# The Lead columns that derive_values fills.
DERIVED_COLUMNS = (
    "derived_domain",
    "is_free_mail",
    "derived_country",
    "derived_country_code",
    "derived_region",
    "derived_timezone",
    "seniority",
    "seniority_rank",
    "department",
    "completeness",
)

# The Lead fields the derived columns are computed from.
SOURCE_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "domain",
    "linkedin_url",
    "city",
    "country",
    "industry",
    "employee_count",
)
