"""Add qualification_changes: when each lead entered and left MQL and SQL.

lead_evaluations keeps only the current qualification, so the dashboard could not tell
how long leads stay MQL. Triggers on lead_evaluations write a row whenever a stored
qualification changes, stamped with the evaluation's evaluated_at. Triggers cover every
writer, the ORM and the bulk evaluation's upserts alike. Existing qualifications are
backfilled with backfilled set, because the instant they were reached is not known.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = "lead_id, previous, qualification, changed_at, backfilled"

# SQLite fires AFTER INSERT only for rows an upsert inserted, and AFTER UPDATE OF for rows
# it updated, so each stored change is recorded once. An evaluation without evaluated_at
# has no time to record and is skipped.
_SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER tr_lead_evaluations_qualification_insert
    AFTER INSERT ON lead_evaluations
    WHEN NEW.qualification IS NOT NULL AND NEW.evaluated_at IS NOT NULL
    BEGIN
        INSERT INTO qualification_changes ({_COLUMNS})
        VALUES (NEW.lead_id, NULL, NEW.qualification, NEW.evaluated_at, 0);
    END
    """,
    f"""
    CREATE TRIGGER tr_lead_evaluations_qualification_update
    AFTER UPDATE OF qualification ON lead_evaluations
    WHEN NEW.qualification IS NOT OLD.qualification AND NEW.evaluated_at IS NOT NULL
    BEGIN
        INSERT INTO qualification_changes ({_COLUMNS})
        VALUES (NEW.lead_id, OLD.qualification, NEW.qualification, NEW.evaluated_at, 0);
    END
    """,
)

_POSTGRESQL_TRIGGERS = (
    f"""
    CREATE FUNCTION record_qualification_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.evaluated_at IS NULL THEN
            RETURN NULL;
        END IF;
        IF TG_OP = 'INSERT' THEN
            IF NEW.qualification IS NOT NULL THEN
                INSERT INTO qualification_changes ({_COLUMNS})
                VALUES (NEW.lead_id, NULL, NEW.qualification, NEW.evaluated_at, FALSE);
            END IF;
        ELSIF NEW.qualification IS DISTINCT FROM OLD.qualification THEN
            INSERT INTO qualification_changes ({_COLUMNS})
            VALUES (NEW.lead_id, OLD.qualification, NEW.qualification, NEW.evaluated_at, FALSE);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tr_lead_evaluations_qualification
    AFTER INSERT OR UPDATE OF qualification ON lead_evaluations
    FOR EACH ROW EXECUTE FUNCTION record_qualification_change()
    """,
)


def upgrade() -> None:
    op.create_table(
        "qualification_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("previous", sa.String(length=10), nullable=True),
        sa.Column("qualification", sa.String(length=10), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backfilled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_qualification_changes_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_qualification_changes"),
    )
    op.create_index(
        "ix_qualification_changes_lead_id_changed_at", "qualification_changes", ["lead_id", "changed_at"], unique=False
    )
    # The current qualification is known, but not since when: the last evaluation time (or
    # the arrival, for a lead never evaluated) is the latest instant it certainly held.
    op.execute(
        f"""
        INSERT INTO qualification_changes ({_COLUMNS})
        SELECT e.lead_id, NULL, e.qualification, COALESCE(e.evaluated_at, l.received_at), TRUE
        FROM lead_evaluations e JOIN leads l ON l.id = e.lead_id
        WHERE e.qualification IS NOT NULL
        """
    )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_lead_evaluations_qualification ON lead_evaluations")
        op.execute("DROP FUNCTION IF EXISTS record_qualification_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_lead_evaluations_qualification_insert")
        op.execute("DROP TRIGGER IF EXISTS tr_lead_evaluations_qualification_update")
    op.drop_index("ix_qualification_changes_lead_id_changed_at", table_name="qualification_changes")
    op.drop_table("qualification_changes")
