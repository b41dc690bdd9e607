"""Label and value column pairs, such as Google Contacts' "Phone 1 - Label" and "Phone 1 - Value"."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from leaddesk.models import Lead
from leaddesk.services.importing import plan_import, preview_file, run_import, worker
from leaddesk.services.importing.column_batch import ColumnBatchConverter
from leaddesk.services.importing.errors import MappingError
from leaddesk.services.importing.label_groups import (
    LabelGroup,
    LabelPair,
    find_label_groups,
    SkippedValues,
    LABEL_RULE,
    is_usable_value,
    label_rank,
    order_by_labels,
    parse_pair_header,
    plan_label_groups,
)
from leaddesk.services.importing.mapping import build_plan, mapping_warnings, plan_warnings, suggest_mapping
from leaddesk.services.importing.rows import RowConverter

from import_files import write_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from google_contacts import LABEL_PAIR_HEADERS  # noqa: E402

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)

# The columns of a Google Contacts export that the per-row choice reads, in Google's order.
GOOGLE_HEADERS = ["First Name", "Last Name", *LABEL_PAIR_HEADERS]


def group_line(field_label: str, kind: str, pairs: int) -> str:
    """Return the warning that names a group of the given number of pairs, such as "Phone 1" to "Phone 3"."""
    values = [f"'{kind} {number} - Value'" for number in range(1, pairs + 1)]
    listed = f"{', '.join(values[:-1])} and {values[-1]}"
    return f"the {field_label} field is chosen row by row from {listed} by their labels"


PHONE_GROUP_LINE = group_line("phone", "Phone", 3)
EMAIL_GROUP_LINE = group_line("e-mail", "E-mail", 2)

def google_row(first: str, emails=(), phones=()) -> list[str]:
    """Return a row of GOOGLE_HEADERS: emails is up to 2 and phones up to 3 (label, value) pairs."""
    cells = [first, "Example"]
    for pairs, width in ((emails, 2), (phones, 3)):
        padded = list(pairs) + [("", "")] * (width - len(pairs))
        for label, value in padded:
            cells.extend([label, value])
    return cells


def leads_by_first_name(database) -> dict[str, Lead]:
    with database.session() as session:
        return {lead.first_name: lead for lead in session.scalars(select(Lead))}


def import_rows(database, tmp_path: Path, rows: list[list[str]], **options) -> tuple[object, dict[str, Lead]]:
    path = write_csv(tmp_path / "contacts.csv", [GOOGLE_HEADERS, *rows])
    report = run_import(database, path, now=NOW, **options)
    return report, leads_by_first_name(database)


def row_converter(plan) -> RowConverter:
    return RowConverter(plan, zone=ZoneInfo("Europe/Berlin"), today=date(2026, 3, 2), evidence={}, segment_keys=frozenset())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Phone 2 - Label", ("phone", 2, "label")),
        ("Phone 1 - Value", ("phone", 1, "value")),
        ("E-mail 1 - Value", ("email", 1, "value")),
        ("E-mail 3 - Label", ("email", 3, "label")),
        ("Phone 1 - Type", ("phone", 1, "label")),
        ("phone 12 - value", ("phone", 12, "value")),
    ],
)
def test_pair_header_parsed(header: str, expected: tuple[str, int, str]):
    assert parse_pair_header(header) == expected


@pytest.mark.parametrize("header", ["Address 1 - Label", "Website 1 - Value", "Phone", "Phone 1", "Labels", "Phone - Work"])
def test_other_header_not_pair(header: str):
    assert parse_pair_header(header) is None


def test_label_rank_order():
    labels = ["* Mobile", "Work", "Business", "Main", "", "Mobile", "Home", "Other", "Work Fax", "* Work Fax", "Pager"]

    ranks = [label_rank(label) for label in labels]

    assert ranks == [
        (False, False, 1),
        (False, True, 0),
        (False, True, 0),
        (False, True, 2),
        (False, True, 2),
        (False, True, 1),
        (False, True, 3),
        (False, True, 3),
        (True, True, 0),
        (True, False, 0),
        (True, True, 2),
    ]
    assert sorted(labels, key=label_rank) == [
        "* Mobile",
        "Work",
        "Business",
        "Mobile",
        "Main",
        "",
        "Home",
        "Other",
        "* Work Fax",
        "Work Fax",
        "Pager",
    ]


@pytest.mark.parametrize(
    ("label", "kind_rank"),
    [
        ("Arbeit", 0),
        ("Geschäftlich", 0),
        ("geschaftlich", 0),
        ("Travail", 0),
        ("Bureau", 0),
        ("Trabajo", 0),
        ("Trabalho", 0),
        ("Lavoro", 0),
        ("Werk", 0),
        ("Work Mobile", 0),
        ("Mobil", 1),
        ("Handy", 1),
        ("Portable", 1),
        ("Móvil", 1),
        ("MOVIL", 1),
        ("Celular", 1),
        ("Cellulare", 1),
        ("iPhone", 1),
        ("Main", 2),
        ("Sales", 2),
        ("", 2),
        ("Privat", 3),
        ("Zuhause", 3),
        ("Domicile", 3),
        ("Casa", 3),
        ("Other", 3),
        ("Assistant", 4),
    ],
)
def test_label_kind_in_languages(label: str, kind_rank: int):
    assert label_rank(label) == (False, True, kind_rank)


@pytest.mark.parametrize(
    ("labels", "expected_first"),
    [
        (("Casa", "Trabajo"), "Trabajo"),
        (("Privat", "Arbeit"), "Arbeit"),
        (("", "Mobile"), "Mobile"),
        (("Assistant", "Home"), "Home"),
        (("Assistant", "Other"), "Other"),
        (("iPhone", "Home"), "iPhone"),
        (("Sales", "Mobile"), "Mobile"),
        (("Home", "Sales"), "Sales"),
    ],
)
def test_label_pairs_sorted(labels: tuple[str, str], expected_first: str):
    assert min(labels, key=label_rank) == expected_first


def test_google_headers_form_groups():
    plan = build_plan(GOOGLE_HEADERS, None)

    groups = plan_label_groups(plan)

    assert groups == (
        LabelGroup(
            field="email",
            pairs=(LabelPair(1, 2, 3), LabelPair(2, 4, 5)),
            label_keys=("E-mail 1 - Label", "E-mail 2 - Label"),
            value_keys=("E-mail 1 - Value", "E-mail 2 - Value"),
        ),
        LabelGroup(
            field="phone",
            pairs=(LabelPair(1, 6, 7), LabelPair(2, 8, 9), LabelPair(3, 10, 11)),
            label_keys=("Phone 1 - Label", "Phone 2 - Label", "Phone 3 - Label"),
            value_keys=("Phone 1 - Value", "Phone 2 - Value", "Phone 3 - Value"),
        ),
    )
    assert plan.mapping["Phone 1 - Value"] == "phone"
    assert plan.mapping["E-mail 1 - Value"] == "email"
    # Every label and value column of a group is kept as a custom field, the mapped ones too.
    assert sorted(plan.custom_keys) == list(range(2, 12))


def test_plain_file_plan_unchanged():
    headers = ["First Name", "E-mail Address", "Home Phone", "Business Phone", "Mobile Phone"]

    plan = build_plan(headers, None)

    assert plan_label_groups(plan) == ()
    assert plan.columns_by_field["phone"] == (3, 4, 2)
    assert plan.custom_keys == {2: "Home Phone", 4: "Mobile Phone"}


def test_single_pair_forms_no_group():
    headers = ["First Name", "Phone 1 - Label", "Phone 1 - Value", "Mobile"]

    plan = build_plan(headers, None)

    assert plan_label_groups(plan) == ()
    assert plan.custom_keys == {1: "Phone 1 - Label", 3: "Mobile"}


def test_ignored_label_turns_group_off():
    columns = {"phone": (7, 9)}
    custom = {6: "Phone 1 - Label", 7: "Phone 1 - Value", 9: "Phone 2 - Value"}

    assert find_label_groups(GOOGLE_HEADERS, columns, custom) == ()


def test_work_phone_in_second_pair(database, tmp_path: Path):
    rows = [google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "+1 555 010 2222")])]

    _report, leads = import_rows(database, tmp_path, rows)

    ann = leads["Ann"]
    assert ann.phone == "+1 555 010 2222"
    assert ann.custom_fields == {
        "Phone 1 - Label": "Home",
        "Phone 1 - Value": "+1 555 010 1111",
        "Phone 2 - Label": "Work",
        "Phone 2 - Value": "+1 555 010 2222",
    }


def test_phone_choice_table(database, tmp_path: Path):
    rows = [
        google_row("Primary", phones=[("Work", "+1 555 010 0001"), ("* Mobile", "+1 555 010 0002")]),
        google_row("Mobile", phones=[("Home", "+1 555 010 0011"), ("Other", "+1 555 010 0012"), ("Mobile", "+1 555 010 0013")]),
        google_row("Fax", phones=[("Work Fax", "+1 555 010 0021"), ("Home", "+1 555 010 0022")]),
        google_row("Main", phones=[("Mobile", "+1 555 010 0031"), ("Main", "+1 555 010 0032")]),
        google_row("Tie", phones=[("Mobile", "+1 555 010 0041"), ("Mobile", "+1 555 010 0042")]),
        google_row("Unlabelled", phones=[("", "+1 555 010 0051"), ("", "+1 555 010 0052")]),
        google_row("EmptyBest", phones=[("* Work", ""), ("Home", "+1 555 010 0061"), ("Mobile", "+1 555 010 0062")]),
        google_row("Custom", phones=[("Assistant", "+1 555 010 0071"), ("Business", "+1 555 010 0072")]),
        google_row("Spanish", phones=[("Casa", "+34 600 000 081"), ("Trabajo", "+34 910 000 082")]),
        google_row("German", phones=[("Privat", "+49 30 1111 0091"), ("Arbeit", "+49 30 1111 0092")]),
        google_row("EmptyLabel", phones=[("", "+1 555 010 0101"), ("Mobile", "+1 555 010 0102")]),
        google_row("Assistant", phones=[("Assistant", "+1 555 010 0111"), ("Home", "+1 555 010 0112")]),
        google_row("IPhone", phones=[("Home", "+1 555 010 0121"), ("iPhone", "+1 555 010 0122")]),
        google_row("Formula", phones=[("Home", "+1 555 010 0131"), ("Work", "=1+1")]),
        google_row("Short", phones=[("Work", "ext 12"), ("Mobile", "+1 555 010 0142")]),
    ]

    _report, leads = import_rows(database, tmp_path, rows)

    assert leads["Primary"].phone == "+1 555 010 0002"
    assert leads["Mobile"].phone == "+1 555 010 0013"
    assert leads["Fax"].phone == "+1 555 010 0022"
    assert leads["Main"].phone == "+1 555 010 0031"
    assert leads["Tie"].phone == "+1 555 010 0041"
    assert leads["Unlabelled"].phone == "+1 555 010 0051"
    assert leads["EmptyBest"].phone == "+1 555 010 0062"
    assert leads["Custom"].phone == "+1 555 010 0072"
    assert leads["Spanish"].phone == "+34 910 000 082"
    assert leads["German"].phone == "+49 30 1111 0092"
    assert leads["EmptyLabel"].phone == "+1 555 010 0102"
    assert leads["Assistant"].phone == "+1 555 010 0112"
    assert leads["IPhone"].phone == "+1 555 010 0122"
    assert leads["Formula"].phone == "+1 555 010 0131"
    assert leads["Formula"].custom_fields["Phone 2 - Value"] == "=1+1"
    assert leads["Short"].phone == "+1 555 010 0142"


def test_several_numbers_in_chosen_cell(database, tmp_path: Path):
    rows = [google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "+1 555 010 2222 ::: +1 555 010 3333")])]

    _report, leads = import_rows(database, tmp_path, rows)

    ann = leads["Ann"]
    assert ann.phone == "+1 555 010 2222"
    assert ann.custom_fields["Phone 2 - Value"] == "+1 555 010 2222 ::: +1 555 010 3333"
    assert ann.custom_fields["Phone 1 - Value"] == "+1 555 010 1111"


def test_work_email_in_second_pair(database, tmp_path: Path):
    rows = [
        google_row("Ann", emails=[("Home", "ann@home.example"), ("Work", "Ann.Lee@Acme.example")]),
        google_row("Bo", emails=[("Work", "bo@bobco.example"), ("* Other", "bo@mail.example ::: bo2@mail.example")]),
    ]

    _report, leads = import_rows(database, tmp_path, rows)

    assert leads["Ann"].email == "Ann.Lee@Acme.example"
    assert leads["Ann"].custom_fields == {
        "E-mail 1 - Label": "Home",
        "E-mail 1 - Value": "ann@home.example",
        "E-mail 2 - Label": "Work",
        "E-mail 2 - Value": "Ann.Lee@Acme.example",
    }
    assert leads["Bo"].email == "bo@mail.example"
    assert leads["Bo"].custom_fields["E-mail 2 - Value"] == "bo@mail.example ::: bo2@mail.example"


def test_invalid_preferred_email_gives_way(database, tmp_path: Path):
    rows = [
        google_row("Ann", emails=[("Home", "ann@home.example"), ("* Work", "notanemail")]),
        google_row("Bo", emails=[("Work", "bo@bobco.example"), ("Home", "not an address")]),
    ]

    report, leads = import_rows(database, tmp_path, rows)

    assert report.rejected == 0
    assert leads["Ann"].email == "ann@home.example"
    assert leads["Ann"].custom_fields["E-mail 2 - Value"] == "notanemail"
    # A value that loses to a better label is kept as it is, as any custom field is, without a warning.
    assert leads["Bo"].email == "bo@bobco.example"
    assert leads["Bo"].custom_fields["E-mail 2 - Value"] == "not an address"
    skipped = [line for line in report.warnings if line.startswith("row ")]
    assert skipped == [
        "row 2: 'notanemail' in column 'E-mail 2 - Value' is not a valid e-mail address, so the e-mail comes from "
        "'E-mail 1 - Value', and the value is kept as a custom field"
    ]


def test_short_phone_warned(database, tmp_path: Path):
    rows = [google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "=1+1")])]

    report, _leads = import_rows(database, tmp_path, rows)

    assert [line for line in report.warnings if line.startswith("row ")] == [
        "row 2: '=1+1' in column 'Phone 2 - Value' has fewer than 5 digits, so the phone comes from "
        "'Phone 1 - Value', and the value is kept as a custom field"
    ]


def test_no_valid_email_rejected(database, tmp_path: Path):
    rows = [google_row("Ann", emails=[("Home", "ann at home"), ("Work", "ann at acme")])]

    report, leads = import_rows(database, tmp_path, rows)

    assert report.rejected == 1
    rejected = report.rejected_rows[0]
    assert (rejected.row, rejected.column, rejected.value) == (2, "E-mail 2 - Value", "ann at acme")
    assert rejected.reason == (
        "'ann at acme' is not a valid e-mail address; correct it to the form name@example.com or clear the cell"
    )
    assert leads == {}
    assert not [line for line in report.warnings if line.startswith("row ")]


def test_first_valid_part_of_joined_email(database, tmp_path: Path):
    rows = [google_row("Ann", emails=[("Work", "bad07 ::: g08@work.example")])]

    report, leads = import_rows(database, tmp_path, rows)

    assert report.rejected == 0
    assert leads["Ann"].email == "g08@work.example"
    assert leads["Ann"].custom_fields["E-mail 1 - Value"] == "bad07 ::: g08@work.example"


@pytest.mark.parametrize(
    ("field_name", "text", "usable"),
    [
        ("email", "a@b.example", True),
        ("email", "notanemail", False),
        ("email", "bad ::: ok@b.example", True),
        ("email", "", False),
        ("phone", "+1 555 010 1111", True),
        ("phone", "=1+1", False),
        ("phone", "12345", True),
        ("phone", "1234", False),
        ("phone", "'+1 555 010 1111 ::: 12", True),
    ],
)
def test_usable_value(field_name: str, text: str, usable: bool):
    assert is_usable_value(field_name, text) is usable


def test_skipped_values_named_once_and_capped():
    plan = build_plan(GOOGLE_HEADERS, None)
    group = plan_label_groups(plan)[0]
    skipped = SkippedValues()
    custom = {"E-mail 1 - Label": "Work", "E-mail 1 - Value": "bad", "E-mail 2 - Value": "ok@b.example"}

    for row in range(2, 2 + SkippedValues.MAX_NAMED + 3):
        order = order_by_labels(group, (3, 5), custom, row, skipped)
        # The fast path and the exact path may order the same row twice.
        order_by_labels(group, (3, 5), custom, row, skipped)

    assert order == [5, 3]
    assert skipped.count == SkippedValues.MAX_NAMED + 3
    warnings = skipped.warnings()
    assert len(warnings) == SkippedValues.MAX_NAMED + 1
    assert warnings[0].startswith("row 2: 'bad' in column 'E-mail 1 - Value' is not a valid e-mail address")
    assert warnings[-1] == "3 more labelled values were passed over the same way and kept as custom fields"


def test_report_describes_groups(database, tmp_path: Path):
    rows = [google_row("Ann", emails=[("Work", "ann@acme.example")], phones=[("Work", "+1 555 010 2222")])]

    report, _leads = import_rows(database, tmp_path, rows, dry_run=True)

    assert EMAIL_GROUP_LINE in report.warnings
    assert PHONE_GROUP_LINE in report.warnings
    assert report.warnings.count(LABEL_RULE) == 1
    assert not [line for line in report.warnings if "columns could fill" in line]


def test_preview_describes_groups(tmp_path: Path):
    path = write_csv(tmp_path / "contacts.csv", [GOOGLE_HEADERS, google_row("Ann", phones=[("Work", "+1 555 010 2222")])])

    preview = preview_file(path)

    assert preview.mapping["Phone 1 - Value"] == "phone"
    assert preview.mapping["Phone 2 - Value"] == "custom:Phone 2 - Value"
    assert preview.warnings == [EMAIL_GROUP_LINE, PHONE_GROUP_LINE, LABEL_RULE]


def test_label_rule_text():
    assert LABEL_RULE == (
        'Labels rank: primary ("*") first, then work, mobile, any other label such as Main or none, home or other, '
        "and fax or pager last. An invalid value gives way to a valid one, ties go to the column listed first, "
        "and every label and value column is also kept as a custom field"
    )


def test_preview_matches_plan_warnings():
    mapping = suggest_mapping(GOOGLE_HEADERS)

    assert mapping_warnings(GOOGLE_HEADERS, mapping) == plan_warnings(build_plan(GOOGLE_HEADERS, mapping))


def test_plain_file_warning_unchanged():
    headers = ["First Name", "Business Phone", "Home Phone"]

    warnings = mapping_warnings(headers, suggest_mapping(headers))

    assert warnings == [
        "2 columns could fill the phone field; 'Business Phone' fills it, and 'Home Phone' is kept as a custom "
        "field that fills it only in rows where 'Business Phone' is empty"
    ]


def test_lone_label_warned():
    headers = ["First Name", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value", "Phone 3 - Label"]

    warnings = plan_warnings(build_plan(headers, None))

    assert warnings[-1] == (
        "column 'Phone 3 - Label' has no matching value column, so its labels choose nothing and it is kept as a "
        "custom field; export the file again with its value column, or ignore this column"
    )


def test_label_column_mapped_to_phone(database, tmp_path: Path):
    path = write_csv(tmp_path / "contacts.csv", [GOOGLE_HEADERS, google_row("Ann", phones=[("Work", "+1 555 010 2222")])])

    with pytest.raises(MappingError) as raised:
        run_import(database, path, now=NOW, mapping={"First Name": "first_name", "Phone 1 - Label": "phone"})

    assert str(raised.value) == (
        "the mapping sends the label column 'Phone 1 - Label' to the phone field, but that column contains labels "
        'such as "Work" or "* Mobile", not values; send the matching "- Value" column to phone instead, '
        "and keep 'Phone 1 - Label' as a custom field"
    )


def test_saved_mapping_keeps_choice(database, tmp_path: Path):
    first = write_csv(
        tmp_path / "march.csv",
        [GOOGLE_HEADERS, google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "+1 555 010 2222")])],
    )
    second = write_csv(
        tmp_path / "april.csv",
        [GOOGLE_HEADERS, google_row("Bo", phones=[("Mobile", "+1 555 010 3333"), ("* Home", "+1 555 010 4444")])],
    )
    confirmed = preview_file(first).mapping
    run_import(database, first, now=NOW, mapping=confirmed)

    report = run_import(database, second, now=NOW)

    assert report.mapping_source == "saved"
    assert PHONE_GROUP_LINE in report.warnings
    leads = leads_by_first_name(database)
    assert leads["Ann"].phone == "+1 555 010 2222"
    assert leads["Bo"].phone == "+1 555 010 4444"


def test_ignored_labels_use_column_order(database, tmp_path: Path):
    rows = [google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "+1 555 010 2222")])]
    mapping = {**suggest_mapping(GOOGLE_HEADERS), "Phone 1 - Label": "ignored", "Phone 2 - Label": "ignored"}

    report, leads = import_rows(database, tmp_path, rows, mapping=mapping)

    assert leads["Ann"].phone == "+1 555 010 1111"
    assert PHONE_GROUP_LINE not in report.warnings
    assert "Phone 1 - Label" not in leads["Ann"].custom_fields


def test_workbook_rows_choose_by_label(database, tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(GOOGLE_HEADERS)
    # A number cell, as a spreadsheet stores a phone typed without separators.
    sheet.append(google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "")]))
    sheet.cell(row=2, column=GOOGLE_HEADERS.index("Phone 2 - Value") + 1, value=15550102222)
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)

    run_import(database, path, now=NOW)

    ann = leads_by_first_name(database)["Ann"]
    assert ann.phone == "15550102222"
    assert ann.custom_fields["Phone 1 - Value"] == "+1 555 010 1111"


def test_row_and_batch_paths_agree():
    plan = build_plan(GOOGLE_HEADERS, None)
    rows = [
        (2, google_row("Ann", phones=[("Home", "+1 555 010 1111"), ("Work", "+1 555 010 2222")])),
        (3, google_row("Bo", emails=[("Home", "bo@home.example"), ("* Work", "bo@bobco.example")])),
        (4, google_row("Cy", phones=[("Mobile", "+1 555 010 3333"), ("Fax", "+1 555 010 4444")])),
        (5, google_row("Di", emails=[("* Work", "notanemail"), ("Home", "di@home.example")])),
    ]

    by_row = [row_converter(plan).convert(number, cells) for number, cells in rows]
    by_batch = ColumnBatchConverter(row_converter(plan)).convert(rows)

    assert [draft.fields.get("phone") for draft in by_row] == ["+1 555 010 2222", None, "+1 555 010 3333", None]
    assert [draft.fields.get("email") for draft in by_row] == [None, "bo@bobco.example", None, "di@home.example"]
    assert [(draft.fields, draft.custom) for draft in by_batch] == [(draft.fields, draft.custom) for draft in by_row]


def test_google_reference_file(database, shared_data: Path, tmp_path: Path):
    path = tmp_path / "google_contacts.csv"
    shutil.copyfile(shared_data / "formats" / "google_contacts.csv", path)

    report = run_import(database, path, now=NOW)

    leads = leads_by_first_name(database)
    assert report.created == 3
    assert group_line("phone", "Phone", 2) in report.warnings
    assert group_line("e-mail", "E-mail", 2) in report.warnings
    marta, devi, joaquin = leads["Marta"], leads["Devi"], leads["Joaquín Ferreira"]
    assert (marta.email, marta.phone) == ("marta.q@brindlefreight.example", "+1 555-010-4411")
    # "* Work" is Devi's primary e-mail; the cell contains two addresses, and the first is hers.
    assert (devi.email, devi.phone) == ("devi@tallowmere.example", "+44 7700 900123")
    assert devi.custom_fields["E-mail 2 - Value"] == "devi.oh@mailbox.example"
    # Joaquín's "Work" phone beats his "Mobile" one.
    assert joaquin.phone == "+49 30 5550 1234"
    assert {key: value for key, value in joaquin.custom_fields.items() if key.startswith("Phone")} == {
        "Phone 1 - Label": "Work",
        "Phone 1 - Value": "+49 30 5550 1234",
        "Phone 2 - Label": "Mobile",
        "Phone 2 - Value": "0151 5550 9876",
    }


def test_worker_reports_skipped_values(database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(worker, "MIN_IDLE_CORES", float("-inf"))
    started = []
    start_for = worker.ConversionWorker.start_for.__func__

    def recording(cls, path):
        found = start_for(cls, path)
        started.append(found)
        return found

    monkeypatch.setattr(worker.ConversionWorker, "start_for", classmethod(recording))
    rows = [google_row("Ann", emails=[("Home", "ann@home.example"), ("* Work", "notanemail")])]

    report, leads = import_rows(database, tmp_path, rows)

    assert started and started[0] is not None
    assert leads["Ann"].email == "ann@home.example"
    assert [line for line in report.warnings if line.startswith("row ")] == [
        "row 2: 'notanemail' in column 'E-mail 2 - Value' is not a valid e-mail address, so the e-mail comes from "
        "'E-mail 1 - Value', and the value is kept as a custom field"
    ]


def test_plan_rows_carry_chosen_values(database, tmp_path: Path):
    rows = [
        google_row("Ann", emails=[("Home", "ann@home.example"), ("Work", "ann@acme.example")],
                   phones=[("Casa", "+34 600 000 001"), ("Trabajo", "+34 910 000 002")]),
        google_row("Bo", phones=[("Work", "=1+1"), ("Mobile", "+1 555 010 3333")]),
        google_row("Cy", emails=[("Work", "cy at acme")]),
    ]
    path = write_csv(tmp_path / "contacts.csv", [GOOGLE_HEADERS, *rows])

    plan = plan_import(database, path, now=NOW)

    chosen = [(planned.row, planned.action.value, planned.phone, planned.email) for planned in plan.rows]
    assert chosen == [
        (2, "create", "+34 910 000 002", "ann@acme.example"),
        (3, "create", "+1 555 010 3333", ""),
        (4, "reject", "", ""),
    ]
    assert plan.rows[0].to_dict()["phone"] == "+34 910 000 002"
