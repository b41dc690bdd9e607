"""Add sequence_enrollments: leads enrolled in outreach sequences and their next step.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sequence_enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("sequence_key", sa.String(length=100), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_sequence_enrollments_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sequence_enrollments"),
    )
    op.create_index("ix_sequence_enrollments_lead_id", "sequence_enrollments", ["lead_id"], unique=False)
    op.create_index("ix_sequence_enrollments_next_step_at", "sequence_enrollments", ["next_step_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sequence_enrollments_next_step_at", table_name="sequence_enrollments")
    op.drop_index("ix_sequence_enrollments_lead_id", table_name="sequence_enrollments")
    op.drop_table("sequence_enrollments")
