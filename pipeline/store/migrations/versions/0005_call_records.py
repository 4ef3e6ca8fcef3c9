"""Call records: the contact history and the refusals, by customer-number hash.

- ``contacts``: every outbound CDR row (customer hash, purpose, start, recording, line, agent),
  unique per (customer, start, recording) so a rerun of a batch adds nothing;
- ``refusals``: the calls in which a customer refused marketing, unique per (customer, call).

Only new tables: nothing is copied, and the downgrade drops them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The names of constraints and indexes (as pipeline.store.schema names them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
NEW_TABLES = ("contacts", "refusals")

_ts = sa.DateTime(timezone=True)


def _new_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables this revision adds (defined here, not imported: later revisions change them)."""
    return {
        "contacts": sa.Table(
            "contacts",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("customer_hash", sa.String(64), nullable=False),
            sa.Column("purpose", sa.String(20), nullable=False),
            sa.Column("start_time", _ts, nullable=False),
            sa.Column("recording", sa.String(255), nullable=False),
            sa.Column("line_number", sa.String(40), nullable=False),
            sa.Column("agent_id", sa.String(100)),
            sa.Column("run_id", sa.String(64)),
            sa.UniqueConstraint("customer_hash", "start_time", "recording"),
            sa.Index(None, "customer_hash", "purpose", "start_time"),
        ),
        "refusals": sa.Table(
            "refusals",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("customer_hash", sa.String(64), nullable=False),
            sa.Column("at", _ts, nullable=False),
            sa.Column("call_id", sa.String(200), nullable=False),
            sa.Column("run_id", sa.String(64)),
            sa.UniqueConstraint("customer_hash", "call_id"),
            sa.Index(None, "customer_hash", "at"),
        ),
    }


def upgrade() -> None:
    """Create the contact-history tables."""
    conn = op.get_bind()
    tables = _new_tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    for name in NEW_TABLES:
        tables[name].create(conn)


def downgrade() -> None:
    """Drop what :func:`upgrade` created (the contact history goes with them)."""
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
