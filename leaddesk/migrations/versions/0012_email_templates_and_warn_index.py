"""Add the email_templates table with the two shipped templates, and an index on leads.response_warn_at.

The scheduler and the inbox's amber state look up leads by response_warn_at, which had
no index, so each check scanned the whole leads table.

Revision ID: 0012
Revises: 0011
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The templates LeadDesk shipped in code before they became editable, copied here so that
# later changes to the code do not change what this migration inserts.
SHIPPED_TEMPLATES = (
    (
        "first_touch",
        "First touch",
        "Your request at {company}",
        "Hi {first_name},\n\nthanks for reaching out. When would a 15-minute call suit you this week?\n\nBest,\n{sender_name}",
    ),
    (
        "follow_up",
        "Follow-up",
        "Following up, {first_name}",
        "Hi {first_name},\n\nI wanted to follow up on my last message. Is this still a priority for {company}?\n\nBest,\n{sender_name}",
    ),
)


def upgrade() -> None:
    templates = op.create_table(
        "email_templates",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_email_templates"),
    )
    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite stores UTC instants naive, as UTCDateTime does.
        now = now.replace(tzinfo=None)
    op.bulk_insert(
        templates,
        [
            {"key": key, "label": label, "subject": subject, "body": body, "updated_at": now, "updated_by": None}
            for key, label, subject, body in SHIPPED_TEMPLATES
        ],
    )
    op.create_index("ix_leads_response_warn_at", "leads", ["response_warn_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_leads_response_warn_at", table_name="leads")
    op.drop_table("email_templates")
