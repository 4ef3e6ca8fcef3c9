"""The review console: users, verdicts, appeals, assignments, dismissed alert keys, logins.

- ``users``: console users with a role and an argon2 password hash (never the password).
- ``reviews``: one verdict (confirm | dismiss) per violation, with the reviewer and a comment.
- ``appeals``: one appeal per violation, filed for the agent, and the supervisor's final
  judgement (uphold | overturn).
- ``assignments``: which reviewer reviews which call, and why (critical | sampled).
- ``dismissed_alerts``: alert keys of dismissed findings; the outbox never queues them again.
- ``login_attempts``: failed and successful logins, for the rate limit.
- indexes for the console's filters: ``calls.language``, and ``violations`` on
  ``(rule_id, call_pk)`` and ``(severity, call_pk)`` (covering: the rule and severity filters
  read no violation row).

Only new tables and one index: nothing is copied, and the downgrade drops them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The names of constraints and indexes (as pipeline.store.schema names them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
NEW_TABLES = (
    "users",
    "reviews",
    "appeals",
    "assignments",
    "dismissed_alerts",
    "login_attempts",
)

NEW_INDEXES = (
    ("ix_violations_rule_id_call_pk", ["rule_id", "call_pk"]),
    ("ix_violations_severity_call_pk", ["severity", "call_pk"]),
)

_ts = sa.DateTime(timezone=True)


def _new_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables this revision adds (defined here, not imported: later revisions change them).
    ``calls`` and ``violations`` are declared with their keys only, for the foreign keys."""
    sa.Table("calls", meta, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("violations", meta, sa.Column("id", sa.Integer, primary_key=True))
    ix = sa.Index
    return {
        "users": sa.Table(
            "users",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("password_hash", sa.Text, nullable=False),
            sa.Column("created_at", _ts, nullable=False),
            sa.Column("disabled", sa.Boolean, nullable=False),
            sa.UniqueConstraint("name"),
        ),
        "reviews": sa.Table(
            "reviews",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "violation_pk",
                sa.Integer,
                sa.ForeignKey("violations.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("reviewer", sa.String(100), nullable=False),
            sa.Column("verdict", sa.String(10), nullable=False),
            sa.Column("comment", sa.Text),
            sa.Column("at", _ts, nullable=False),
            sa.UniqueConstraint("violation_pk"),
            ix(None, "reviewer"),
        ),
        "appeals": sa.Table(
            "appeals",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "violation_pk",
                sa.Integer,
                sa.ForeignKey("violations.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("filed_by", sa.String(100), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("filed_at", _ts, nullable=False),
            sa.Column("judgement", sa.String(10)),
            sa.Column("judge", sa.String(100)),
            sa.Column("judge_comment", sa.Text),
            sa.Column("judged_at", _ts),
            sa.UniqueConstraint("violation_pk"),
            ix(None, "judgement"),
        ),
        "assignments": sa.Table(
            "assignments",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "call_pk",
                sa.Integer,
                sa.ForeignKey("calls.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("reviewer", sa.String(100), nullable=False),
            sa.Column("reason", sa.String(10), nullable=False),
            sa.Column("assigned_by", sa.String(100), nullable=False),
            sa.Column("at", _ts, nullable=False),
            sa.UniqueConstraint("call_pk"),
            ix(None, "reviewer"),
        ),
        "dismissed_alerts": sa.Table(
            "dismissed_alerts",
            meta,
            sa.Column("alert_key", sa.String(64), primary_key=True),
            sa.Column("call_id", sa.String(200), nullable=False),
            sa.Column("rule_id", sa.String(100), nullable=False),
            sa.Column("dismissed_by", sa.String(100), nullable=False),
            sa.Column("at", _ts, nullable=False),
        ),
        "login_attempts": sa.Table(
            "login_attempts",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("client", sa.String(100), nullable=False),
            sa.Column("success", sa.Boolean, nullable=False),
            sa.Column("at", _ts, nullable=False),
            ix(None, "name", "at"),
            ix(None, "client", "at"),
        ),
    }


def upgrade() -> None:
    """Create the console's tables and the filter indexes."""
    conn = op.get_bind()
    tables = _new_tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    for name in NEW_TABLES:
        tables[name].create(conn)
    op.create_index("ix_calls_language", "calls", ["language"])
    for name, columns in NEW_INDEXES:
        op.create_index(name, "violations", columns)


def downgrade() -> None:
    """Drop what :func:`upgrade` created (the console's records go with them)."""
    for name, _ in NEW_INDEXES:
        op.drop_index(name, table_name="violations")
    op.drop_index("ix_calls_language", table_name="calls")
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
