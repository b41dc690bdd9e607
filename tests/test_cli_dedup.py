"""The dedupe, merge and undo commands on a real database file."""

from __future__ import annotations

import json
import uuid

import pytest
from dedup_members import member_fields, seed_members

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.database import Database
from leaddesk.services.dedup.normalize import refresh_match_keys


def _seed(db_path) -> list[str]:
    database = Database.open(db_path)
    with database.session() as session:
        leads = [
            Lead(first_name="Bill", last_name="Turner", email="bill.turner@gmail.com"),
            Lead(first_name="William", last_name="Turner", email="billturner@gmail.com"),
            Lead(first_name="Ann", last_name="Lee", company="Globex"),
        ]
        session.add_all(leads)
        session.flush()
        ids = [str(lead.id) for lead in leads]
    database.dispose()
    return ids


def test_dedupe_json_lists_group(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["dedupe", "--db", str(db_path), "--json"])

    groups = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(groups) == 1
    assert sorted(groups[0]["lead_ids"]) == sorted([bill, william])
    assert "same e-mail billturner@gmail.com" in groups[0]["pairs"][0]["reasons"]


def test_merge_then_undo(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    merged = main(["merge", bill, william, "--db", str(db_path), "--json"])
    operation = json.loads(capsys.readouterr().out)["operation_id"]
    undone = main(["undo", operation[:8], "--db", str(db_path)])
    output = capsys.readouterr().out

    assert merged == 0
    assert undone == 0
    assert output.startswith(f"Undid merge {operation}: restored 1 lead,")


def test_merge_invalid_id(db_path, capsys) -> None:
    bill, _william, _ann = _seed(db_path)

    code = main(["merge", bill, "12345", "--db", str(db_path)])

    assert code != 0
    assert "invalid lead id '12345'" in capsys.readouterr().err


def test_undo_unknown_id(db_path, capsys) -> None:
    _seed(db_path)

    code = main(["undo", "abcdef12", "--db", str(db_path)])

    assert code != 0
    assert "no merge operation or import batch" in capsys.readouterr().err


def test_not_duplicate_remembered(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["not-duplicate", bill, william, "--db", str(db_path)])
    output = capsys.readouterr().out
    main(["dedupe", "--db", str(db_path), "--json"])
    groups = json.loads(capsys.readouterr().out)

    assert code == 0
    assert output.startswith("Remembered 1 pair(s) as not duplicates")
    assert groups == []


def test_not_duplicate_rejects_same_lead(db_path, capsys) -> None:
    bill, _william, _ann = _seed(db_path)

    code = main(["not-duplicate", bill, bill, "--db", str(db_path)])

    assert code == 1
    assert f"lead {bill} was given twice" in capsys.readouterr().err


def test_not_duplicate_needs_two(db_path, capsys) -> None:
    bill, _william, _ann = _seed(db_path)

    code = main(["not-duplicate", bill, "--db", str(db_path)])

    assert code == 2
    assert "give at least two lead ids" in capsys.readouterr().err


def test_merge_override_field(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["merge", bill, william, "--override", f"first_name={william}", "--db", str(db_path), "--json"])
    result = json.loads(capsys.readouterr().out)

    assert code == 0
    assert "first_name" in result["changed_fields"]
    database = Database.open(db_path)
    with database.session() as session:
        survivor = session.get(Lead, uuid.UUID(bill))
        assert survivor.first_name == "William"
        assert survivor.email == "bill.turner@gmail.com"
        assert survivor.secondary_values == {"emails": ["billturner@gmail.com"]}
    database.dispose()


@pytest.mark.parametrize(
    ("override", "message", "exit_code"),
    [
        ("first_name", "invalid --override value 'first_name'; write FIELD=LEAD_ID", 2),
        ("notes={william}", "invalid --override field 'notes'", 2),
        ("email={ann}", "is not one of the merged leads", 1),
        ("email=xyz", "invalid lead id 'xyz'", 1),
    ],
)
def test_merge_override_rejected(db_path, capsys, override, message, exit_code) -> None:
    bill, william, ann = _seed(db_path)

    code = main(["merge", bill, william, "--override", override.format(william=william, ann=ann), "--db", str(db_path)])

    assert code == exit_code
    assert message in capsys.readouterr().err
    database = Database.open(db_path)
    with database.session() as session:
        assert session.get(Lead, uuid.UUID(william)).deleted_at is None
    database.dispose()


def test_merges_lists_for_undo(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)
    main(["merge", bill, william, "--db", str(db_path), "--json"])
    operation = json.loads(capsys.readouterr().out)["operation_id"]

    code = main(["merges", "--db", str(db_path), "--json"])
    listed = json.loads(capsys.readouterr().out)
    main(["merges", "--db", str(db_path)])
    text = capsys.readouterr().out
    main(["undo", operation, "--db", str(db_path)])
    capsys.readouterr()
    main(["merges", "--db", str(db_path), "--json"])
    after_undo = json.loads(capsys.readouterr().out)

    assert code == 0
    assert [item["operation_id"] for item in listed] == [operation]
    assert listed[0]["survivor_id"] == bill
    assert listed[0]["merged_ids"] == [william]
    assert listed[0]["merged_names"] == ["William Turner"]
    assert listed[0]["undone_at"] is None
    assert text.startswith(operation)
    assert f"  merged William Turner ({william})" in text
    assert "Undo a merge with: leaddesk undo OPERATION_ID" in text
    assert after_undo[0]["undone_at"] is not None


def test_merges_empty(db_path, capsys) -> None:
    _seed(db_path)

    code = main(["merges", "--db", str(db_path)])

    assert code == 0
    assert capsys.readouterr().out == "No merges recorded.\n"


def _write_csv(tmp_path) -> str:
    path = tmp_path / "new-leads.csv"
    path.write_text(
        "First Name,Last Name,Email,Company\n"
        "Billy,Turner,Bill.Turner+expo@gmail.com,\n"
        "Priya,Shah,priya@umbrella.example,Umbrella\n",
        encoding="utf-8",
    )
    return str(path)


def test_import_counts_duplicates(db_path, tmp_path, capsys) -> None:
    _seed(db_path)

    code = main(["import", _write_csv(tmp_path), "--db", str(db_path)])
    output = capsys.readouterr().out
    batch_line = next(line for line in output.splitlines() if "possible duplicate" in line)
    batch = batch_line.rsplit(" ", 1)[-1]
    listed = main(["dedupe", "--db", str(db_path), "--import-batch", batch, "--json"])
    groups = json.loads(capsys.readouterr().out)

    assert code == 0
    assert batch_line.startswith("1 possible duplicate found - review with: leaddesk dedupe --import-batch ")
    assert listed == 0
    assert len(groups) == 1
    assert len(groups[0]["lead_ids"]) == 3


def test_import_json_duplicate_count(db_path, tmp_path, capsys) -> None:
    _seed(db_path)

    code = main(["import", _write_csv(tmp_path), "--db", str(db_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert report["possible_duplicates"] == 1


def test_import_dry_run_no_count(db_path, tmp_path, capsys) -> None:
    _seed(db_path)

    code = main(["import", _write_csv(tmp_path), "--db", str(db_path), "--json", "--dry-run"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    assert report["possible_duplicates"] is None


def test_undo_takes_import_batch(db_path, tmp_path, capsys) -> None:
    _seed(db_path)
    main(["import", _write_csv(tmp_path), "--db", str(db_path), "--json"])
    batch = json.loads(capsys.readouterr().out)["batch_id"]

    code = main(["undo", batch, "--db", str(db_path)])
    capsys.readouterr()

    assert code == 0
    database = Database.open(db_path)
    with database.session() as session:
        emails = sorted(lead.email or "" for lead in session.query(Lead).filter(Lead.deleted_at.is_(None)))
    database.dispose()
    assert emails == ["", "bill.turner@gmail.com", "billturner@gmail.com"]


def test_dedupe_unknown_batch(db_path, capsys) -> None:
    _seed(db_path)

    code = main(["dedupe", "--db", str(db_path), "--import-batch", "abcd1234"])

    assert code == 1
    assert "abcd1234" in capsys.readouterr().err


def test_dedupe_auto_merges_when_on(db_path, capsys) -> None:
    from leaddesk.services.dedup.settings import save_auto_merge_enabled

    bill, william, _ann = _seed(db_path)
    database = Database.open(db_path)
    with database.session() as session:
        save_auto_merge_enabled(session, True)
    database.dispose()

    code = main(["dedupe", "--db", str(db_path), "--json"])
    captured = capsys.readouterr()
    main(["merges", "--db", str(db_path), "--json"])
    merges = json.loads(capsys.readouterr().out)

    assert code == 0
    assert json.loads(captured.out) == []
    assert captured.err.startswith("Auto-merged ")
    assert f"undo with: leaddesk undo {merges[0]['operation_id']}" in captured.err
    assert merges[0]["created_by"] == "auto-merge"
    assert sorted([merges[0]["survivor_id"], *merges[0]["merged_ids"]]) == sorted([bill, william])


def test_merge_text_names_one_lead(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["merge", bill, william, "--db", str(db_path)])
    output = capsys.readouterr().out

    assert code == 0
    assert output.startswith(f"Merged 1 lead into {bill};")
    operation = output.rsplit("leaddesk undo ", 1)[1].strip()
    assert main(["undo", operation, "--db", str(db_path)]) == 0
    assert "restored 1 lead, " in capsys.readouterr().out


def test_dedupe_pair_shows_full_ids(db_path, capsys) -> None:
    bill, william, _ann = _seed(db_path)

    code = main(["dedupe", "--db", str(db_path)])
    output = capsys.readouterr().out
    low, high = sorted([bill, william])
    pair_line = next(line for line in output.splitlines() if " ~ " in line)

    assert code == 0
    assert pair_line.startswith(f"    {low} ~ {high}  ")
    assert main(["not-duplicate", low, high, "--db", str(db_path)]) == 0


def test_undo_short_id_usage_error(db_path, capsys) -> None:
    _seed(db_path)

    code = main(["undo", "01", "--db", str(db_path)])
    error = capsys.readouterr().err

    assert code == 2
    assert "operation id '01' is too short; give at least 4 hex digits" in error


@pytest.mark.parametrize("full_scan_first", [False, True])
def test_import_uses_stored_fit(db_path, tmp_path, capsys, full_scan_first) -> None:
    database = Database.open(db_path)
    with database.session() as session:
        seed_members(session)
        refresh_match_keys(session)
    database.dispose()
    fields = member_fields(0)
    path = tmp_path / "members.csv"
    path.write_text(f"First Name,Last Name,Member no,Street\nZora,Quist,{fields['Member no']},{fields['Street']}\n", encoding="utf-8")

    if full_scan_first:
        main(["dedupe", "--db", str(db_path)])
        capsys.readouterr()
    code = main(["import", str(path), "--db", str(db_path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    # Only the fit of a full scan makes a shared member number and street a match.
    assert report["possible_duplicates"] == (1 if full_scan_first else 0)
