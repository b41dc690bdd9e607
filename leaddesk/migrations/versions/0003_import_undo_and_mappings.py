"""Add phone matching, the undo record of imports and saved column mappings.

Revision ID: 0003
Revises: 0002

leads.phone_normalized holds a phone's digits for matching imported rows; this revision
fills it for existing leads with the rule of leaddesk.models.lead.normalize_phone, copied
here so that later changes to that function do not change what this revision did.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The same limit as MIN_PHONE_MATCH_DIGITS when this revision was written.
_MIN_PHONE_DIGITS = 7

# Leads updated per executemany while filling phone_normalized.
_BACKFILL_ROWS = 1000


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_normalized", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_leads_phone_normalized", ["phone_normalized"], unique=False)
    _fill_phone_normalized()

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by", sa.String(length=200), nullable=True))

    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_changes_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_import_changes_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
    )
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_changes_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_changes_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "saved_mappings",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("use_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_saved_mappings")),
    )


def downgrade() -> None:
    op.drop_table("saved_mappings")
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_changes_lead_id"))
        batch_op.drop_index(batch_op.f("ix_import_changes_batch_id"))
    op.drop_table("import_changes")

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("policy")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_phone_normalized")
        batch_op.drop_column("phone_normalized")


def _fill_phone_normalized() -> None:
    connection = op.get_bind()
    leads = sa.table("leads", sa.column("id", sa.String()), sa.column("phone", sa.String()))
    rows = connection.execute(sa.select(leads.c.id, leads.c.phone).where(leads.c.phone.is_not(None))).all()
    non_digits = re.compile(r"\D+")
    updates = []
    for lead_id, phone in rows:
        digits = non_digits.sub("", phone)
        if len(digits) >= _MIN_PHONE_DIGITS:
            updates.append({"lead_id": lead_id, "digits": digits})

    statement = sa.text("UPDATE leads SET phone_normalized = :digits WHERE id = :lead_id")
    for start in range(0, len(updates), _BACKFILL_ROWS):
        connection.execute(statement, updates[start : start + _BACKFILL_ROWS])
