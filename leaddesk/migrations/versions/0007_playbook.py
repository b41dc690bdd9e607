"""Add lead_evaluations: qualification, score parts and override, escalation progress, speed to lead.

Revision ID: 0007
Revises: 0006

Rows are written by leaddesk.services.evaluation when a lead is evaluated against the
playbook, so existing leads start without one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_evaluations",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("qualification", sa.String(length=10), nullable=True),
        sa.Column("qualification_reasons", sa.JSON(), nullable=False),
        sa.Column("fit_points", sa.Integer(), nullable=False),
        sa.Column("engagement_points", sa.Integer(), nullable=False),
        sa.Column("score_total", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("score_parts", sa.JSON(), nullable=False),
        sa.Column("score_override", sa.Integer(), nullable=True),
        sa.Column("score_override_reason", sa.Text(), nullable=True),
        sa.Column("escalation_steps_done", sa.Integer(), nullable=False),
        sa.Column("speed_to_lead_seconds", sa.Integer(), nullable=True),
        sa.Column("speed_to_lead_business_seconds", sa.Integer(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_evaluations_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_evaluations"),
    )
    op.create_index("ix_lead_evaluations_qualification", "lead_evaluations", ["qualification"], unique=False)
    op.create_index("ix_lead_evaluations_score_total", "lead_evaluations", ["score_total"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lead_evaluations_score_total", table_name="lead_evaluations")
    op.drop_index("ix_lead_evaluations_qualification", table_name="lead_evaluations")
    op.drop_table("lead_evaluations")
