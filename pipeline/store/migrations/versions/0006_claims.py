"""Claims: which worker is checking which recording right now.

- ``claims``: one row per recording being checked (its audio sha256), with the holder's host,
  process id and run, and the time after which the claim has expired and may be taken over.

Only a new table: nothing is copied, and the downgrade drops it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ts = sa.DateTime(timezone=True)  # UTC (as pipeline.store.schema.UtcDateTime stores it)


def upgrade() -> None:
    """Create ``claims``."""
    op.create_table(
        "claims",
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("claimed_at", _ts, nullable=False),
        sa.Column("expires_at", _ts, nullable=False),
        sa.PrimaryKeyConstraint("recording_id", name="pk_claims"),
    )
    op.create_index("ix_claims_run_id", "claims", ["run_id"])


def downgrade() -> None:
    """Drop ``claims``."""
    op.drop_index("ix_claims_run_id", table_name="claims")
    op.drop_table("claims")
