"""Bring a database to the newest schema with Alembic (``callsentry db upgrade``, and at start).

Three cases: an empty database gets every revision; a database made by callsentry 0.1.0 (its
tables, no ``alembic_version``) is stamped with revision 0001 first, then upgraded; a database
already under Alembic is upgraded from its revision. Concurrent starts are safe: on SQLite the
upgrade runs under the write lock (``BEGIN IMMEDIATE``), on PostgreSQL under the writers'
advisory lock (session-level here), so no write interleaves with it either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from pipeline.store.database import PG_WRITER_LOCK_ID

log = logging.getLogger(__name__)
# Alembic logs every plugin it sets up at INFO; a run needs only what this module says.
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LEGACY_REVISION = "0001"  # the schema callsentry 0.1.0 made with create_all
LEGACY_MARKER_TABLE = "calls"  # present in every 0.1.0 database


@dataclass(frozen=True)
class UpgradeResult:
    """What :func:`upgrade` did."""

    before: str | None  # the revision found (None: empty database)
    after: str  # the revision now
    stamped_legacy: bool  # a 0.1.0 database was recognised and stamped first

    @property
    def changed(self) -> bool:
        """Whether any revision was applied."""
        return self.before != self.after


def alembic_config(connection: Connection | None = None, call_timezone: str = "") -> Config:
    """An Alembic config on the bundled migrations (and on ``connection``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    config.attributes["call_timezone"] = call_timezone
    return config


def head_revision() -> str:
    """The newest revision the bundled migrations know."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision of the database behind ``connection`` (None when not under Alembic)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, *, call_timezone: str = "") -> UpgradeResult:
    """Apply every missing revision; ``call_timezone`` reads naive call times of old rows."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({PG_WRITER_LOCK_ID})")
        try:
            return _upgrade(connection, call_timezone)
        finally:
            # whatever a failed revision left open goes (a session lock outlives the rollback)
            connection.rollback()
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({PG_WRITER_LOCK_ID})")
                connection.commit()


def _upgrade(connection: Connection, call_timezone: str) -> UpgradeResult:
    before = current_revision(connection)
    stamped = False
    config = alembic_config(connection, call_timezone)
    if before is None and inspect(connection).has_table(LEGACY_MARKER_TABLE):
        log.info("database from callsentry 0.1.0 found: stamping revision %s", LEGACY_REVISION)
        command.stamp(config, LEGACY_REVISION)
        connection.commit()
        stamped = True
    head = head_revision()
    found = LEGACY_REVISION if stamped else before
    if found != head:
        command.upgrade(config, "head")
        connection.commit()
        log.info("database upgraded from %s to %s", found or "empty", head)
    return UpgradeResult(before=found, after=head, stamped_legacy=stamped)
