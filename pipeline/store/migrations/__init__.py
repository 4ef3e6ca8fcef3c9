"""Alembic migrations of the callsentry database (applied by :mod:`pipeline.store.migrate`)."""
