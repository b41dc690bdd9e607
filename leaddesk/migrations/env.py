"""Alembic environment: runs on the connection that leaddesk.services.database hands over."""

from __future__ import annotations

from alembic import context

from leaddesk.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("LeadDesk migrations run only through leaddesk.services.database")

# render_as_batch lets ALTER steps work on SQLite, which rebuilds the table instead.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
