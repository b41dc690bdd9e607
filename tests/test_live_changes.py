"""Live lead changes: the NOTIFY trigger and the listener thread on a real PostgreSQL server."""

from __future__ import annotations

import queue
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text

from leaddesk.models import Lead
from leaddesk.services.live_changes import (
    FUNCTION_NAME,
    MAX_IDS_PER_NOTICE,
    RESYNC,
    LeadChangeListener,
    LeadChangeNotice,
    TRIGGER_NAMES,
    LiveChangesUnavailable,
    install_change_trigger,
    parse_notice,
)

WAIT_SECONDS = 10


@pytest.fixture
def listening(pg_database):
    """The trigger installed and a listener running; yields the database and the queue of notices."""
    install_change_trigger(pg_database.engine)
    notices: queue.Queue[LeadChangeNotice] = queue.Queue()
    listener = LeadChangeListener.for_engine(pg_database.engine, notices.put)
    listener.start()
    assert listener.wait_listening(WAIT_SECONDS)
    yield pg_database, notices, listener
    listener.stop()
    assert not listener.running


def next_notice(notices: queue.Queue) -> LeadChangeNotice:
    return notices.get(timeout=WAIT_SECONDS)


def test_insert_sends_ids_and_people(listening):
    database, notices, _listener = listening
    with database.session() as session:
        lead = Lead(first_name="Ada", updated_by="bob")
        session.add(lead)
        session.flush()
        lead_id = lead.id

    notice = next_notice(notices)
    assert notice.op == "INSERT"
    assert notice.lead_ids == (lead_id,)
    assert notice.people == ("bob",)
    assert notice.complete


def test_update_names_editor(listening):
    database, notices, _listener = listening
    with database.session() as session:
        lead = Lead(first_name="Ada", updated_by="bob")
        session.add(lead)
    next_notice(notices)

    with database.session() as session:
        stored = session.get(Lead, lead.id)
        stored.city = "Oslo"
        stored.updated_by = "carl"

    notice = next_notice(notices)
    assert notice.op == "UPDATE"
    assert notice.lead_ids == (lead.id,)
    assert notice.people == ("carl",)


def test_rollback_sends_nothing(listening):
    database, notices, _listener = listening
    with pytest.raises(RuntimeError), database.session() as session:
        session.add(Lead(first_name="Ada", updated_by="bob"))
        session.flush()
        raise RuntimeError("abort the transaction")

    with pytest.raises(queue.Empty):
        notices.get(timeout=1.5)


def test_delete_sends_ids(listening):
    database, notices, _listener = listening
    with database.session() as session:
        lead = Lead(first_name="Ada")
        session.add(lead)
    next_notice(notices)

    with database.session() as session:
        session.delete(session.get(Lead, lead.id))

    notice = next_notice(notices)
    assert notice.op == "DELETE"
    assert notice.lead_ids == (lead.id,)
    assert notice.people == ()


def test_bulk_statement_sends_count_only(listening):
    database, notices, _listener = listening
    count = MAX_IDS_PER_NOTICE + 50
    with database.session() as session:
        session.add_all([Lead(first_name=f"Lead {n}", updated_by="import") for n in range(count)])
    received = 0
    while received < count:
        notice = next_notice(notices)
        received += notice.count
    with database.session() as session:
        session.execute(text("UPDATE leads SET city = 'Oslo', updated_by = 'dan'"))

    notice = next_notice(notices)
    assert notice.count == count
    assert len(notice.lead_ids) == MAX_IDS_PER_NOTICE
    assert not notice.complete
    assert notice.people == ("dan",)


def test_lost_connection_resyncs(listening):
    database, notices, _listener = listening
    with database.engine.begin() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN leaddesk_lead_changes'")
        )

    assert next_notice(notices) == RESYNC
    with database.session() as session:
        lead = Lead(first_name="Ada", updated_by="bob")
        session.add(lead)
    notice = next_notice(notices)
    assert notice.lead_ids == (lead.id,)


def test_trigger_install_once_then_readers(pg_server, pg_database, pg_url):
    """A user who does not own leads gets an error before the owner installed the trigger, and none after."""
    from pg_server import PASSWORD_ROLE, PASSWORD_ROLE_SECRET

    name = pg_url.rsplit("/", 1)[1]
    pg_server.execute_admin(f'GRANT CONNECT ON DATABASE "{name}" TO {PASSWORD_ROLE}')
    reader = create_engine(pg_server.url_for(name, role=PASSWORD_ROLE, password=PASSWORD_ROLE_SECRET))
    try:
        with pytest.raises(LiveChangesUnavailable, match="owner"):
            install_change_trigger(reader)
        assert install_change_trigger(pg_database.engine) is True
        assert install_change_trigger(pg_database.engine) is False
        assert install_change_trigger(reader) is False
    finally:
        reader.dispose()


@pytest.mark.sqlite_only("it checks that a SQLite engine is rejected")
def test_trigger_needs_postgresql(database):
    with pytest.raises(LiveChangesUnavailable, match="sqlite"):
        install_change_trigger(database.engine)


def test_parse_notice_rejects_malformed():
    lead_id = uuid.uuid4()
    notice = parse_notice(f'{{"op": "UPDATE", "count": 1, "ids": ["{lead_id}"], "by": ["bob"]}}')
    assert notice == LeadChangeNotice("UPDATE", 1, (lead_id,), ("bob",))
    for payload in ("not json", '{"op": "UPDATE"}', '{"op": "UPDATE", "count": 1, "ids": ["not-a-uuid"]}'):
        with pytest.raises(ValueError, match="invalid lead change notification"):
            parse_notice(payload)


def test_trigger_install_concurrent_windows(pg_database, pg_url):
    """Windows opening one server database at once all get the trigger, and none fails on a duplicate pg_proc row."""
    engines = [create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1)) for _ in range(4)]
    try:
        for round_number in range(15):
            with pg_database.engine.begin() as connection:
                connection.execute(text(f"DROP FUNCTION IF EXISTS {FUNCTION_NAME}() CASCADE"))
            barrier = threading.Barrier(len(engines))
            errors: list[Exception] = []

            def install(engine) -> None:
                barrier.wait()
                try:
                    install_change_trigger(engine)
                except LiveChangesUnavailable as error:
                    errors.append(error)

            threads = [threading.Thread(target=install, args=(engine,)) for engine in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WAIT_SECONDS * 3)
            assert errors == [], f"round {round_number}: {errors}"
            with pg_database.engine.connect() as connection:
                count = connection.execute(
                    text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'leads'::regclass AND tgname = ANY(:names)"),
                    {"names": list(TRIGGER_NAMES)},
                ).scalar_one()
            assert count == len(TRIGGER_NAMES)
    finally:
        for engine in engines:
            engine.dispose()
