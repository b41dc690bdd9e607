"""Keep each lead's qualification changes in time order.

Revision ID: 0016
Revises: 0015

An evaluation dated before the lead's latest recorded change (`leaddesk evaluate --now` with
a past instant) made the triggers of revision 0014 write a row dated before that change, so
the history read as a long MQL or SQL spell that never happened. The triggers now clamp
changed_at to the lead's latest changed_at, so the change is still recorded and no row is
ever dated before an earlier-recorded row of the same lead. Rows already written out of order
are kept, and the reporting leaves their spells out of the median days in stage.
"""

import importlib

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_COLUMNS = "lead_id, previous, qualification, changed_at, backfilled"

# SQLite stores both columns as "YYYY-MM-DD HH:MM:SS.ffffff" UTC text (SQLAlchemy's DateTime
# format), so the text MAX is the later instant. MAX(x, NULL) is NULL in SQLite, hence COALESCE.
_SQLITE_CHANGED_AT = """MAX(NEW.evaluated_at, COALESCE(
            (SELECT MAX(changed_at) FROM qualification_changes WHERE lead_id = NEW.lead_id), NEW.evaluated_at))"""

_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER tr_lead_evaluations_qualification_insert
    AFTER INSERT ON lead_evaluations
    WHEN NEW.qualification IS NOT NULL AND NEW.evaluated_at IS NOT NULL
    BEGIN
        INSERT INTO qualification_changes ({_COLUMNS})
        VALUES (NEW.lead_id, NULL, NEW.qualification, {_SQLITE_CHANGED_AT}, 0);
    END
    """,
    f"""
    CREATE TRIGGER tr_lead_evaluations_qualification_update
    AFTER UPDATE OF qualification ON lead_evaluations
    WHEN NEW.qualification IS NOT OLD.qualification AND NEW.evaluated_at IS NOT NULL
    BEGIN
        INSERT INTO qualification_changes ({_COLUMNS})
        VALUES (NEW.lead_id, OLD.qualification, NEW.qualification, {_SQLITE_CHANGED_AT}, 0);
    END
    """,
)

# GREATEST ignores NULL in PostgreSQL, so a lead's first change keeps its evaluated_at.
_POSTGRESQL_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION record_qualification_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        recorded_at timestamptz;
    BEGIN
        IF NEW.evaluated_at IS NULL THEN
            RETURN NULL;
        END IF;
        recorded_at := GREATEST(NEW.evaluated_at,
            (SELECT MAX(c.changed_at) FROM qualification_changes c WHERE c.lead_id = NEW.lead_id));
        IF TG_OP = 'INSERT' THEN
            IF NEW.qualification IS NOT NULL THEN
                INSERT INTO qualification_changes ({_COLUMNS})
                VALUES (NEW.lead_id, NULL, NEW.qualification, recorded_at, FALSE);
            END IF;
        ELSIF NEW.qualification IS DISTINCT FROM OLD.qualification THEN
            INSERT INTO qualification_changes ({_COLUMNS})
            VALUES (NEW.lead_id, OLD.qualification, NEW.qualification, recorded_at, FALSE);
        END IF;
        RETURN NULL;
    END
    $$
    """


def _drop_sqlite_triggers() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_lead_evaluations_qualification_insert")
    op.execute("DROP TRIGGER IF EXISTS tr_lead_evaluations_qualification_update")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The trigger of revision 0014 calls this function by name, so replacing it is enough.
        op.execute(_POSTGRESQL_FUNCTION)
        return
    _drop_sqlite_triggers()
    for statement in _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    """Restore the triggers of revision 0014, which date each change at its evaluated_at."""
    previous = importlib.import_module("leaddesk.migrations.versions.0014_qualification_changes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(previous._POSTGRESQL_TRIGGERS[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        return
    _drop_sqlite_triggers()
    for statement in previous._SQLITE_TRIGGERS:
        op.execute(statement)
