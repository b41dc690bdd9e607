"""Add the team sync tables: device identity, change log, merged row state, conflicts, applied files
and the other devices of the team.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("bundle_path", sa.Text(), nullable=True),
        sa.Column("hlc_ms", sa.BigInteger(), nullable=False),
        sa.Column("hlc_counter", sa.Integer(), nullable=False),
        sa.Column("next_segment_seq", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_identity"),
    )
    op.create_table(
        "sync_changes",
        sa.Column("change_id", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("hlc", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("old_json", sa.Text(), nullable=False),
        sa.Column("seen_json", sa.Text(), nullable=True),
        sa.Column("exported", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name="pk_sync_changes"),
    )
    op.create_index("ix_sync_changes_row", "sync_changes", ["entity", "row_id"], unique=False)
    op.create_index("ix_sync_changes_exported", "sync_changes", ["exported"], unique=False)
    op.create_table(
        "sync_row_state",
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("winners_json", sa.Text(), nullable=False),
        sa.Column("local_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", name="pk_sync_row_state"),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("winner_change_id", sa.String(length=32), nullable=False),
        sa.Column("loser_change_id", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_conflicts"),
    )
    op.create_index("ix_sync_conflicts_row", "sync_conflicts", ["entity", "row_id"], unique=False)
    op.create_table(
        "sync_files",
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("path", name="pk_sync_files"),
    )
    op.create_table(
        "sync_devices",
        sa.Column("device_id", sa.String(length=32), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("applied_seq", sa.Integer(), nullable=False),
        sa.Column("max_hlc", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_sync_devices"),
    )


def downgrade() -> None:
    op.drop_table("sync_devices")
    op.drop_table("sync_files")
    op.drop_index("ix_sync_conflicts_row", table_name="sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_table("sync_row_state")
    op.drop_index("ix_sync_changes_exported", table_name="sync_changes")
    op.drop_index("ix_sync_changes_row", table_name="sync_changes")
    op.drop_table("sync_changes")
    op.drop_table("sync_identity")
