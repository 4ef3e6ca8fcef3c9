"""A batch's call records: the CDR file, the centre's files, and the order calls are checked in.

:func:`load_record_rules` reads the registry, calendar and contact policy the settings name;
:func:`load_cdr` reads the batch's CDR with the customer-number key. Both raise
:class:`~pipeline.records.cdr.CdrError` naming the file and the problem, so ``callsentry run
--cdr`` refuses to start on a bad file instead of checking calls against half a registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.records.calendar import WorkdayCalendar, load_calendar
from pipeline.records.cdr import CallRecord, CdrError, CdrFile, read_cdr
from pipeline.records.checks import ContactHistory, RecordContext
from pipeline.records.policy import ContactPolicy
from pipeline.records.registry import NumberRegistry, load_registry

NO_REGISTRY_WARNING = (
    "no number registry (CALLSENTRY_NUMBER_REGISTRY): registered-caller-number and "
    "number-purpose-mismatch are not checked"
)


@dataclass(frozen=True)
class RecordRules:
    """The centre's files and contact policy: what the record checks compare a row with."""

    policy: ContactPolicy
    calendar: WorkdayCalendar
    registry: NumberRegistry | None

    def context(self, history: ContactHistory) -> RecordContext:
        """The checks' context with the store's contact history."""
        return RecordContext(self.policy, self.calendar, self.registry, history)

    def warnings(self) -> tuple[str, ...]:
        """What a run with these rules does not check."""
        return () if self.registry is not None else (NO_REGISTRY_WARNING,)


@dataclass(frozen=True)
class BatchRecords:
    """A batch's CDR and the rules its rows are checked against."""

    cdr: CdrFile
    rules: RecordRules

    @property
    def warnings(self) -> tuple[str, ...]:
        """The CDR's bad rows, and what the run does not check."""
        return self.cdr.errors + self.rules.warnings()

    def for_recording(self, path: Path | str) -> CallRecord | None:
        """The row of the recording at ``path``, or None."""
        return self.cdr.for_recording(path)


def no_row_warning(cdr: CdrFile) -> str:
    """The warning for a recording the CDR has no row for."""
    return f"no row in the CDR {cdr.path.name}: only the call's words were checked"


def load_batch_records(path: Path | str, settings: Any) -> BatchRecords:
    """The CDR at ``path`` and the registry, calendar and policy of ``settings``
    (CdrError naming the file and the problem)."""
    return BatchRecords(load_cdr(path, settings), load_record_rules(settings))


def load_record_rules(settings: Any) -> RecordRules:
    """The registry, calendar and policy of ``settings`` (CdrError naming what is bad)."""
    try:
        policy = ContactPolicy.from_settings(settings)
    except ValueError as exc:
        raise CdrError(str(exc)) from None
    calendar = (
        WorkdayCalendar()
        if settings.workday_calendar is None
        else load_calendar(settings.workday_calendar)
    )
    registry = None if settings.number_registry is None else load_registry(settings.number_registry)
    return RecordRules(policy, calendar, registry)


def customer_key(settings: Any) -> bytes:
    """The key of the customer-number hashes: the pseudonym key, else the audit key (made on
    first use), so that a number is never hashed without a key."""
    key = settings.pseudonym_key.get_secret_value().encode()
    if key:
        return key
    from pipeline.store.keys import load_audit_key

    return load_audit_key(settings)


def load_cdr(path: Path | str, settings: Any) -> CdrFile:
    """The batch's CDR file, its customer numbers hashed (CdrError when unreadable)."""
    return read_cdr(Path(path), customer_key(settings), ContactPolicy.from_settings(settings).zone)


def in_call_order(paths: Sequence[str], cdr: CdrFile | None) -> list[str]:
    """``paths`` in the order their calls started (by CDR row); files without a row keep
    their order, after the others. A refusal is then remembered before a later call of the
    same batch is checked."""
    if cdr is None:
        return list(paths)
    far = datetime.max.replace(tzinfo=None)

    def key(item: tuple[int, str]) -> tuple[bool, datetime, int]:
        record = cdr.for_recording(item[1])
        if record is None:
            return True, far, item[0]
        return False, record.start_time.replace(tzinfo=None), item[0]

    return [p for _, p in sorted(enumerate(paths), key=key)]
