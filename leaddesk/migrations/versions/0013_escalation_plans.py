"""Add escalation_plans: each waiting lead's next escalation step time, indexed.

The reminder check recomputed every waiting lead's escalation ladder on each run. With
the stored step times it reads the due leads by index and recomputes only leads whose
segment, arrival, deadline, progress or playbook changed.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_plans",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("playbook_hash", sa.String(length=64), nullable=False),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_escalation_plans_lead_id_leads", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", name="pk_escalation_plans"),
    )
    op.create_index("ix_escalation_plans_next_step_at", "escalation_plans", ["next_step_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_escalation_plans_next_step_at", table_name="escalation_plans")
    op.drop_table("escalation_plans")
