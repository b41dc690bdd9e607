"""Record on each follow-up the sequence enrolment whose step created it.

Revision ID: 0018
Revises: 0017

Stopping an enrolment closes the open follow-ups of its steps. Rows written before this
revision have no enrollment_id, and leaddesk.services.sequences still finds those by the
note text that the step wrote.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrollment_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_follow_ups_enrollment_id_sequence_enrollments",
            "sequence_enrollments",
            ["enrollment_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_follow_ups_enrollment_id", ["enrollment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_enrollment_id")
        batch_op.drop_constraint("fk_follow_ups_enrollment_id_sequence_enrollments", type_="foreignkey")
        batch_op.drop_column("enrollment_id")
