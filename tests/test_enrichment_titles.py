"""Seniority and department from job titles, including the titles of real export layouts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from leaddesk.services.enrichment.department import DEPARTMENTS, department_of_title
from leaddesk.services.enrichment.seniority import (
    LEVELS_BY_KEY,
    SENIORITY_LEVELS,
    level_named,
    seniority_at_least,
    seniority_of_title,
)
from leaddesk.services.enrichment.title_phrases import load_phrase_table

SENIORITY_CASES = [
    ("Head of Growth", "director"),
    ("SVP Sales", "vp"),
    ("Chief Revenue Officer", "c_level"),
    ("Sr. Software Engineer", "ic"),
    ("Co-founder & CEO", "c_level"),
    ("Founder & CEO", "c_level"),
    ("CEO/Founder", "c_level"),
    ("President & CEO", "c_level"),
    ("Owner", "c_level"),
    ("Managing Director", "c_level"),
    ("Managing Partner", "c_level"),
    ("Chief Information Security Officer", "c_level"),
    ("Vice President of Marketing", "vp"),
    ("Vice-President, Marketing", "vp"),
    ("V.P. Sales", "vp"),
    ("EVP, Global Operations", "vp"),
    ("Senior Vice President of Sales", "vp"),
    ("Assistant Vice President", "vp"),
    ("VP of Operations", "vp"),
    ("Director, Sales & Partnerships", "director"),
    ("Sr. Director of Engineering", "director"),
    ("Executive Director", "director"),
    ("General Manager, EMEA", "director"),
    ("Chief of Staff", "director"),
    ("Head of Procurement", "director"),
    ("Sales Manager, EMEA", "manager"),
    ("Engineering Manager", "manager"),
    ("Partner Manager", "manager"),
    ("Team Lead - Support", "manager"),
    ("Customer Support Supervisor", "manager"),
    ("Assistant Director", "manager"),
    ("Account Executive", "ic"),
    ("Executive Assistant to the CEO", "ic"),
    ("Software Engineer at CEO Labs", "ic"),
    ("Product Owner", "ic"),
    ("Marketing Specialist", "ic"),
    ("Data Analyst", "ic"),
    ("SDR", "ic"),
    ("Summer Intern", "ic"),
    ("Lead Engineer", "ic"),
    ("Directeur commercial", "director"),
]

UNKNOWN_TITLES = ["Student", "Ninja", "Happiness Hero", "", "   ", None]

DEPARTMENT_CASES = [
    ("Head of Growth", "Marketing"),
    ("SVP Sales", "Sales"),
    ("Chief Revenue Officer", "Sales"),
    ("Sr. Software Engineer", "Engineering"),
    ("Co-founder & CEO", "Executive"),
    ("Co-founder & CTO", "Engineering"),
    ("Chief People Officer", "HR/People"),
    ("Chief Financial Officer", "Finance"),
    ("VP of Operations", "Operations"),
    ("Head of Procurement", "Operations"),
    ("Director, Sales & Partnerships", "Sales"),
    ("Sales Operations Manager", "Sales"),
    ("Sales Engineer", "Sales"),
    ("Product Marketing Manager", "Marketing"),
    ("Senior Product Manager", "Product"),
    ("UX Designer", "Product"),
    ("FP&A Analyst", "Finance"),
    ("Controller", "Finance"),
    ("Talent Acquisition Partner", "HR/People"),
    ("Head of IT", "IT"),
    ("Systems Administrator", "IT"),
    ("General Counsel", "Legal"),
    ("Compliance Officer", "Legal"),
    ("Customer Success Manager", "Customer Success/Support"),
    ("Support Specialist", "Customer Success/Support"),
    ("VP Research & Development", "Engineering"),
    ("Directeur commercial", "Sales"),
    ("Founder", "Executive"),
    ("Student", "Other"),
]


@pytest.mark.parametrize(("title", "expected"), SENIORITY_CASES)
def test_seniority_of_title(title: str, expected: str) -> None:
    level = seniority_of_title(title)

    assert level is not None, f"{title!r} got no seniority"
    assert level.key == expected


@pytest.mark.parametrize("title", UNKNOWN_TITLES)
def test_seniority_unknown_title(title: str | None) -> None:
    assert seniority_of_title(title) is None


@pytest.mark.parametrize(("title", "expected"), DEPARTMENT_CASES)
def test_department_of_title(title: str, expected: str) -> None:
    assert department_of_title(title) == expected


def test_department_blank_title() -> None:
    assert department_of_title(None) is None
    assert department_of_title("  ") is None


def test_seniority_ranks_ordered() -> None:
    ranks = [level.rank for level in SENIORITY_LEVELS]

    assert ranks == [5, 4, 3, 2, 1]
    assert LEVELS_BY_KEY["c_level"].label == "C-level"
    assert LEVELS_BY_KEY["ic"].label == "IC"


def test_seniority_at_least_director() -> None:
    assert seniority_at_least("SVP Sales", "director") is True
    assert seniority_at_least("Head of Growth", "director") is True
    assert seniority_at_least("Chief Revenue Officer", "Director") is True
    assert seniority_at_least("Sales Manager, EMEA", "director") is False
    assert seniority_at_least("Sr. Software Engineer", "director") is False
    assert seniority_at_least("Student", "ic") is False
    assert seniority_at_least(None, "ic") is False


def test_seniority_at_least_level_names() -> None:
    assert seniority_at_least("vp", "director") is True
    assert seniority_at_least("C-level", "vp") is True
    assert seniority_at_least("c_level", "c_level") is True
    assert seniority_at_least("manager", "director") is False
    assert seniority_at_least("IC", "ic") is True


def test_seniority_at_least_unknown_minimum() -> None:
    with pytest.raises(ValueError, match="unknown seniority level 'boss'; use one of: c_level, vp"):
        seniority_at_least("CEO", "boss")


def test_level_named_aliases() -> None:
    assert level_named("C-suite").key == "c_level"
    assert level_named("Vice President").key == "vp"
    assert level_named("individual contributor").key == "ic"
    assert level_named("Head of Growth") is None


def test_phrase_tables_use_known_values() -> None:
    seniority_values = set(load_phrase_table("title_seniority.csv").values.values())
    department_values = set(load_phrase_table("title_departments.csv").values.values())

    assert seniority_values <= set(LEVELS_BY_KEY)
    assert department_values <= set(DEPARTMENTS)


# Title columns of the export layouts under formats/, and the Apollo seniority each Apollo
# label stands for.
_TITLE_HEADERS = ("Title", "Job Title", "Position", "Organization Title", "TITLE", "Person - Job title")
_APOLLO_SENIORITY = {"c suite": "c_level", "founder": "c_level", "vp": "vp", "director": "director",
                     "head": "director", "manager": "manager", "entry": "ic"}


def _titles_in(path: Path) -> list[tuple[str, dict[str, str]]]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next(index for index, line in enumerate(lines) if line.count(",") > 2)
    found = []
    for row in csv.DictReader(lines[start:]):
        headers = [name for name in _TITLE_HEADERS if name in row]
        if "Job Title" in headers:
            # Outlook's "Title" column is the salutation (Mr., Dr.), not the job.
            headers = ["Job Title"]
        for header in headers:
            if row[header] and row[header].strip():
                found.append((row[header], row))
    return found


def test_shared_titles_get_seniority(shared_data: Path) -> None:
    titles = [title for path in sorted((shared_data / "formats").glob("*.csv")) for title, _row in _titles_in(path)]
    with_level = [title for title in titles if seniority_of_title(title) is not None]
    with_department = [title for title in titles if department_of_title(title) not in (None, "Other")]

    assert len(titles) >= 20
    assert len(with_level) == len(titles), sorted(set(titles) - set(with_level))
    assert len(with_department) == len(titles), sorted(set(titles) - set(with_department))


def test_shared_titles_match_apollo(shared_data: Path) -> None:
    rows = _titles_in(shared_data / "formats" / "apollo_people_export.csv")
    compared = 0
    for title, row in rows:
        apollo = _APOLLO_SENIORITY.get(row["Seniority"].strip().casefold())
        if apollo is None:
            continue
        compared += 1
        assert seniority_of_title(title).key == apollo, f"{title!r}: Apollo says {row['Seniority']!r}"

    assert compared == 3
