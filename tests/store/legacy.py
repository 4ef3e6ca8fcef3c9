"""A database as callsentry 0.1.0 left it, on SQLite or on PostgreSQL (the migration tests).

The committed SQLite file is the record of what 0.1.0 wrote. On PostgreSQL the same state is made
from it: the tables of revision 0001 (what 0.1.0's ``create_all`` made), no ``alembic_version``,
and every row copied over as it was (times as 0.1.0's ISO text).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine, insert, select

from pipeline.store import sqlite_file
from pipeline.store.migrate import LEGACY_REVISION, alembic_config

RELEASE_0_1_0_DB = Path(__file__).with_name("data") / "release-0.1.0.sqlite"


def make_release_0_1_0(url: str) -> None:
    """Turn the empty database at ``url`` into the committed 0.1.0 database."""
    target = sqlite_file(url)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RELEASE_0_1_0_DB, target)
        return
    engine = create_engine(url)
    source = create_engine(f"sqlite:///{RELEASE_0_1_0_DB}")
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), LEGACY_REVISION)
            conn.exec_driver_sql("DROP TABLE alembic_version")  # 0.1.0 knew no Alembic
        old = MetaData()
        old.reflect(source)
        new = MetaData()
        new.reflect(engine)
        with source.connect() as src, engine.begin() as dst:
            for table in old.sorted_tables:  # parents first
                rows = [dict(r) for r in src.execute(select(table)).mappings()]
                if rows:
                    dst.execute(insert(new.tables[table.name]), rows)
    finally:
        source.dispose()
        engine.dispose()
