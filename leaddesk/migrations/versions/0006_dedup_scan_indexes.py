"""Add the blocking-key table of the duplicate scan and the digest that marks stale keys.

Revision ID: 0006
Revises: 0008

It chains on 0008, the head when it was written, so that the history keeps one head.

lead_match_keys holds several blocking keys per lead ("e:" e-mail, "p:" phone, "n:" name,
...). It is a WITHOUT ROWID table, so each row is stored once, in its primary key. Its (key, lead_id) index lets the scan read every block of leads sharing a key in
key order without touching the table. leads.match_keys_hash is the digest of the source
values the keys were computed from; NULL means never computed. Both are filled by
leaddesk.services.dedup.key_store on the next duplicate scan, because the key rules live
in that package and a copy here would drift.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_keys_hash", sa.String(length=64), nullable=True))

    op.create_table(
        "lead_match_keys",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_match_keys_lead_id_leads", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "key", name="pk_lead_match_keys"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_lead_match_keys_key_lead_id", "lead_match_keys", ["key", "lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lead_match_keys_key_lead_id", table_name="lead_match_keys")
    op.drop_table("lead_match_keys")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("match_keys_hash")
