"""Storage: SQLite file by default, PostgreSQL by URL; one repository per job.

``Store(url)`` opens the database, brings it to the newest schema (Alembic; ``callsentry db
upgrade`` does the same by hand) and holds the repositories:

- ``calls``: calls with their violations and PII findings, keyed by audio hash and result key
  (:mod:`pipeline.store.calls`);
- ``runs``: batch runs and quarantined files (:mod:`pipeline.store.runs`);
- ``outbox``: alerts and their delivery state (:mod:`pipeline.store.outbox`);
- ``claims``: which worker checks which recording right now (:mod:`pipeline.store.claims`);
- ``audit``: the hash-chained audit log (:mod:`pipeline.store.audit`);
- ``users``: console users and login attempts (:mod:`pipeline.store.users`);
- ``reviews``: verdicts, appeals and judgements, precision per rule
  (:mod:`pipeline.store.reviews`);
- ``assignments``: calls assigned to reviewers (:mod:`pipeline.store.assignments`);
- ``stats``: figures per agent and rule by day for the dashboards (:mod:`pipeline.store.stats`);
- ``redactions``: redacted copies of recordings and their spans, the originals' lifecycle
  (:mod:`pipeline.store.redactions`);
- ``retention``: aged calls and their audited deletions (:mod:`pipeline.store.retention`).
- ``contacts``: outbound contacts and marketing refusals by customer-number hash, for the
  call-record checks (:mod:`pipeline.store.contacts`).

Reads return the typed records of :mod:`pipeline.store.records`. Only masked text is stored;
PII findings carry types, offsets and time spans, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.store.anchor import HEAD_FILE_NAME, AnchoredHead, AnchorError, read_head, write_head
from pipeline.store.assignments import AssignmentRepository
from pipeline.store.audit import AuditLog
from pipeline.store.calls import CallRepository, SaveAction, SaveResult
from pipeline.store.claims import Claim, ClaimOwner, ClaimRepository
from pipeline.store.contacts import ContactRepository
from pipeline.store.database import (
    Database,
    DatabaseUnavailable,
    check_connection,
    make_engine,
    sqlite_file,
)
from pipeline.store.integrity import check_rows
from pipeline.store.keys import load_audit_key
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
from pipeline.store.redactions import RedactionRepository
from pipeline.store.retention import RetentionRepository
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
    "HEAD_FILE_NAME",
    "AlertRecord",
    "AlertState",
    "AssignmentReason",
    "AuditCheck",
    "AuditEntry",
    "CallDetail",
    "CallFilter",
    "CallRecord",
    "CallStatus",
    "Claim",
    "ClaimOwner",
    "DatabaseUnavailable",
    "IntegrityReport",
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


@dataclass(frozen=True)
class IntegrityReport:
    """What ``callsentry audit verify`` found."""

    chain: AuditCheck  # the hash chain
    anchor: str | None  # a problem with the anchored head, or None when it checks out
    anchored: AnchoredHead | None  # the head it was checked against (None: no head file)
    rows: tuple[str, ...]  # stored rows that differ from what the log recorded

    @property
    def ok(self) -> bool:
        """Whether everything checks out."""
        return self.chain.ok and self.anchor is None and not self.rows


class Store:
    """The database and its repositories. One instance per process; thread-safe.

    ``audit_key`` signs the audit chain (default: :func:`pipeline.store.keys.load_audit_key`
    on the process settings). :class:`DatabaseUnavailable` when the database cannot be opened."""

    def __init__(
        self,
        url: str,
        *,
        call_timezone: str = DEFAULT_CALL_TIMEZONE,
        audit_key: bytes | None = None,
        echo: bool = False,
    ) -> None:
        if audit_key is None:
            from pipeline.config import get_settings

            audit_key = load_audit_key(get_settings())
        self.url = url
        self.engine = make_engine(url, echo=echo)
        try:
            check_connection(self.engine)
        except DatabaseUnavailable:
            self.engine.dispose()
            raise
        self.upgraded: UpgradeResult = upgrade(self.engine, call_timezone=call_timezone)
        db = Database(self.engine)
        self._audit_key = audit_key
        self.audit = AuditLog(db, audit_key)
        self.outbox = Outbox(db)
        self.runs = RunRepository(db)
        self.claims = ClaimRepository(db)
        self.calls = CallRepository(db, self.outbox, ZoneInfo(call_timezone))
        self.users = UserRepository(db)
        self.reviews = ReviewRepository(db)
        self.assignments = AssignmentRepository(db)
        self.stats = StatsRepository(db)
        self.redactions = RedactionRepository(db)
        self.retention = RetentionRepository(db)
        self.contacts = ContactRepository(db)

    def anchor(self, head_file: Path) -> AnchoredHead | None:
        """Write the audit chain's newest entry, signed, to ``head_file`` (None: empty log)."""
        head = self.audit.head()
        return None if head is None else write_head(head_file, *head, self._audit_key)

    def check_integrity(self, head_file: Path | None = None) -> IntegrityReport:
        """The chain, the anchored head in ``head_file`` (when it exists) and the stored rows
        against the log."""
        chain = self.audit.verify()
        anchored, problem = None, None
        if head_file is not None and head_file.exists():
            try:
                anchored = read_head(head_file, self._audit_key)
            except AnchorError as exc:
                problem = str(exc)
            else:
                known = {e.seq: e.hash for e in self.audit.entries()}
                if anchored.seq not in known:
                    problem = (
                        f"the log ends before the anchored head (entry {anchored.seq}, anchored "
                        f"{anchored.at.isoformat(timespec='seconds')}): entries were deleted"
                    )
                elif known[anchored.seq] != anchored.hash:
                    problem = f"entry {anchored.seq} differs from the anchored head"
        with self.engine.connect() as conn:
            rows = tuple(check_rows(conn))
        return IntegrityReport(chain, problem, anchored, rows)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()
