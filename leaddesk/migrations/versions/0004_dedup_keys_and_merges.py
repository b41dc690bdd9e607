"""Add match keys to leads, merge bookkeeping and remembered "not a duplicate" decisions.

Revision ID: 0004
Revises: 0003

The match_* columns of existing leads are filled by
leaddesk.services.dedup.normalize.refresh_match_keys on the first duplicate scan, because
their rules (nicknames, free-mail domains, phone parsing) live in that module and its
resource files, and a copy here would drift.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_KEY_COLUMNS = (
    ("match_email", 320),
    ("match_phone", 100),
    ("match_first_name", 200),
    ("match_last_name", 200),
    ("match_name_key", 40),
    ("match_name_key_swapped", 40),
    ("match_company", 300),
    ("match_domain", 300),
)
_INDEXED = ("match_email", "match_phone", "match_name_key", "match_name_key_swapped", "match_company", "match_domain")


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("secondary_values", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("match_phone_unparsed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for name, length in _KEY_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch_op.create_foreign_key(
            "fk_leads_merged_into_id_leads", "leads", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_leads_merged_into_id", ["merged_into_id"], unique=False)
        for name in _INDEXED:
            batch_op.create_index(f"ix_leads_{name}", [name], unique=False)

    op.create_table(
        "dedup_decisions",
        sa.Column("lead_low_id", sa.Uuid(), nullable=False),
        sa.Column("lead_high_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=40), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_low_id"], ["leads.id"], name="fk_dedup_decisions_lead_low_id_leads", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lead_high_id"], ["leads.id"], name="fk_dedup_decisions_lead_high_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_low_id", "lead_high_id", name="pk_dedup_decisions"),
    )
    op.create_index("ix_dedup_decisions_lead_high_id", "dedup_decisions", ["lead_high_id"], unique=False)

    op.create_table(
        "merge_operations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("merged_ids", sa.JSON(), nullable=False),
        sa.Column("preset", sa.String(length=40), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["leads.id"], name="fk_merge_operations_survivor_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_merge_operations"),
    )
    op.create_index("ix_merge_operations_survivor_id", "merge_operations", ["survivor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_merge_operations_survivor_id", table_name="merge_operations")
    op.drop_table("merge_operations")
    op.drop_index("ix_dedup_decisions_lead_high_id", table_name="dedup_decisions")
    op.drop_table("dedup_decisions")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name in reversed(_INDEXED):
            batch_op.drop_index(f"ix_leads_{name}")
        batch_op.drop_index("ix_leads_merged_into_id")
        batch_op.drop_constraint("fk_leads_merged_into_id_leads", type_="foreignkey")
        for name, _length in reversed(_KEY_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("match_phone_unparsed")
        batch_op.drop_column("secondary_values")
        batch_op.drop_column("merged_into_id")
