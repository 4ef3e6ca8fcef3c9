"""The call-detail-record (CDR) CSV of a batch, as call-recording systems export it.

A header row, then one row per call. Required columns: ``recording`` (the audio file's name),
``start_time`` (ISO 8601; a time without an offset is read in the centre's time zone),
``direction`` (inbound / outbound), ``line_number`` (the centre's number), ``customer_number``,
``agent_id`` and ``purpose`` (service / marketing / collection). Every other column (``end_time``,
``queue``, ...) is kept as metadata.

The customer's number is replaced by a keyed hash (:func:`hash_number`) as the row is read: it is
never held in a :class:`CallRecord`, never stored and never printed, not even in an error. A bad
row is reported with the file and line and left out; its recording is still checked for its
words.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

REQUIRED_COLUMNS: tuple[str, ...] = (
    "recording",
    "start_time",
    "direction",
    "line_number",
    "customer_number",
    "agent_id",
    "purpose",
)
CUSTOMER_HASH_HEX_CHARS = 32  # 128 bits of HMAC-SHA256: no collision among a bank's customers
MIN_NUMBER_DIGITS = 3  # a phone number has at least this many digits (short codes: 95588)
MAX_NUMBER_DIGITS = 20
MAX_FIELD_CHARS = 200  # longer values are refused (a broken export, not a number)
MAX_QUOTED_CHARS = 40  # what an error message quotes of a bad value
_HASH_SCOPE = "customer-number"  # HMAC domain: a number's hash never equals a pseudonym


class Direction(StrEnum):
    """Who placed the call."""

    INBOUND = "inbound"  # the customer called the centre
    OUTBOUND = "outbound"  # the centre called the customer


class Purpose(StrEnum):
    """What the call was for: the contact rules differ by purpose."""

    SERVICE = "service"
    MARKETING = "marketing"
    COLLECTION = "collection"


class CdrError(ValueError):
    """The CDR file as a whole cannot be read (missing, not CSV, columns missing)."""


@dataclass(frozen=True)
class CallRecord:
    """One CDR row. Holds the customer's number only as a keyed hash."""

    recording: str  # file name of the recording the row describes
    start_time: datetime  # timezone-aware, UTC
    direction: Direction
    line_number: str  # the centre's number, digits only (see normalize_number)
    customer_hash: str  # HMAC-SHA256 hex of the customer's number (hash_number)
    agent_id: str
    purpose: Purpose
    source: str = ""  # "<file>: line N", for messages
    # the other columns (end_time, queue, ...); never written to an output
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def queue(self) -> str | None:
        """The ``queue`` column, when the export has one."""
        return self.extra.get("queue") or None

    def local_start(self, zone: tzinfo) -> datetime:
        """The start time on the centre's clock."""
        return self.start_time.astimezone(zone)


@dataclass(frozen=True)
class CdrFile:
    """What a CDR file held: the good rows by recording name, and the bad rows' errors."""

    path: Path
    records: Mapping[str, CallRecord]  # by recording file name
    errors: tuple[str, ...]  # one per bad row: "<file>: line N: problem"

    def for_recording(self, path: Path | str) -> CallRecord | None:
        """The row of the recording at ``path`` (matched by file name), or None."""
        return self.records.get(Path(path).name)


def normalize_number(text: str) -> str:
    """Digits only, with a leading China country code (+86 / 0086) removed: a mobile keeps its
    11 digits, a landline gets its trunk 0 back (``+86 21 5555 0199`` -> ``02155550199``)."""
    stripped = text.strip()
    digits = re.sub(r"\D", "", stripped)
    if stripped.startswith("+86") or stripped.startswith("0086"):
        digits = digits[2:] if stripped.startswith("+") else digits[4:]
        if not digits.startswith("1") and not digits.startswith("0"):
            digits = "0" + digits
    return digits


def display_number(number: str) -> str:
    """A centre's number as outputs show it: a fixed line or service number in full, a mobile
    (an agent's own phone, say) with its middle four digits hidden: ``138****8000``."""
    digits = normalize_number(number)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return f"{digits[:3]}****{digits[-4:]}"
    return digits


def hash_number(number: str, key: bytes) -> str:
    """The keyed hash of a customer's number: HMAC-SHA256 of its normalised digits (hex).

    The same number written ``138 0013 8000`` or ``+86 13800138000`` gets the same hash; without
    the key the hash cannot be reversed by trying the (few) possible phone numbers."""
    if not key:
        raise ValueError("a customer number is hashed only with a key")
    message = f"{_HASH_SCOPE}\x1f{normalize_number(number)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:CUSTOMER_HASH_HEX_CHARS]


def parse_time(text: str, zone: tzinfo) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime; without an offset it is read in ``zone``
    (ValueError otherwise)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _quoted(value: str) -> str:
    return repr(value[:MAX_QUOTED_CHARS] + ("..." if len(value) > MAX_QUOTED_CHARS else ""))


def _row_record(row: Mapping[str, Any], source: str, key: bytes, zone: tzinfo) -> CallRecord:
    """One row as a record (ValueError with the problem; never quoting the customer number)."""
    if row.get(None) is not None:  # type: ignore[call-overload]
        raise ValueError("more fields than the header has columns")
    values: dict[str, str] = {}
    for name, value in row.items():
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_FIELD_CHARS:
            raise ValueError(f"{name} is longer than {MAX_FIELD_CHARS} characters")
        values[str(name)] = text
    missing = [c for c in REQUIRED_COLUMNS if not values.get(c)]
    if missing:
        raise ValueError(f"empty {', '.join(missing)}")
    recording = values["recording"]
    if Path(recording).name != recording:
        raise ValueError(f"recording must be a file name, not a path: {_quoted(recording)}")
    try:
        start = parse_time(values["start_time"], zone)
    except ValueError:
        raise ValueError(
            f"start_time {_quoted(values['start_time'])} is not an ISO 8601 date-time "
            "(e.g. 2025-03-14T19:59:00+08:00)"
        ) from None
    try:
        direction = Direction(values["direction"].lower())
    except ValueError:
        raise ValueError(
            f"direction {_quoted(values['direction'])} is not one of "
            f"{', '.join(d.value for d in Direction)}"
        ) from None
    try:
        purpose = Purpose(values["purpose"].lower())
    except ValueError:
        raise ValueError(
            f"purpose {_quoted(values['purpose'])} is not one of "
            f"{', '.join(p.value for p in Purpose)}"
        ) from None
    line = normalize_number(values["line_number"])
    if not MIN_NUMBER_DIGITS <= len(line) <= MAX_NUMBER_DIGITS or re.search(
        r"[^\d\s()+\-]", values["line_number"]
    ):
        raise ValueError(f"line_number {_quoted(values['line_number'])} is not a phone number")
    customer = values["customer_number"]
    digits = normalize_number(customer)
    if not MIN_NUMBER_DIGITS <= len(digits) <= MAX_NUMBER_DIGITS or re.search(
        r"[^\d\s()+\-]", customer
    ):
        raise ValueError("customer_number is not a phone number (value withheld)")
    extra = {k: v for k, v in values.items() if k not in REQUIRED_COLUMNS}
    return CallRecord(
        recording=recording,
        start_time=start,
        direction=direction,
        line_number=line,
        customer_hash=hash_number(customer, key),
        agent_id=values["agent_id"],
        purpose=purpose,
        source=source,
        extra=extra,
    )


def read_cdr(path: Path, key: bytes, zone: tzinfo) -> CdrFile:
    """Read a CDR CSV (UTF-8, BOM allowed). Bad rows become errors naming the file and line
    (the first row of a recording named twice wins); CdrError when the file cannot be read or
    lacks a required column. ``key`` hashes the customer numbers; ``zone`` reads naive times."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CdrError(f"CDR file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CdrError(f"CDR file {path}: cannot read it as UTF-8 text ({exc})") from None
    reader = csv.DictReader(text.splitlines(), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise CdrError(f"CDR file {path}: line 1: not CSV ({exc})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CdrError(
            f"CDR file {path}: line 1: the header lacks the column(s) {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED_COLUMNS)})"
        )
    reader.fieldnames = header
    records: dict[str, CallRecord] = {}
    errors: list[str] = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"{path}: line {reader.line_num}: not CSV ({exc}); row left out")
            continue
        source = f"{path.name}: line {reader.line_num}"
        try:
            record = _row_record(row, source, key, zone)
        except ValueError as exc:
            errors.append(f"{path}: line {reader.line_num}: {exc}; row left out")
            continue
        if record.recording in records:
            first = records[record.recording].source
            errors.append(
                f"{path}: line {reader.line_num}: recording {_quoted(record.recording)} already "
                f"has a row ({first}); row left out"
            )
            continue
        records[record.recording] = record
    return CdrFile(path, records, tuple(errors))
