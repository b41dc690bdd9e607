"""Add the derived (offline enrichment) columns to leads.

Revision ID: 0005
Revises: 0004

Derived values live in their own columns beside the typed ones, so a value the user types
always wins and clearing it shows the derived value again. seniority_rank and
completeness are indexed because rules ("Director+") and reports filter on them, and
derived_version is indexed so that leads never enriched (NULL) or enriched by older rules
are found without a table scan.

Existing leads keep NULL here until leaddesk.services.derived.refresh_derived fills them,
because the rules (title keywords, phone data) live in that package and a copy here
would drift.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("derived_domain", sa.String(length=300)),
    ("is_free_mail", sa.Boolean()),
    ("derived_country", sa.String(length=200)),
    ("derived_country_code", sa.String(length=2)),
    ("derived_region", sa.String(length=200)),
    ("derived_timezone", sa.String(length=64)),
    ("seniority", sa.String(length=20)),
    ("seniority_rank", sa.Integer()),
    ("department", sa.String(length=40)),
    ("completeness", sa.Integer()),
    ("derived_version", sa.Integer()),
    ("derived_at", sa.DateTime(timezone=True)),
)
_INDEXED = ("seniority_rank", "completeness", "derived_version")


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name, column_type in _COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=True))
        for name in _INDEXED:
            batch_op.create_index(f"ix_leads_{name}", [name], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name in reversed(_INDEXED):
            batch_op.drop_index(f"ix_leads_{name}")
        for name, _column_type in reversed(_COLUMNS):
            batch_op.drop_column(name)
