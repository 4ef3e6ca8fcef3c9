"""Storage: SQLite file by default, PostgreSQL by URL; one repository per job.

``Store(url)`` opens the database, brings it to the newest schema (Alembic; ``callsentry db
upgrade`` does the same by hand) and holds the repositories:

- ``calls``: calls with their violations and PII findings, keyed by audio hash and result key
  (:mod:`pipeline.store.calls`);
- ``runs``: batch runs and quarantined files (:mod:`pipeline.store.runs`);
- ``outbox``: alerts and their delivery state (:mod:`pipeline.store.outbox`);
- ``audit``: the hash-chained audit log (:mod:`pipeline.store.audit`);
- ``users``: console users and login attempts (:mod:`pipeline.store.users`);
- ``reviews``: verdicts, appeals and judgements, precision per rule
  (:mod:`pipeline.store.reviews`);
- ``assignments``: calls assigned to reviewers (:mod:`pipeline.store.assignments`);
- ``stats``: figures per agent and rule by day for the dashboards (:mod:`pipeline.store.stats`).

Reads return the typed records of :mod:`pipeline.store.records`. Only masked text is stored;
PII findings carry types, offsets and time spans, never values.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pipeline.store.assignments import AssignmentRepository
from pipeline.store.audit import AuditLog
from pipeline.store.calls import CallRepository, SaveAction, SaveResult
from pipeline.store.database import Database, make_engine, sqlite_file
from pipeline.store.migrate import UpgradeResult, upgrade
from pipeline.store.outbox import Outbox
from pipeline.store.records import (
    AlertRecord,
    AuditCheck,
    AuditEntry,
    CallDetail,
    CallFilter,
    CallRecord,
    PiiRecord,
    QuarantineRecord,
    ResultKey,
    RunRecord,
    ViolationFilter,
    ViolationRecord,
)
from pipeline.store.reviews import ReviewRepository
from pipeline.store.runs import RunRepository
from pipeline.store.schema import (
    AlertState,
    AssignmentReason,
    CallStatus,
    Judgement,
    ReviewStatus,
    Role,
    RunStatus,
    Verdict,
)
from pipeline.store.stats import StatsRepository
from pipeline.store.users import UserRepository

DEFAULT_CALL_TIMEZONE = "Asia/Shanghai"

__all__ = [
    "AlertRecord",
    "AlertState",
    "AssignmentReason",
    "AuditCheck",
    "AuditEntry",
    "CallDetail",
    "CallFilter",
    "CallRecord",
    "CallStatus",
    "Judgement",
    "PiiRecord",
    "QuarantineRecord",
    "ResultKey",
    "ReviewStatus",
    "Role",
    "RunRecord",
    "RunStatus",
    "SaveAction",
    "SaveResult",
    "Store",
    "Verdict",
    "ViolationFilter",
    "ViolationRecord",
    "sqlite_file",
]


class Store:
    """The database and its repositories. One instance per process; thread-safe."""

    def __init__(
        self, url: str, *, call_timezone: str = DEFAULT_CALL_TIMEZONE, echo: bool = False
    ) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.upgraded: UpgradeResult = upgrade(self.engine, call_timezone=call_timezone)
        db = Database(self.engine)
        self.audit = AuditLog(db)
        self.outbox = Outbox(db)
        self.runs = RunRepository(db)
        self.calls = CallRepository(db, self.outbox, ZoneInfo(call_timezone))
        self.users = UserRepository(db)
        self.reviews = ReviewRepository(db)
        self.assignments = AssignmentRepository(db)
        self.stats = StatsRepository(db)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
