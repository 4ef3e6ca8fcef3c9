"""Alembic environment: runs on the connection that :mod:`pipeline.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from pipeline.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters a table by copying it
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
