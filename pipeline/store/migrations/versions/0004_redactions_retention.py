"""Audio redaction: the redacted copy of each call and its redacted spans.

- ``redacted_copies``: one row per call (path, sha256, mode, channels, duration, share of the
  call removed, when it was made and, once retention removed it, when it was deleted);
- ``redaction_spans``: every beeped / silenced span (channel, start, end, entity types, how its
  times were found); never a value.

Both reference ``calls`` with ON DELETE CASCADE, so a call deleted by retention takes them with
it. Only new tables: nothing is copied, and the downgrade drops them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
NEW_TABLES = ("redacted_copies", "redaction_spans")

_ts = sa.DateTime(timezone=True)


def _new_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables this revision adds (defined here, not imported: later revisions change them)."""
    sa.Table("calls", meta, sa.Column("id", sa.Integer, primary_key=True))

    def call_pk() -> sa.Column[int]:
        return sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        )

    return {
        "redacted_copies": sa.Table(
            "redacted_copies",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            call_pk(),
            sa.Column("path", sa.Text, nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("mode", sa.String(10), nullable=False),
            sa.Column("channels", sa.Integer, nullable=False),
            sa.Column("duration", sa.Float, nullable=False),
            sa.Column("removed_share", sa.Float, nullable=False),
            sa.Column("made_at", _ts, nullable=False),
            sa.Column("deleted_at", _ts),
            sa.UniqueConstraint("call_pk"),
        ),
        "redaction_spans": sa.Table(
            "redaction_spans",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            call_pk(),
            sa.Column("channel", sa.Integer, nullable=False),
            sa.Column("start_s", sa.Float, nullable=False),
            sa.Column("end_s", sa.Float, nullable=False),
            sa.Column("entity_type", sa.String(200), nullable=False),
            sa.Column("basis", sa.String(10), nullable=False),
            sa.Index(None, "call_pk"),
        ),
    }


def upgrade() -> None:
    """Create the redaction tables."""
    conn = op.get_bind()
    tables = _new_tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    for name in NEW_TABLES:
        tables[name].create(conn)


def downgrade() -> None:
    """Drop what :func:`upgrade` created (the redaction records go with them)."""
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
