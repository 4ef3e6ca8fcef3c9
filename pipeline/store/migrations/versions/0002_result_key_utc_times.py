"""Results keyed by the whole pipeline, one row per call, timezone-aware times, query indexes.

- ``calls`` gains ``asr_backend`` and ``pii_version`` (part of the result key with ``model`` and
  ``rules_version``) and holds one row per recording: where 0.1.0 stored a recording twice (two
  models or rule versions), the newest row is kept and the others are listed in the audit entry
  this migration appends. Rows from 0.1.0 get ``asr_backend = openai-whisper`` (its only engine)
  and ``pii_version = 0.1.0`` (unknown, so a rerun checks them again).
- Every timestamp becomes a timezone-aware UTC value. 0.1.0 wrote its own times in UTC; a
  sidecar ``call_time`` without an offset is read in the call centre's time zone (the
  ``call_timezone`` attribute, default Asia/Shanghai); one that does not parse becomes NULL and
  is counted in the audit entry.
- Indexes for the review console's filters (call time, status, severity, alert state).

Each table is rebuilt (renamed, created anew, rows copied in batches, old one dropped), which
works the same on SQLite and PostgreSQL. On PostgreSQL index and sequence names are global in a
schema: the renamed tables' indexes (their primary and unique keys included) and id sequences
are renamed with them, so the new tables get the names :mod:`pipeline.store.schema` gives.
The audit chain is kept: an entry's hash covers its time as
``isoformat(timespec="microseconds")`` of the UTC value, which is the text 0.1.0 stored.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COPY_BATCH_ROWS = 1000  # rows copied per INSERT
DEFAULT_CALL_TIMEZONE = "Asia/Shanghai"
LEGACY_ASR_BACKEND = "openai-whisper"  # 0.1.0's only engine
LEGACY_PII_VERSION = "0.1.0"  # unknown PII stage: a rerun redoes these calls
MIGRATION_ACTOR = "callsentry-migration"
OLD_SUFFIX = "_v1"  # the old tables' names while their rows are copied
PG_MAX_NAME_CHARS = 63  # PostgreSQL's identifier length (NAMEDATALEN - 1)
# Old index names (index names are global in a database; they go before the new ones come).
OLD_INDEXES = (
    ("ix_calls_agent_id", "calls"),
    ("ix_calls_run_id", "calls"),
    ("ix_violations_rule_id", "violations"),
)
SERIAL_TABLES = ("calls", "violations", "pii_findings", "alerts", "alert_deliveries", "quarantined")
TABLES_CHILD_FIRST = (
    "audit_log",
    "quarantined",
    "alert_deliveries",
    "alerts",
    "pii_findings",
    "violations",
    "calls",
    "runs",
)

# The names of constraints and indexes from this revision on (as pipeline.store.schema names them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ts = sa.DateTime(timezone=True)


def _new_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables as of this revision (defined here, not imported: later revisions change them)."""
    ix = sa.Index
    t = {
        "runs": sa.Table(
            "runs",
            meta,
            sa.Column("run_id", sa.String(64), primary_key=True),
            sa.Column("started_at", _ts, nullable=False),
            sa.Column("finished_at", _ts),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("counts", sa.Text),
        ),
        "calls": sa.Table(
            "calls",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("recording_id", sa.String(64), nullable=False),
            sa.Column("asr_backend", sa.String(50), nullable=False),
            sa.Column("model", sa.String(200), nullable=False),
            sa.Column("rules_version", sa.String(100), nullable=False),
            sa.Column("pii_version", sa.String(100), nullable=False),
            sa.Column("call_id", sa.String(200), nullable=False),
            sa.Column("path", sa.Text),
            sa.Column("agent_id", sa.String(100)),
            sa.Column("call_time", _ts),
            sa.Column("direction", sa.String(20)),
            sa.Column("language", sa.String(10)),
            sa.Column("duration", sa.Float),
            sa.Column("score", sa.Float),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("violation_count", sa.Integer, nullable=False),
            sa.Column("pii_exposure_count", sa.Integer, nullable=False),
            sa.Column("silence_ratio", sa.Float),
            sa.Column("transcript_path", sa.Text),
            sa.Column("processed_at", _ts, nullable=False),
            sa.Column("run_id", sa.String(64)),
            sa.UniqueConstraint("recording_id"),
            ix(None, "agent_id"),
            ix(None, "run_id"),
            ix(None, "call_time"),
            ix(None, "processed_at"),
            ix(None, "status"),
        ),
        "violations": sa.Table(
            "violations",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "call_pk",
                sa.Integer,
                sa.ForeignKey("calls.id", ondelete="CASCADE"),
                nullable=False,
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
            ix(None, "rule_id"),
            ix(None, "call_pk"),
            ix(None, "severity"),
        ),
        "pii_findings": sa.Table(
            "pii_findings",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "call_pk",
                sa.Integer,
                sa.ForeignKey("calls.id", ondelete="CASCADE"),
                nullable=False,
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
            ix(None, "call_pk"),
        ),
        "alerts": sa.Table(
            "alerts",
            meta,
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
            sa.Column("created_at", _ts, nullable=False),
            sa.Column("state", sa.String(10), nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("last_error", sa.Text),
            sa.Column("sent_at", _ts),
            ix(None, "state"),
        ),
        "alert_deliveries": sa.Table(
            "alert_deliveries",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column(
                "alert_key", sa.String(64), sa.ForeignKey("alerts.alert_key"), nullable=False
            ),
            sa.Column("sink", sa.String(50), nullable=False),
            sa.Column("sent_at", _ts, nullable=False),
            sa.UniqueConstraint("alert_key", "sink"),
        ),
        "quarantined": sa.Table(
            "quarantined",
            meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("path", sa.Text, nullable=False),
            sa.Column("recording_id", sa.String(64)),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("stage", sa.String(20), nullable=False),
            sa.Column("run_id", sa.String(64)),
            sa.Column("at", _ts, nullable=False),
            ix(None, "run_id"),
        ),
        "audit_log": sa.Table(
            "audit_log",
            meta,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("at", _ts, nullable=False),
            sa.Column("actor", sa.String(100), nullable=False),
            sa.Column("action", sa.String(50), nullable=False),
            sa.Column("subject", sa.Text, nullable=False),
            sa.Column("details", sa.Text, nullable=False),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False),
        ),
    }
    return t


def _utc_parser(dialect: str) -> Callable[[Any], datetime | None]:
    """0.1.0's own ISO 8601 UTC text -> a value for a timezone-aware column."""

    def parse(value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        parsed = datetime.fromisoformat(str(value))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return parsed.replace(tzinfo=None) if dialect == "sqlite" else parsed

    return parse


def _call_time_parser(
    dialect: str, zone: ZoneInfo, unparsed: list[str]
) -> Callable[[Any, str], datetime | None]:
    """A sidecar call time (any ISO 8601 text) -> UTC; naive text is read in ``zone``."""

    def parse(value: Any, call_id: str) -> datetime | None:
        if value is None or str(value).strip() == "":
            return None
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            unparsed.append(call_id)
            return None
        parsed = parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed
        parsed = parsed.astimezone(UTC)
        return parsed.replace(tzinfo=None) if dialect == "sqlite" else parsed

    return parse


def _rows(conn: sa.Connection, table: sa.Table, order: Any) -> Iterator[dict[str, Any]]:
    # per statement: Connection.execution_options() would set it for every later one, and
    # PostgreSQL's server-side cursor cannot run the DDL that follows
    result = conn.execute(
        sa.select(table).order_by(order), execution_options={"yield_per": COPY_BATCH_ROWS}
    )
    for row in result.mappings():
        yield dict(row)


def _copy(
    conn: sa.Connection,
    old: sa.Table,
    new: sa.Table,
    order: Any,
    convert: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> None:
    batch: list[dict[str, Any]] = []
    for row in _rows(conn, old, order):
        converted = convert(row)
        if converted is None:
            continue
        batch.append(converted)
        if len(batch) >= COPY_BATCH_ROWS:
            conn.execute(sa.insert(new), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(new), batch)


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _append_audit(
    conn: sa.Connection, audit: sa.Table, action: str, subject: str, details: dict[str, Any]
) -> None:
    """One entry at the end of the chain, in the chain format of this revision (sha256 of the
    previous hash and the canonical entry; the same format 0.1.0 wrote)."""
    last = conn.execute(
        sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, "0" * 64) if last is None else (last[0] + 1, last[1])
    at = datetime.now(UTC)
    details_json = _canonical_json(details)
    entry = _canonical_json(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": MIGRATION_ACTOR,
            "action": action,
            "subject": subject,
            "details": details_json,
        }
    )
    digest = hashlib.sha256((prev_hash + entry).encode("utf-8")).hexdigest()
    stored_at = at.replace(tzinfo=None) if conn.dialect.name == "sqlite" else at
    conn.execute(
        sa.insert(audit).values(
            seq=seq,
            at=stored_at,
            actor=MIGRATION_ACTOR,
            action=action,
            subject=subject,
            details=details_json,
            prev_hash=prev_hash,
            hash=digest,
        )
    )


def _rename_pg_relations(conn: sa.Connection, table: str, suffix: str) -> None:
    """PostgreSQL: give the indexes (constraints' too) and id sequence of ``table`` the
    ``suffix``, freeing their names for the table built in its place."""
    indexes = conn.execute(
        sa.text(
            "SELECT i.relname FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = :table AND t.relnamespace = current_schema()::regnamespace"
        ),
        {"table": table},
    ).scalars()
    for index in list(indexes):
        renamed = f"{index[: PG_MAX_NAME_CHARS - len(suffix)]}{suffix}"
        conn.exec_driver_sql(f'ALTER INDEX "{index}" RENAME TO "{renamed}"')
    if table.removesuffix(suffix) in SERIAL_TABLES:
        sequence = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar_one()
        conn.exec_driver_sql(f'ALTER SEQUENCE {sequence} RENAME TO "{table}_id_seq"')


def upgrade() -> None:
    """Rebuild every table in the new form and copy the rows over."""
    conn = op.get_bind()
    dialect = conn.dialect.name
    zone = ZoneInfo(context.config.attributes.get("call_timezone") or DEFAULT_CALL_TIMEZONE)
    utc = _utc_parser(dialect)
    unparsed_call_times: list[str] = []
    call_time = _call_time_parser(dialect, zone, unparsed_call_times)

    for name, table in OLD_INDEXES:
        op.drop_index(name, table_name=table)
    for name in TABLES_CHILD_FIRST:
        op.rename_table(name, f"{name}{OLD_SUFFIX}")
        if dialect == "postgresql":
            _rename_pg_relations(conn, f"{name}{OLD_SUFFIX}", OLD_SUFFIX)
    old_meta = sa.MetaData()
    old = {
        name: sa.Table(f"{name}{OLD_SUFFIX}", old_meta, autoload_with=conn)
        for name in TABLES_CHILD_FIRST
    }
    new = _new_tables(sa.MetaData(naming_convention=NAMING_CONVENTION))
    for name in reversed(TABLES_CHILD_FIRST):
        new[name].create(conn)

    # calls: the newest row of each recording is kept
    keep: dict[str, tuple[str, int]] = {}
    for row in conn.execute(
        sa.select(old["calls"].c.id, old["calls"].c.recording_id, old["calls"].c.processed_at)
    ):
        candidate = (str(row.processed_at), int(row.id))
        if row.recording_id not in keep or candidate > keep[row.recording_id]:
            keep[row.recording_id] = candidate
    kept_ids = {pk for _, pk in keep.values()}
    superseded: list[str] = []

    def convert_call(row: dict[str, Any]) -> dict[str, Any] | None:
        if row["id"] not in kept_ids:
            superseded.append(f"{row['call_id']} ({row['model']}, rules {row['rules_version']})")
            return None
        row["asr_backend"] = LEGACY_ASR_BACKEND
        row["pii_version"] = LEGACY_PII_VERSION
        row["call_time"] = call_time(row["call_time"], row["call_id"])
        row["processed_at"] = utc(row["processed_at"])
        return row

    def only_kept_calls(row: dict[str, Any]) -> dict[str, Any] | None:
        return row if row["call_pk"] in kept_ids else None

    def times(*columns: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def convert(row: dict[str, Any]) -> dict[str, Any]:
            for column in columns:
                row[column] = utc(row[column])
            return row

        return convert

    _copy(conn, old["runs"], new["runs"], old["runs"].c.run_id, times("started_at", "finished_at"))
    _copy(conn, old["calls"], new["calls"], old["calls"].c.id, convert_call)
    for name in ("violations", "pii_findings"):
        _copy(conn, old[name], new[name], old[name].c.id, only_kept_calls)
    _copy(conn, old["alerts"], new["alerts"], old["alerts"].c.id, times("created_at", "sent_at"))
    _copy(
        conn,
        old["alert_deliveries"],
        new["alert_deliveries"],
        old["alert_deliveries"].c.id,
        times("sent_at"),
    )
    _copy(conn, old["quarantined"], new["quarantined"], old["quarantined"].c.id, times("at"))
    _copy(conn, old["audit_log"], new["audit_log"], old["audit_log"].c.seq, times("at"))

    for name in TABLES_CHILD_FIRST:
        op.drop_table(f"{name}{OLD_SUFFIX}")
    if dialect == "postgresql":  # copied ids: move each id sequence past them
        for name in SERIAL_TABLES:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
    _append_audit(
        conn,
        new["audit_log"],
        "store.migrated",
        "schema:0002",
        {
            "from": "0001",
            "to": "0002",
            "superseded_calls": sorted(superseded),
            "unparsed_call_times": sorted(unparsed_call_times),
        },
    )


def downgrade() -> None:
    """Not supported: restore the database backup taken before the upgrade."""
    raise NotImplementedError(
        "downgrading below 0002 is not supported; restore the backup taken before the upgrade"
    )
