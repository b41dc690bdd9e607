"""Store follow-ups as local wall time plus timezone, add call outcomes and notification receipts.

Revision ID: 0008
Revises: 0005

Existing follow-ups only have a UTC instant, so they get that instant as their wall time
in the "UTC" zone: they keep firing at the same moment, and a user who reschedules one
picks a local zone then.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_local", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"))
        batch_op.add_column(sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("recurrence", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completed_by", sa.String(length=200), nullable=True))
    # SQLite stores due_at as naive UTC text ("2026-03-29 09:00:00.000000"); PostgreSQL as timestamptz.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE follow_ups SET due_local = strftime('%Y-%m-%dT%H:%M', due_at), time_zone = 'UTC'")
    else:
        op.execute(
            "UPDATE follow_ups SET due_local = to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI'), "
            "time_zone = 'UTC'"
        )

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=40), nullable=True))

    op.create_table(
        "notification_receipts",
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_key", "recipient", name="pk_notification_receipts"),
    )


def downgrade() -> None:
    op.drop_table("notification_receipts")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("outcome")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        for name in ("completed_by", "snoozed_until", "recurrence", "all_day", "time_zone", "due_local"):
            batch_op.drop_column(name)
