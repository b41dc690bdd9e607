"""Checking and normalizing single values and headers: e-mail, counts, stages, dates, synonyms."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from leaddesk.services.importing.dates import DateParser, DayMonthEvidence, locale_day_first
from leaddesk.services.importing.mapping import (
    build_plan,
    field_for_header,
    is_identifier_header,
    mapping_warnings,
    suggest_mapping,
)
from leaddesk.services.importing.names import split_full_name
from leaddesk.services.importing.numformat import digit_pattern_text
from leaddesk.services.importing.shapes import column_shape
from leaddesk.services.importing.values import (
    InvalidValue,
    check_digits_kept,
    clean_text,
    parse_email,
    parse_employee_count,
    parse_phone,
    parse_stage,
)
from leaddesk.services.importing import MappingError

UTC = timezone.utc
TODAY = date(2026, 3, 2)


def parser(zone: str = "UTC", day_first: bool = False) -> DateParser:
    return DateParser(ZoneInfo(zone), day_first=day_first, today=TODAY)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("Work Email", "email"),
        ("E-mail 1 - Value", "email"),
        ("E-mail Address", "email"),
        ("EMAIL", "email"),
        ("Person - Email - Work", "email"),
        ("Company Name", "company"),
        ("Company / Account", "company"),
        ("Organization Name", "company"),
        ("Person - Organization", "company"),
        ("Job Title", "title"),
        ("Position", "title"),
        ("Organization Title", "title"),
        ("First Name", "first_name"),
        ("FIRSTNAME", "first_name"),
        ("Last Name", "last_name"),
        ("Person - Name", "full_name"),
        ("Work Direct Phone", "phone"),
        ("Mobile Phone", "phone"),
        ("Business Phone", "phone"),
        ("Phone 1 - Value", "phone"),
        ("Phone Number", "phone"),
        ("Person - Phone - Mobile", "phone"),
        ("Website URL", "website"),
        ("Person Linkedin Url", "linkedin_url"),
        ("City", "city"),
        ("Address 1 - City", "city"),
        ("State/Region", "region"),
        ("Country/Region", "country"),
        ("Business Country/Region", "country"),
        ("Industry", "industry"),
        ("# Employees", "employee_count"),
        ("Number of Employees", "employee_count"),
        ("Company size", "employee_count"),
        ("Lead Source", "source"),
        ("Lifecycle Stage", "stage"),
        ("Lead Status", "stage"),
        ("Contact owner", "owner"),
        ("Lead Owner", "owner"),
        ("Create Date", "received_at"),
        ("Created Date", "received_at"),
        ("CREATEDDATE", "received_at"),
        ("Connected On", "received_at"),
        ("Person - Person created", "received_at"),
        ("Record ID", "external_id"),
        ("ID", "external_id"),
        ("Lead Number", "external_id"),
        ("Prospect ID", "external_id"),
        ("Person - ID", "external_id"),
    ],
)
def test_header_synonym(header: str, field: str):
    assert field_for_header(header) == field


@pytest.mark.parametrize(
    "header",
    [
        "E-mail 1 - Label",
        "Email Status",
        "Company Name for Emails",
        "Company Phone",
        "Company Linkedin Url",
        "Primary Email Source",
        "Do Not Email",
        "OWNERID",
        "IP City",
        "Lead Quality",
        "Country/Region Code",
    ],
)
def test_header_stays_custom(header: str):
    assert field_for_header(header) is None


def test_mapping_first_column_wins():
    mapping = suggest_mapping(["Email", "Work email", "Notes", "Tags"])

    assert mapping == {
        "Email": "email",
        "Work email": "custom:Work email",
        "Notes": "notes",
        "Tags": "custom:Tags",
    }


def test_mapping_specific_beats_generic():
    mapping = suggest_mapping(["Title", "First Name", "Job Title"])

    assert mapping["Job Title"] == "title"
    assert mapping["Title"] == "custom:Title"


def test_mapping_linkedin_by_values():
    sample = [["https://www.linkedin.com/in/ann"], ["https://linkedin.com/in/bo"]]

    assert suggest_mapping(["URL"], sample) == {"URL": "linkedin_url"}
    assert suggest_mapping(["URL"], [["https://acme.example"]]) == {"URL": "website"}


def test_plan_fallback_columns():
    headers = ["Email", "Phone", "Mobile Phone", "Tags"]

    plan = build_plan(headers, None)

    assert plan.columns_by_field["phone"] == (1, 2)
    assert plan.custom_keys == {2: "Mobile Phone", 3: "Tags"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # Outlook lists Home Phone first.
        (["Home Phone", "Business Phone", "Mobile Phone", "Other Phone"], (1, 2, 0, 3)),
        # HubSpot lists Mobile Phone Number first.
        (["Mobile Phone Number", "Phone Number"], (1, 0)),
        (["Person - Phone - Home", "Person - Phone - Mobile", "Person - Phone - Work"], (2, 1, 0)),
        (["Cell", "Telephone"], (1, 0)),
        (["Home Phone", "Work Direct Phone", "Corporate Phone"], (1, 2, 0)),
    ],
)
def test_plan_prefers_work_phone(headers: list[str], expected: tuple[int, ...]):
    plan = build_plan(headers, None)

    assert plan.columns_by_field["phone"] == expected
    assert sorted(plan.custom_keys) == sorted(expected[1:])


def test_explicit_phone_mapping_kept():
    headers = ["Home Phone", "Business Phone"]

    plan = build_plan(headers, {"Home Phone": "phone", "Business Phone": "custom:Business Phone"})

    assert plan.columns_by_field["phone"] == (0, 1)
    assert plan.custom_keys == {1: "Business Phone"}


def test_plan_user_mapping_checked():
    with pytest.raises(MappingError, match="no such header"):
        build_plan(["Email"], {"E-mail": "email"})
    with pytest.raises(MappingError, match="unknown lead field"):
        build_plan(["Email"], {"Email": "mail"})


def test_plan_user_mapping_renames_custom():
    plan = build_plan(["Email", "Notes"], {"Email": "email", "Notes": "custom:Remarks"})

    assert plan.custom_keys == {1: "Remarks"}
    assert "notes" not in plan.columns_by_field


@pytest.mark.parametrize(
    ("text", "email", "normalized"),
    [
        ("  Marta.Q@Brindle.Example ", "Marta.Q@Brindle.Example", "marta.q@brindle.example"),
        ("mailto:ann@example.com", "ann@example.com", "ann@example.com"),
        ("MailTo:Ann@Example.com", "Ann@Example.com", "ann@example.com"),
        ("MAILTO:Ann Lee <ann@example.com>", "ann@example.com", "ann@example.com"),
        ("Ann Lee <ann@example.com>", "ann@example.com", "ann@example.com"),
        ("zoë@café.example", "zoë@café.example", "zoë@café.example"),
    ],
)
def test_email_normalized(text: str, email: str, normalized: str):
    assert parse_email(clean_text(text))[:2] == (email, normalized)


def test_email_several_in_cell():
    email, _normalized, several = parse_email("a@x.example ::: b@y.example")

    assert email == "a@x.example"
    assert several is True


@pytest.mark.parametrize("text", ["not-an-email", "ann@", "@example.com", "ann@example", "ann..lee@example.com", "a b@x.com"])
def test_email_invalid(text: str):
    with pytest.raises(InvalidValue, match="not a valid e-mail address"):
        parse_email(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85", (85, False)),
        ("1,200", (1200, False)),
        ("85.0", (85, False)),
        (85.0, (85, False)),
        (1200, (1200, False)),
        ("51-200", (51, True)),
        ("51 - 200", (51, True)),
        ("10,001+", (10001, True)),
    ],
)
def test_employee_count_parsed(value, expected):
    assert parse_employee_count(value) == expected


@pytest.mark.parametrize("value", ["lots", "85.5", 85.5, "-3", "1.200"])
def test_employee_count_invalid(value):
    with pytest.raises(InvalidValue):
        parse_employee_count(value)


def test_phone_apostrophe_stripped():
    assert parse_phone(clean_text("'+44 7700 900123")) == ("+44 7700 900123", False)
    assert parse_phone("'0151 5550 9876") == ("0151 5550 9876", False)


def test_text_cleaned():
    assert clean_text("\u00a0 Zoe\u0308 \u202f") == "Zoë"
    assert clean_text("'=SUM(A1)") == "=SUM(A1)"
    assert clean_text("O'Shea") == "O'Shea"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Closed - Converted", "won"),
        ("Working - Contacted", "contacted"),
        ("Open - Not Contacted", "new"),
        ("Sales Qualified Lead", "qualified"),
        ("Unqualified", "disqualified"),
        ("Closed Lost", "lost"),
        ("Cold", None),
        ("Bad timing", None),
    ],
)
def test_stage_mapped(text: str, stage: str | None):
    assert parse_stage(text) == stage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-10-21", datetime(2025, 10, 21, tzinfo=UTC)),
        ("2025-10-21T14:03:27.000Z", datetime(2025, 10, 21, 14, 3, 27, tzinfo=UTC)),
        ("2026-01-14T09:12:33+01:00", datetime(2026, 1, 14, 8, 12, 33, tzinfo=UTC)),
        ("2026-03-10 12:34", datetime(2026, 3, 10, 12, 34, tzinfo=UTC)),
        ("2025-1-5 7:05", datetime(2025, 1, 5, 7, 5, tzinfo=UTC)),
        ("10/21/2025", datetime(2025, 10, 21, tzinfo=UTC)),
        ("03 Feb 2026", datetime(2026, 2, 3, tzinfo=UTC)),
        ("17-Nov-24", datetime(2024, 11, 17, tzinfo=UTC)),
        ("Feb 3, 2026", datetime(2026, 2, 3, tzinfo=UTC)),
        ("3/02/18, 10:41 AM", datetime(2018, 3, 2, 10, 41, tzinfo=UTC)),
        ("11/17/17, 12:05 PM", datetime(2017, 11, 17, 12, 5, tzinfo=UTC)),
        ("1/1/98, 12:00 AM", datetime(1998, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_date_parsed(text: str, expected: datetime):
    assert parser().parse(text) == expected


def test_date_day_first():
    assert parser(day_first=True).parse("03/02/2026") == datetime(2026, 2, 3, tzinfo=UTC)
    assert parser(day_first=False).parse("03/02/2026") == datetime(2026, 3, 2, tzinfo=UTC)


def test_date_team_timezone():
    berlin = parser("Europe/Berlin")

    assert berlin.parse("2026-03-10 12:34") == datetime(2026, 3, 10, 11, 34, tzinfo=UTC)
    assert berlin.parse("2026-07-10 12:34") == datetime(2026, 7, 10, 10, 34, tzinfo=UTC)
    assert berlin.parse("2026-07-10T12:34:00Z") == datetime(2026, 7, 10, 12, 34, tzinfo=UTC)


def test_date_excel_serial():
    assert parser().parse(45951.5) == datetime(2025, 10, 21, 12, 0, tzinfo=UTC)
    assert parser().parse(datetime(2025, 10, 21, 9, 30)) == datetime(2025, 10, 21, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "day_first", "message"),
    [
        ("31/02/2025", True, "February 2025 has 28 days"),
        ("2025-02-30", False, "February 2025 has 28 days"),
        ("2024-13-01", False, "no month 13"),
        ("13/02/2025", False, "does not fit the month/day/year order"),
        ("2025-10-21 25:00", False, "impossible time"),
        ("13:00 PM 2025", False, "not a date"),
        ("soon", False, "not a date"),
        ("31 Fbr 2025", False, "unknown month"),
    ],
)
def test_date_invalid(text: str, day_first: bool, message: str):
    with pytest.raises(InvalidValue, match=message):
        parser(day_first=day_first).parse(text)


def test_date_evidence_decides_order():
    evidence = DayMonthEvidence()
    for text in ["01/02/2025", "25/12/2025", "31/01/2026", "2025-10-21", "03/04/2025"]:
        evidence.add(text)

    assert evidence.is_day_first
    assert evidence.describe("Created") is None


def test_date_evidence_ambiguous_warns(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LC_ALL", "C")
    evidence = DayMonthEvidence()
    for text in ["01/02/2025", "03/04/2025"]:
        evidence.add(text)

    assert not evidence.is_day_first
    assert evidence.describe("Created") == (
        "every numeric date in column 'Created' fits both day/month and month/day; read as month/day/year, "
        "the order of the default, as the locale is unknown. If that is wrong, write the dates as YYYY-MM-DD"
    )


def test_date_evidence_ambiguous_locale(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    evidence = DayMonthEvidence()
    evidence.add("03/04/2025")

    assert evidence.is_day_first
    assert "read as day/month/year, the order of the computer's locale" in evidence.describe("Created")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("en_GB.UTF-8", True), ("en_US.UTF-8", False), ("fil_PH", False), ("de_DE@euro", True), ("C", None), ("C.UTF-8", None)],
)
def test_locale_day_first(monkeypatch: pytest.MonkeyPatch, name: str, expected: bool | None):
    monkeypatch.setenv("LC_ALL", name)

    assert locale_day_first() is expected


@pytest.mark.parametrize(
    ("raw", "text"),
    [("4.47E+11", "4.47E+11"), ("4,47E+11", "4,47E+11"), ("1E+15", "1E+15"), (1.2345678901234567e18, "1234567890123456768")],
)
def test_digits_lost_rejected(raw, text: str):
    with pytest.raises(InvalidValue, match="digits"):
        check_digits_kept(raw, text)


@pytest.mark.parametrize(("raw", "text"), [("+44 7700 900123", "+44 7700 900123"), (447700900123.0, "447700900123"), ("E12", "E12")])
def test_digits_kept_accepted(raw, text: str):
    check_digits_kept(raw, text)


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        (2134, "00000", "02134"),
        (501.0, "00000", "00501"),
        (123456, "00000", "123456"),
        (5550104411, "(###) ###-####", "(555) 010-4411"),
        (42, '"ID-"0000', "ID-0042"),
        (7700900123, "00000000000;[Red]-00000000000", "07700900123"),
        (12, "0", None),
        (12, "#,##0", None),
        (1.5, "00000", None),
        (-3, "00000", None),
        (1200, "0.00", None),
        (45951, "yyyy-mm-dd", None),
        (5, "[<=9999999]###-####;(###) ###-####", None),
    ],
)
def test_digit_pattern_text(value, code: str, expected: str | None):
    assert digit_pattern_text(value, code) == expected


@pytest.mark.parametrize(
    ("values", "shape"),
    [
        (["ann@example.com", "bo@example.com", ""], "email"),
        (["+44 7700 900123", "(555) 010-4411", "030 5550 1234"], "phone"),
        (["https://acme.example", "www.bolt.example", "cyan.example/about"], "website"),
        (["https://www.linkedin.com/in/ann", "https://linkedin.com/in/bo"], "linkedin_url"),
        (["2025-10-21", "21/10/2025", "Oct 21, 2025"], "received_at"),
        (["660737", "660738", "660739"], None),
        (["Acme", "Bolt"], None),
        (["ann@example.com", "Acme", "Bolt"], None),
        ([], None),
    ],
)
def test_column_shape(values: list[str], shape: str | None):
    assert column_shape(values) == shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Devi Okonkwo-Hale", ("Devi", "Okonkwo-Hale")),
        ("Dr. Mary Ann Smith Jr.", ("Mary Ann", "Smith")),
        ("Smith, John", ("John", "Smith")),
        ("van der Berg, Anna", ("Anna", "van der Berg")),
        ("Prince", ("Prince", "")),
    ],
)
def test_full_name_split(text: str, expected: tuple[str, str]):
    assert split_full_name(text) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Zip", True), ("Postal Code", True), ("Lead ID", True), ("Mobile Phone", True), ("Record ID", True),
     ("Annual Revenue", False), ("TotalVisits", False), ("# Employees", False)],
)
def test_identifier_header(header: str, expected: bool):
    assert is_identifier_header(header) is expected


def test_mapping_warnings_two_columns():
    headers = ["Email", "Work Email", "Phone", "Mobile"]
    mapping = {"Email": "email", "Work Email": "custom:Work Email", "Phone": "phone", "Mobile": "phone"}

    assert mapping_warnings(headers, mapping) == [
        "2 columns could fill the e-mail field; 'Email' fills it, and 'Work Email' is kept as a custom field "
        "that fills it only in rows where 'Email' is empty",
        "2 columns could fill the phone field; 'Phone' fills it, and 'Mobile' is kept as a custom field "
        "that fills it only in rows where 'Phone' is empty",
    ]


def test_employee_count_implausible_rejected() -> None:
    from leaddesk.services.importing.values import InvalidValue, parse_employee_count

    for value in ("99999999999999999999999", 10**30, "9223372036854775807"):
        with pytest.raises(InvalidValue, match="not a plausible employee count"):
            parse_employee_count(value)

    assert parse_employee_count("2,300,000") == (2_300_000, False)


TEXT_ROW_HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Website URL",
    "Number of Employees", "Lead Status", "Create Date", "Tags", "Phone 2",
]

TEXT_ROW_CASES = [
    ["51000000001", "Ann", "Lee", "ann@example.com", "+1 555-100-2000", "Acme", "https://www.acme.example",
     "51-200", "Open - Not Contacted", "2025-03-04 10:22", "priority", ""],
    [" 7 ", "Zo\u00eb\u00a0", "Ko\u0308nig", "  zoe@example.com\u200b", "'+44 20 7946 0958", "'=Acme",
     "acme.example", "85.0", "Bad timing", "03/04/2025", "a\u00a0b", "'=x"],
    ["123.0", "O'Shea", "", "", "4.47E+11", "", "", "", "", "", "", ""],
    ["", "", "", "", "", "", "", "", "", "", "", ""],
    ["Total:", "3", "", "", "", "", "", "", "", "", "", ""],
    ["9", "Bo", "Ek", "not-an-email", "", "", "", "", "", "", "", ""],
    ["9", "Bo", "Ek", "bo@example.com", "", "", "", "lots", "", "", "", ""],
    ["9", "Bo", "Ek", "bo@example.com", "", "", "", "", "", "31/02/2025", "", ""],
    ["1E5", "Cy", "Ma", "cy@example.com", "5.5E+9", "", "", "", "", "", "", ""],
]


@pytest.mark.parametrize("cells", TEXT_ROW_CASES)
def test_text_row_fast_path_matches_exact(cells: list[str]):
    from leaddesk.services.importing.rows import RowConverter, RowProblem

    plan = build_plan(TEXT_ROW_HEADERS, None)
    converter = RowConverter(
        plan, zone=ZoneInfo("Europe/Berlin"), today=date(2026, 3, 2), evidence={}, segment_keys=frozenset()
    )

    def outcome(convert):
        try:
            draft = convert(7, list(cells))
        except RowProblem as problem:
            return ("rejected", problem.column, problem.value, problem.reason)
        return None if draft is None else (draft.fields, draft.custom)

    assert outcome(converter.convert) == outcome(converter._convert_exactly)


def test_text_row_fast_path_taken():
    from leaddesk.services.importing.rows import _CHECK_EXACTLY, RowConverter

    plan = build_plan(TEXT_ROW_HEADERS, None)
    converter = RowConverter(
        plan, zone=ZoneInfo("Europe/Berlin"), today=date(2026, 3, 2), evidence={}, segment_keys=frozenset()
    )

    # Plain and non-ASCII rows take the fast path; a row with a lost-digits phone does not.
    assert converter._convert_text_row(2, list(TEXT_ROW_CASES[0])) is not _CHECK_EXACTLY
    assert converter._convert_text_row(3, list(TEXT_ROW_CASES[1])) is not _CHECK_EXACTLY
    assert converter._convert_text_row(4, list(TEXT_ROW_CASES[2])) is _CHECK_EXACTLY
