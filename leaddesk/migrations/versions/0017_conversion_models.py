"""Add conversion_models: trained conversion models kept in the database itself.

A database on a server has no folder beside it for model files, and every teammate must
score with the same active model, so its model versions live in this table. Files next to
an SQLite database stay where they are.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversion_models",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_conversion_models")),
    )


def downgrade() -> None:
    op.drop_table("conversion_models")
