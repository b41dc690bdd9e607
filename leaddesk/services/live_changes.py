"""Live lead changes on PostgreSQL: a trigger that sends NOTIFY on commit, and a listener thread.

Statement-level triggers on the leads table send one notification per INSERT, UPDATE or
DELETE statement on channel CHANNEL, with a JSON payload such as
{"op": "UPDATE", "count": 1, "ids": ["..."], "by": ["bob"]}. PostgreSQL delivers it only
when the writing transaction commits, and drops it when the transaction rolls back. The
listener uses a connection of its own in autocommit mode, taken out of the engine's pool,
so waiting for notifications takes no pooled connection from the window's sessions.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine, text

logger = logging.getLogger(__name__)

CHANNEL = "leaddesk_lead_changes"

# Lead ids per notification. A statement that changes more rows sends only the count, because
# a NOTIFY payload must stay below 8000 bytes (PostgreSQL's default limit).
MAX_IDS_PER_NOTICE = 100

# Characters of a payload quoted in log messages and errors.
QUOTED_PAYLOAD_CHARS = 200
# How long the listener waits for a notification before it checks whether it should stop, in seconds.
POLL_SECONDS = 0.5
# The pause before the listener connects again after its connection failed, in seconds.
RECONNECT_SECONDS = 2.0

FUNCTION_NAME = "leaddesk_notify_lead_changes"
TRIGGER_NAMES = ("leaddesk_leads_notify_insert", "leaddesk_leads_notify_update", "leaddesk_leads_notify_delete")

_FUNCTION_BODY = f"""
DECLARE
    payload jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT jsonb_build_object(
            'op', TG_OP,
            'count', (SELECT count(*) FROM old_rows),
            'ids', (SELECT coalesce(jsonb_agg(id), '[]'::jsonb) FROM (SELECT id FROM old_rows LIMIT {MAX_IDS_PER_NOTICE}) AS first_ids),
            'by', '[]'::jsonb
        ) INTO payload;
    ELSE
        SELECT jsonb_build_object(
            'op', TG_OP,
            'count', (SELECT count(*) FROM new_rows),
            'ids', (SELECT coalesce(jsonb_agg(id), '[]'::jsonb) FROM (SELECT id FROM new_rows LIMIT {MAX_IDS_PER_NOTICE}) AS first_ids),
            'by', (SELECT coalesce(jsonb_agg(DISTINCT updated_by), '[]'::jsonb) FROM new_rows WHERE updated_by IS NOT NULL)
        ) INTO payload;
    END IF;
    IF (payload->>'count')::bigint > 0 THEN
        PERFORM pg_notify('{CHANNEL}', payload::text);
    END IF;
    RETURN NULL;
END
"""

# A fixed advisory lock id for install_change_trigger, the same in every LeadDesk.
_INSTALL_LOCK_KEY = 0x4C44_4C49_5645  # "LDLIVE" in ASCII

_FUNCTION_SQL = f"CREATE OR REPLACE FUNCTION {FUNCTION_NAME}() RETURNS trigger LANGUAGE plpgsql AS $${_FUNCTION_BODY}$$"

_TRIGGER_SQL = (
    "CREATE OR REPLACE TRIGGER leaddesk_leads_notify_insert AFTER INSERT ON leads "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leaddesk_notify_lead_changes()",
    "CREATE OR REPLACE TRIGGER leaddesk_leads_notify_update AFTER UPDATE ON leads "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION leaddesk_notify_lead_changes()",
    "CREATE OR REPLACE TRIGGER leaddesk_leads_notify_delete AFTER DELETE ON leads "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION leaddesk_notify_lead_changes()",
)


class LiveChangesUnavailable(Exception):
    """The database cannot send live changes: it is no PostgreSQL server, or the trigger could not be created."""


@dataclass(frozen=True)
class LeadChangeNotice:
    """Leads that one committed statement changed, or a resynchronisation after a lost connection."""

    op: str
    count: int
    # Empty when the statement changed more than MAX_IDS_PER_NOTICE leads, or op is "RESYNC".
    lead_ids: tuple[uuid.UUID, ...]
    # The updated_by values of the changed rows; empty for deletes.
    people: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether lead_ids names every changed lead, so the window can refresh just those rows."""
        return self.op != "RESYNC" and len(self.lead_ids) == self.count


# Delivered after the listener connected again, because notifications sent meanwhile are lost.
RESYNC = LeadChangeNotice("RESYNC", 0, (), ())


def parse_notice(payload: str) -> LeadChangeNotice:
    """Turn a notification payload into a LeadChangeNotice; raises ValueError for a malformed one."""
    try:
        document = json.loads(payload)
        return LeadChangeNotice(
            op=str(document["op"]),
            count=int(document["count"]),
            lead_ids=tuple(uuid.UUID(str(value)) for value in document.get("ids") or ()),
            people=tuple(str(value) for value in document.get("by") or ()),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"invalid lead change notification {payload[:QUOTED_PAYLOAD_CHARS]!r}: {error}") from error


def install_change_trigger(engine: Engine) -> bool:
    """Create or replace the notify function and the three statement triggers on leads; return whether it wrote them.

    The window calls it on every open of a server database, so a database that another
    LeadDesk copied or migrated gets the triggers too. When the function and all three
    triggers exist as this version writes them, it changes nothing, so users who do not
    own the leads table get live changes once the owner has opened the database.
    """
    if engine.dialect.name != "postgresql":
        raise LiveChangesUnavailable(f"live changes need a PostgreSQL database, not {engine.dialect.name}")
    try:
        with engine.begin() as connection:
            # Two windows that open the database at once would both run CREATE OR REPLACE, and
            # the second insert into pg_proc fails with a unique violation. The lock makes the
            # second wait for the first to commit, and its check below then finds the trigger.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INSTALL_LOCK_KEY})
            body = connection.execute(text("SELECT prosrc FROM pg_proc WHERE proname = :name"), {"name": FUNCTION_NAME}).scalar()
            triggers = connection.execute(
                text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'leads'::regclass AND tgname = ANY(:names)"),
                {"names": list(TRIGGER_NAMES)},
            ).scalar_one()
            if body == _FUNCTION_BODY and triggers == len(TRIGGER_NAMES):
                return False
            connection.execute(text(_FUNCTION_SQL))
            for statement in _TRIGGER_SQL:
                connection.execute(text(statement))
    except Exception as error:  # noqa: BLE001 - any driver error means the same for the caller
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise LiveChangesUnavailable(
            f"cannot create the live-change trigger on the leads table ({cause}); "
            "open the database once as the owner of its tables, and changes by others then show live"
        ) from error
    logger.info("installed the live-change trigger on %s", engine.url.render_as_string(hide_password=True))
    return True


class LeadChangeListener:
    """A daemon thread that LISTENs on CHANNEL and calls on_notice with each LeadChangeNotice.

    on_notice runs on the listener thread, so a GUI must hand the notice to its own thread
    (a queued Qt signal does that). After a lost connection the listener connects again every
    RECONNECT_SECONDS and then delivers RESYNC. on_error receives each connection failure.
    """

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        on_notice: Callable[[LeadChangeNotice], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._connect = connect
        self._on_notice = on_notice
        self._on_error = on_error
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leaddesk-live-changes", daemon=True)

    @classmethod
    def for_engine(
        cls,
        engine: Engine,
        on_notice: Callable[[LeadChangeNotice], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> LeadChangeListener:
        """Listen through new connections of engine, with the engine's URL and password."""

        def connect() -> psycopg.Connection:
            pooled = engine.raw_connection()
            connection = pooled.driver_connection
            # Detached, the connection leaves the pool, and closing it closes the socket.
            pooled.detach()
            connection.rollback()
            connection.autocommit = True
            return connection

        return cls(connect, on_notice, on_error)

    def start(self) -> None:
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Block until the LISTEN is active, so a change committed afterwards is delivered; return whether it is."""
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait up to timeout seconds for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        reconnecting = False
        while not self._stop.is_set():
            try:
                connection = self._connect()
            except Exception as error:  # noqa: BLE001 - reported, then retried
                self._report(error)
                self._stop.wait(RECONNECT_SECONDS)
                continue
            try:
                connection.execute(f"LISTEN {CHANNEL}")
                self._listening.set()
                logger.info("listening for lead changes on channel %s", CHANNEL)
                if reconnecting:
                    self._on_notice(RESYNC)
                self._listen(connection)
            except psycopg.Error as error:
                self._report(error)
                reconnecting = True
                self._listening.clear()
                self._stop.wait(RECONNECT_SECONDS)
            finally:
                connection.close()
        logger.info("stopped listening for lead changes")

    def _listen(self, connection: psycopg.Connection) -> None:
        while not self._stop.is_set():
            for notify in connection.notifies(timeout=POLL_SECONDS):
                if notify.channel != CHANNEL:
                    continue
                try:
                    notice = parse_notice(notify.payload)
                except ValueError as error:
                    logger.warning("%s", error)
                    continue
                try:
                    self._on_notice(notice)
                except Exception:  # noqa: BLE001 - a failing receiver must not stop the listener
                    logger.exception("handling lead change notification %s failed", notify.payload[:QUOTED_PAYLOAD_CHARS])

    def _report(self, error: Exception) -> None:
        logger.warning("live lead changes: connection failed, retrying in %.0f s: %s", RECONNECT_SECONDS, error)
        if self._on_error is not None:
            self._on_error(error)
