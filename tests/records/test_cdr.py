"""Reading the CDR CSV: good rows, bad rows named by file and line, the customer number hashed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.records.cdr import (
    CdrError,
    Direction,
    Purpose,
    display_number,
    hash_number,
    normalize_number,
    read_cdr,
)

KEY = b"test-pseudonym-key"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = (
    "recording,start_time,direction,line_number,customer_number,agent_id,purpose,queue,end_time"
)
T = "2025-03-14T10:00:00+08:00"


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "calls.cdr.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_good_rows_are_read_with_the_customer_number_hashed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a.wav,2025-03-14T19:59:00+08:00,outbound,021-5555 0199,138 0013 8000,A1,collection,"
        "debt,2025-03-14T20:03:10+08:00",
        "b.wav,2025-03-14T12:01:00Z,Inbound,95588,+86 13800138000,A2,Service,,",
    )
    cdr = read_cdr(path, KEY, SHANGHAI)
    assert cdr.errors == ()
    a, b = cdr.records["a.wav"], cdr.records["b.wav"]
    assert a.start_time == datetime(2025, 3, 14, 11, 59, tzinfo=UTC)
    assert a.direction is Direction.OUTBOUND and a.purpose is Purpose.COLLECTION
    assert a.line_number == "02155550199" and a.queue == "debt"
    assert a.extra["end_time"] == "2025-03-14T20:03:10+08:00"
    assert b.direction is Direction.INBOUND and b.purpose is Purpose.SERVICE and b.queue is None
    # the same number in two spellings: one hash, and the number itself is nowhere
    assert a.customer_hash == b.customer_hash == hash_number("13800138000", KEY)
    assert "13800138000" not in repr(a) + repr(a.__dict__) + repr(b.__dict__)
    assert cdr.for_recording(tmp_path / "sub" / "a.wav") is a


def test_a_naive_time_is_read_in_the_centre_time_zone(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.wav,2025-03-14 08:00:00,outbound,95588,13800138000,A1,marketing,,")
    record = read_cdr(path, KEY, SHANGHAI).records["a.wav"]
    assert record.start_time == datetime(2025, 3, 14, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (f",{T},outbound,95588,13800138000,A1,service,,", "empty recording"),
        ("a.wav,14/03/2025 10:00,outbound,95588,13800138000,A1,service,,", "start_time"),
        (f"a.wav,{T},sideways,95588,13800138000,A1,service,,", "direction"),
        (f"a.wav,{T},outbound,95588,13800138000,A1,sales,,", "purpose"),
        (f"a.wav,{T},outbound,hotline,13800138000,A1,service,,", "line_number"),
        (f"a.wav,{T},outbound,95588,ask-me,A1,service,,", "customer_number"),
        (f"a.wav,{T},outbound,95588,13800138000,,service,,", "empty agent_id"),
        (f"x/a.wav,{T},outbound,95588,13800138000,A1,service,,", "file name"),
        (f"a.wav,{T},outbound,95588,13800138000,A1,service,,,extra", "more"),
    ],
)
def test_a_bad_row_is_left_out_with_file_and_line(tmp_path: Path, row: str, problem: str) -> None:
    good = "ok.wav,2025-03-14T10:00:00+08:00,outbound,95588,13900139000,A1,service,,"
    path = _write(tmp_path, good, row)
    cdr = read_cdr(path, KEY, SHANGHAI)
    assert list(cdr.records) == ["ok.wav"]
    (error,) = cdr.errors
    assert error.startswith(f"{path}: line 3: ") and problem in error
    assert "13800138000" not in error  # a customer number is never quoted


def test_a_bad_customer_number_is_not_quoted(tmp_path: Path) -> None:
    path = _write(tmp_path, f"a.wav,{T},outbound,95588,138-0013-8000x,A1,service,,")
    (error,) = read_cdr(path, KEY, SHANGHAI).errors
    assert "value withheld" in error and "0013" not in error


def test_a_recording_named_twice_keeps_its_first_row(tmp_path: Path) -> None:
    row = f"a.wav,{T},outbound,95588,13800138000,A1,service,,"
    path = _write(tmp_path, row, row.replace("A1", "A2"))
    cdr = read_cdr(path, KEY, SHANGHAI)
    assert cdr.records["a.wav"].agent_id == "A1"
    assert "line 3" in cdr.errors[0] and "line 2" in cdr.errors[0]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"recording,start_time,direction\na.wav,2025-03-14,inbound\n", "line_number"),
    ],
)
def test_an_unreadable_file_fails_as_a_whole(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "calls.cdr.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CdrError, match=problem) as caught:
        read_cdr(path, KEY, SHANGHAI)
    assert str(path) in str(caught.value)


def test_numbers_are_normalised_and_mobiles_masked_for_display() -> None:
    assert normalize_number("+86 21 5555 0199") == "02155550199"
    assert normalize_number("0086-138-0013-8000") == "13800138000"
    assert normalize_number("95588") == "95588"
    assert display_number("+86 138 0013 8000") == "138****8000"
    assert display_number("021-5555-0199") == "02155550199"


def test_hashes_need_a_key_and_depend_on_it() -> None:
    with pytest.raises(ValueError, match="key"):
        hash_number("13800138000", b"")
    assert hash_number("13800138000", b"k1") != hash_number("13800138000", b"k2")
