"""The values playbook conditions read from a lead: its columns, derived fields and activities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from leaddesk.models import Activity, Lead
from leaddesk.services.enrichment.mail_domain import mail_domain
from leaddesk.services.enrichment.seniority import seniority_at_least, seniority_of_title
from leaddesk.services.playbook.model import Playbook

# Timeline entries that LeadDesk writes itself; they never count as the lead's engagement.
SYSTEM_ACTIVITY_KINDS = frozenset(
    {
        "stage_change", "follow_up_set", "follow_up_done", "follow_up_snoozed", "import",
        "import_undone", "merge", "merge_undone", "escalation", "score_override", "assignment",
    }
)

# Upper bounds of the company size bands, in employees; above the last is "10001+".
SIZE_BANDS = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"), (1000, "501-1000"),
              (5000, "1001-5000"), (10000, "5001-10000"))

_COLUMNS = {
    "employees": "employee_count", "title": "title", "industry": "industry", "country": "country",
    "region": "region", "city": "city", "source": "source", "segment": "segment", "stage": "stage",
    "company": "company", "email": "email", "score": "score", "department": "department",
}


# The Lead columns each condition field reads; "custom.HEADER" fields read custom_fields.
FIELD_COLUMNS = {
    **{name: (column,) for name, column in _COLUMNS.items()},
    "seniority": ("title", "seniority"),
    "company_size_band": ("employee_count",),
    "free_mail": ("email", "is_free_mail"),
    "email_domain": ("email",),
    "domain": ("domain", "derived_domain"),
    "existing_customer": ("email", "domain", "derived_domain", "company"),
    "owner": ("owner_id",),
}


def company_size_band(employees: int | None) -> str | None:
    if employees is None:
        return None
    for upper, label in SIZE_BANDS:
        if employees <= upper:
            return label
    return "10001+"


class LeadFacts:
    """One lead's values at instant now, for conditions.LeadFactsLike."""

    def __init__(self, lead: Lead, playbook: Playbook, now: datetime, pending_activities: Sequence[Activity] = ()) -> None:
        self.lead = lead
        self.playbook = playbook
        self.now = now.astimezone(timezone.utc)
        # Activities added in the session but not yet in lead.activities, because they were added by lead_id.
        self.pending_activities = [activity for activity in pending_activities if activity not in lead.activities]

    def value(self, name: str) -> Any:
        lead = self.lead
        if name.startswith("custom."):
            return (lead.custom_fields or {}).get(name.removeprefix("custom."))
        if name in _COLUMNS:
            return getattr(lead, _COLUMNS[name])
        if name == "seniority":
            if lead.seniority:
                return lead.seniority
            level = seniority_of_title(lead.title)
            return level.key if level else None
        if name == "company_size_band":
            return company_size_band(lead.employee_count)
        if name == "free_mail":
            return lead.is_free_mail if lead.is_free_mail is not None else mail_domain(lead.email).is_free_mail
        if name == "email_domain":
            return lead.email.rsplit("@", 1)[1].casefold() if lead.email and "@" in lead.email else None
        if name == "domain":
            return lead.domain or lead.derived_domain
        if name == "existing_customer":
            return self.is_existing_customer()
        if name == "owner":
            return lead.owner.name if lead.owner else None
        raise KeyError(f"unknown condition field {name!r}")

    def company_domains(self) -> set[str]:
        lead = self.lead
        domains = {lead.domain, lead.derived_domain, mail_domain(lead.email).company_domain}
        return {domain.casefold().removeprefix("www.") for domain in domains if domain}

    def is_existing_customer(self) -> bool:
        if not self.playbook.customer_domains and not self.playbook.customer_companies:
            # The shipped playbook lists no customers, so skip deriving the lead's domains.
            return False
        if self.company_domains() & self.playbook.customer_domains:
            return True
        company = (self.lead.company or "").strip().casefold()
        return bool(company) and company in self.playbook.customer_companies

    def seniority_at_least(self, level: str) -> bool | None:
        known = self.value("seniority")
        if known is None:
            return None
        return seniority_at_least(known, level)

    def matching_activities(self, names: Sequence[str], since: datetime | None) -> list[datetime]:
        """Return when each engagement activity happened whose kind or summary matches one of names."""
        wanted = [name.casefold() for name in names]
        found = []
        for activity in [*self.lead.activities, *self.pending_activities]:
            if activity.kind in SYSTEM_ACTIVITY_KINDS:
                continue
            # An activity not yet flushed has no occurred_at; its column default will be the current time.
            occurred_at = activity.occurred_at or self.now
            if since is not None and occurred_at < since:
                continue
            if occurred_at > self.now:
                continue
            if activity_matches(activity.kind, activity.summary, wanted):
                found.append(occurred_at)
        return found


def activity_matches(kind: str, summary: str | None, folded_names: Sequence[str]) -> bool:
    """Return whether an activity's kind equals a name ("demo requested" matches demo_requested) or its summary contains one."""
    kind_words = kind.casefold().replace("_", " ")
    text = (summary or "").casefold()
    return any(name == kind_words or name in text for name in folded_names)
