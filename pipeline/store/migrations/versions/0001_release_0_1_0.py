"""The schema of callsentry 0.1.0 (what its ``create_all`` made): timestamps as ISO strings,
results keyed by (recording, model, rules version).

A database made by 0.1.0 has these tables and no ``alembic_version``: :mod:`pipeline.store.migrate`
stamps it with this revision and upgrades it from here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the 0.1.0 tables."""
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.Text),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recording_id", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("rules_version", sa.String(100), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("path", sa.Text),
        sa.Column("agent_id", sa.String(100)),
        sa.Column("call_time", sa.String(40)),
        sa.Column("direction", sa.String(20)),
        sa.Column("language", sa.String(10)),
        sa.Column("duration", sa.Float),
        sa.Column("score", sa.Float),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("violation_count", sa.Integer, nullable=False),
        sa.Column("pii_exposure_count", sa.Integer, nullable=False),
        sa.Column("silence_ratio", sa.Float),
        sa.Column("transcript_path", sa.Text),
        sa.Column("processed_at", sa.String(40), nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.UniqueConstraint("recording_id", "model", "rules_version", name="uq_calls_key"),
    )
    op.create_index("ix_calls_agent_id", "calls", ["agent_id"])
    op.create_index("ix_calls_run_id", "calls", ["run_id"])
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("start_s", sa.Float),
        sa.Column("end_s", sa.Float),
        sa.Column("speaker", sa.String(10)),
        sa.Column("message", sa.Text),
        sa.Column("evidence", sa.Text),
        sa.Column("weight", sa.Float),
    )
    op.create_index("ix_violations_rule_id", "violations", ["rule_id"])
    op.create_table(
        "pii_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_pk", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("entity_type", sa.String(50), nullable=False),
        sa.Column("segment_index", sa.Integer, nullable=False),
        sa.Column("start_offset", sa.Integer, nullable=False),
        sa.Column("end_offset", sa.Integer, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("speaker", sa.String(10)),
        sa.Column("time_start", sa.Float),
        sa.Column("time_end", sa.Float),
        sa.Column("recognizer", sa.String(100)),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("call_id", sa.String(200)),
        sa.Column("agent_id", sa.String(100)),
        sa.Column("rule_id", sa.String(100)),
        sa.Column("time_in_call", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("run_id", sa.String(64)),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", sa.String(40)),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_key", sa.String(64), sa.ForeignKey("alerts.alert_key"), nullable=False),
        sa.Column("sink", sa.String(50), nullable=False),
        sa.Column("sent_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("alert_key", "sink", name="uq_alert_delivery"),
    )
    op.create_table(
        "quarantined",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("recording_id", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop every table (an empty database)."""
    for table in (
        "audit_log",
        "quarantined",
        "alert_deliveries",
        "alerts",
        "pii_findings",
        "violations",
        "calls",
        "runs",
    ):
        op.drop_table(table)
