"""Department of a job title, from the phrases in resources/title_departments.csv."""

from __future__ import annotations

from functools import lru_cache

from leaddesk.services.enrichment.title_phrases import find_phrases, load_phrase_table, title_words

DEPARTMENTS_FILE = "title_departments.csv"

DEPARTMENTS = (
    "Sales",
    "Marketing",
    "Engineering",
    "Product",
    "Finance",
    "HR/People",
    "Operations",
    "IT",
    "Legal",
    "Customer Success/Support",
    "Executive",
    "Other",
)
EXECUTIVE = "Executive"
OTHER = "Other"


def department_of_title(title: str | None) -> str | None:
    """Return the department a job title names, "Other" when it names none, or None without a title.

    The leftmost department word wins ("Sales Operations Manager" is Sales), and Executive
    only when no other department matches ("Co-founder & CTO" is Engineering).
    """
    if not title or not title.strip():
        return None
    return _department(title.strip())


@lru_cache(maxsize=65536)
def _department(title: str) -> str:
    matches = find_phrases(title_words(title), load_phrase_table(DEPARTMENTS_FILE))
    functional = [match.value for match in matches if match.value != EXECUTIVE]
    if functional:
        return functional[0]
    return EXECUTIVE if matches else OTHER
