"""Review queue, merge presets, merge preview, merge history, auto-merge and the new-lead hint, without Qt."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from leaddesk.models import Activity, FollowUp, Lead, MergeOperation, Rep
from leaddesk.services.dedup.history import list_merges
from leaddesk.services.dedup.merge import merge_leads
from leaddesk.services.dedup.presets import CHOSEN_FIELDS, FieldValues, PresetError, choose_winners
from leaddesk.services.dedup.preview import load_merge_preview
from leaddesk.services.dedup.review import (
    AUTO_MERGE_ACTOR,
    CancelFlag,
    ScanCancelled,
    build_review_queue,
    leads_of_import,
    run_scan,
)
from leaddesk.services.dedup.settings import load_auto_merge_enabled, save_auto_merge_enabled
from leaddesk.services.dedup.similar import find_similar_leads
from leaddesk.services.dedup.undo import undo_merge
from leaddesk.services.lead_create import NewLeadError, create_lead

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
A, B, C = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)


def _values(lead_id, updated_at, **values) -> FieldValues:
    return FieldValues(lead_id, updated_at, {name: values.get(name) for name in CHOSEN_FIELDS})


# --- Presets ---------------------------------------------------------------------------


def test_preset_survivor_fills_blanks() -> None:
    leads = [_values(A, T0, email="a@x.com"), _values(B, T0 + timedelta(days=1), email="b@x.com", title="CTO")]

    winners = choose_winners(leads, "survivor")

    assert winners["email"] == A
    assert winners["title"] == B
    assert winners["company"] == A


def test_preset_newest_takes_newer() -> None:
    leads = [_values(A, T0, email="a@x.com", title="CEO"), _values(B, T0 + timedelta(days=1), email="b@x.com")]

    winners = choose_winners(leads, "newest")

    assert winners["email"] == B
    assert winners["title"] == A


def test_preset_complete_takes_fuller() -> None:
    leads = [
        _values(A, T0, email="a@x.com"),
        _values(B, T0, email="b@x.com", phone="+1 555 0100 200", company="Acme"),
        _values(C, T0, title="CTO"),
    ]

    winners = choose_winners(leads, "complete")

    assert winners["email"] == B
    assert winners["phone"] == B
    assert winners["title"] == C


def test_override_beats_preset() -> None:
    leads = [_values(A, T0, email="a@x.com"), _values(B, T0, email="b@x.com")]

    winners = choose_winners(leads, "survivor", {"email": B, "title": B})

    assert winners["email"] == B
    assert winners["title"] == B


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("oldest", {}, "unknown merge preset 'oldest'"),
        ("survivor", {"notes": A}, "field 'notes' cannot be chosen"),
        ("survivor", {"email": C}, "is not one of the merged leads"),
    ],
)
def test_preset_rejects_bad_input(preset, overrides, message) -> None:
    leads = [_values(A, T0), _values(B, T0)]

    with pytest.raises(PresetError, match=message):
        choose_winners(leads, preset, overrides)


# --- Fixtures on a real database ----------------------------------------------------------


def _add(session, **fields) -> Lead:
    lead = Lead(**fields)
    session.add(lead)
    session.flush()
    return lead


@pytest.fixture
def duplicates(database) -> dict[str, uuid.UUID]:
    """Two Turner leads that share an e-mail, two Lee leads that share a phone, and one unrelated lead."""
    with database.session() as session:
        rep = Rep(name="Ana Ruiz")
        session.add(rep)
        session.flush()
        bill = _add(session, first_name="Bill", last_name="Turner", email="bill.turner@gmail.com", received_at=T0,
                    owner_id=rep.id, secondary_values={"emails": ["bt@old.example"]})
        william = _add(session, first_name="William", last_name="Turner", email="billturner@gmail.com",
                       phone="+1 415 555 0100", received_at=T0 - timedelta(days=2), next_follow_up_at=T0 + timedelta(days=1))
        ann = _add(session, first_name="Ann", last_name="Lee", phone="+44 20 7183 8750", company="Globex", received_at=T0)
        anne = _add(session, first_name="Ann", last_name="Lee", phone="020 7183 8750", country="GB",
                    received_at=T0 + timedelta(hours=1))
        other = _add(session, first_name="Zoe", last_name="Park", company="Initech", received_at=T0)
        session.add(Activity(lead_id=william.id, kind="note", occurred_at=T0, summary="called"))
        session.add(Activity(lead_id=william.id, kind="call", occurred_at=T0, summary="left voicemail"))
        session.add(FollowUp(lead_id=william.id, due_at=T0 + timedelta(days=1), note="call back"))
        session.add(FollowUp(lead_id=william.id, due_at=T0 - timedelta(days=1), note="done", completed_at=T0))
        return {"bill": bill.id, "william": william.id, "ann": ann.id, "anne": anne.id, "other": other.id, "rep": rep.id}


def _lead_rows(database) -> dict:
    skip = {"row_version", "updated_at", "updated_by"}
    with database.session() as session:
        return {
            lead.id: {column.name: getattr(lead, column.name) for column in Lead.__table__.columns if column.name not in skip}
            for lead in session.scalars(select(Lead))
        }


# --- Review queue ---------------------------------------------------------------------------


def test_queue_lists_both_groups(database, duplicates) -> None:
    with database.session() as session:
        queue = build_review_queue(session)

    members = [set(group.lead_ids) for group in queue.groups]
    assert {duplicates["bill"], duplicates["william"]} in members
    assert {duplicates["ann"], duplicates["anne"]} in members
    assert len(queue.groups) == 2
    assert queue.auto_merged == ()
    assert queue.labels[duplicates["ann"]].describe() == "Ann Lee at Globex"
    assert queue.labels[duplicates["bill"]].describe() == "Bill Turner"


def test_queue_sorted_by_confidence(database, duplicates) -> None:
    with database.session() as session:
        queue = build_review_queue(session)

    confidences = [group.confidence for group in queue.groups]
    assert confidences == sorted(confidences, reverse=True)


def test_queue_limited_to_leads(database, duplicates) -> None:
    with database.session() as session:
        queue = build_review_queue(session, lead_ids=[duplicates["anne"]])

    assert [set(group.lead_ids) for group in queue.groups] == [{duplicates["ann"], duplicates["anne"]}]
    assert queue.lead_ids == (duplicates["anne"],)


def test_queue_empty_lead_list(database, duplicates) -> None:
    with database.session() as session:
        queue = build_review_queue(session, lead_ids=[])

    assert queue.groups == ()


def test_scan_cancel_raises(database, duplicates) -> None:
    cancel = CancelFlag()
    cancel.set()

    with database.session() as session, pytest.raises(ScanCancelled):
        run_scan(session, cancel=cancel)


def test_scan_cancel_midway_raises(database, duplicates) -> None:
    cancel = CancelFlag()

    with database.session() as session, pytest.raises(ScanCancelled):
        run_scan(session, progress=lambda _done, _total: cancel.set(), cancel=cancel)


def test_cancel_flag_both_forms() -> None:
    cancel = CancelFlag()
    assert cancel() is False
    cancel.set()
    assert cancel() is True
    assert cancel.is_set() is True


def test_scan_reports_progress(database, duplicates) -> None:
    seen: list[tuple[int, int]] = []

    with database.session() as session:
        run_scan(session, progress=lambda done, total: seen.append((done, total)))

    assert seen
    assert seen[-1][0] == seen[-1][1]


def test_auto_merge_off_by_default(database, duplicates) -> None:
    with database.session() as session:
        assert load_auto_merge_enabled(session) is False
        queue = build_review_queue(session)

    with database.session() as session:
        assert session.scalars(select(MergeOperation)).all() == []
    assert len(queue.groups) == 2


def test_auto_merge_on_merges_and_undoes(database, duplicates) -> None:
    before = _lead_rows(database)
    with database.session() as session:
        save_auto_merge_enabled(session, True)

    with database.session() as session:
        queue = build_review_queue(session, now=T0 + timedelta(days=5))

    # Only the Turner pair (same e-mail) scores above the default auto-merge threshold of 0.9.
    assert len(queue.auto_merged) == 1
    result = queue.auto_merged[0]
    assert result.survivor_id == duplicates["william"]  # received two days earlier
    assert result.merged_ids == (duplicates["bill"],)
    assert [set(group.lead_ids) for group in queue.groups] == [{duplicates["ann"], duplicates["anne"]}]
    with database.session() as session:
        operation = session.get(MergeOperation, result.operation_id)
        assert operation.created_by == AUTO_MERGE_ACTOR
        assert session.get(Lead, duplicates["bill"]).merged_into_id == duplicates["william"]

    with database.session() as session:
        undo_merge(session, session.get(MergeOperation, result.operation_id))

    after = _lead_rows(database)
    for lead_id, state in before.items():
        for name, value in state.items():
            if name.startswith("match_"):
                continue
            assert after[lead_id][name] == value, (lead_id, name)


# --- Merge preview and history --------------------------------------------------------------


def test_preview_counts_and_contacts(database, duplicates) -> None:
    with database.session() as session:
        preview = load_merge_preview(session, [duplicates["bill"], duplicates["william"]])

    william = preview.candidate(duplicates["william"])
    assert william.activity_count == 2
    assert william.follow_up_count == 2
    assert william.open_follow_up_count == 1
    assert preview.display_value(duplicates["bill"], "owner_id") == "Ana Ruiz"
    assert preview.display_value(duplicates["william"], "owner_id") == ""

    winners = {"email": duplicates["bill"], "phone": duplicates["william"]}
    kept = preview.kept_contacts(winners)
    assert kept["emails"] == ["bt@old.example", "billturner@gmail.com"]
    assert kept["phones"] == []


def test_preview_contacts_match_merge(database, duplicates) -> None:
    with database.session() as session:
        preview = load_merge_preview(session, [duplicates["william"], duplicates["bill"]])
        winners = choose_winners([candidate.fields for candidate in preview.candidates], "survivor")

    with database.session() as session:
        merge_leads(session, duplicates["william"], [duplicates["bill"]])

    with database.session() as session:
        survivor = session.get(Lead, duplicates["william"])
        assert survivor.secondary_values["emails"] == preview.kept_contacts(winners)["emails"]


def test_preview_rejects_merged_lead(database, duplicates) -> None:
    with database.session() as session:
        merge_leads(session, duplicates["william"], [duplicates["bill"]])

    with database.session() as session, pytest.raises(ValueError, match="already deleted or merged"):
        load_merge_preview(session, [duplicates["william"], duplicates["bill"]])


def test_history_lists_newest_first(database, duplicates) -> None:
    with database.session() as session:
        first = merge_leads(session, duplicates["william"], [duplicates["bill"]], actor="ana", now=T0)
    with database.session() as session:
        second = merge_leads(session, duplicates["ann"], [duplicates["anne"]], actor="ben", now=T0 + timedelta(hours=1))
    with database.session() as session:
        undo_merge(session, session.get(MergeOperation, first.operation_id), actor="ana")

    with database.session() as session:
        merges = list_merges(session)

    assert [summary.operation_id for summary in merges] == [second.operation_id, first.operation_id]
    assert merges[0].survivor_name == "Ann Lee"
    assert merges[0].merged_names == ("Ann Lee",)
    assert merges[0].undone is False
    assert merges[1].undone is True
    assert merges[1].to_dict()["merged_ids"] == [str(duplicates["bill"])]


# --- Leads of an import ---------------------------------------------------------------------


def test_leads_of_import_created_and_changed(database, duplicates) -> None:
    from leaddesk.models import ImportBatch, ImportChange

    with database.session() as session:
        batch = ImportBatch(file_name="x.csv", sha256="0" * 64)
        session.add(batch)
        session.flush()
        session.get(Lead, duplicates["ann"]).import_batch_id = batch.id
        session.add(ImportChange(batch_id=batch.id, lead_id=duplicates["other"], field="title", before=None, after="CTO"))
        batch_id = batch.id

    with database.session() as session:
        assert leads_of_import(session, batch_id) == sorted([duplicates["ann"], duplicates["other"]])
        assert leads_of_import(session, str(batch_id)) == sorted([duplicates["ann"], duplicates["other"]])


# --- Hint while typing and creating a lead --------------------------------------------------


def test_similar_finds_by_email(database, duplicates) -> None:
    with database.session() as session:
        build_review_queue(session)  # stores the match keys
        found = find_similar_leads(session, {"first_name": "Will", "last_name": "Turner", "email": "Bill.Turner+x@gmail.com"})

    assert [item.label.lead_id for item in found][:2] == sorted(
        [duplicates["bill"], duplicates["william"]], key=lambda lead_id: [item.label.lead_id for item in found].index(lead_id)
    )
    assert {item.label.lead_id for item in found} == {duplicates["bill"], duplicates["william"]}
    assert found[0].message().startswith("This may be ")
    assert found[0].message().endswith(" - open it instead?")
    assert "same e-mail billturner@gmail.com" in found[0].reasons


def test_similar_ignores_unrelated(database, duplicates) -> None:
    with database.session() as session:
        build_review_queue(session)
        assert find_similar_leads(session, {"first_name": "Priya", "last_name": "Shah", "company": "Umbrella"}) == []
        assert find_similar_leads(session, {"first_name": "  "}) == []


def test_create_lead_then_found(database, duplicates) -> None:
    with database.session() as session:
        lead_id = create_lead(session, {"first_name": " Zoe ", "last_name": "Park", "email": "zoe@initech.com"}, "ana", T0)

    with database.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead.first_name == "Zoe"
        assert lead.email_normalized == "zoe@initech.com"
        assert lead.received_at == T0
        assert lead.response_due_at is not None
        assert lead.match_email == "zoe@initech.com"
        found = find_similar_leads(session, {"email": "ZOE@initech.com"})
        assert [item.label.lead_id for item in found] == [lead_id]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"first_name": " "}, "no name, e-mail, phone or company"),
        ({"email": "zoe at initech"}, "'zoe at initech' is not a valid address"),
        ({"first_name": "Zoe", "nickname": "Z"}, "unknown lead field 'nickname'"),
    ],
)
def test_create_lead_rejects(database, values, message) -> None:
    with database.session() as session, pytest.raises(NewLeadError, match=message):
        create_lead(session, values, "ana", T0)
