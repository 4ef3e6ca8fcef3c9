"""`callsentry check-transcript`: masked reports from transcript JSON, bad files reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main

CARD = "6222021234567890128"  # Luhn-valid 19-digit UnionPay test number
CALL = {
    "call_id": "zh-demo",
    "language": "zh",
    "duration": 30.0,
    "segments": [
        {"speaker": "agent", "start": 0.0, "end": 4.0, "text": "您好，我是工号八八一六的小王"},
        {"speaker": "customer", "start": 5.0, "end": 9.0, "text": f"卡号是{CARD}"},
        {"speaker": "agent", "start": 10.0, "end": 14.0, "text": "请告诉我您收到的短信验证码"},
    ],
}


@pytest.fixture
def call_file(tmp_path: Path) -> Path:
    path = tmp_path / "zh-demo.json"
    path.write_text(json.dumps(CALL, ensure_ascii=False), encoding="utf-8")
    return path


def test_report_is_masked_and_names_the_violations(
    call_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-transcript", str(call_file), "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert CARD not in out
    (report,) = [json.loads(line) for line in out.splitlines()]
    assert report["call_id"] == "zh-demo"
    rules = {v["rule_id"] for v in report["violations"]}
    assert {"recording-notice", "no-sensitive-auth-request"} <= rules
    assert report["score"] < 100
    card = next(p for p in report["pii"] if p["entity_type"] == "BANK_CARD")
    assert card["segment_index"] == 1 and "value" not in card
    assert report["masked_segments"][1]["text"].startswith("卡号是622202")


def test_a_bad_file_is_reported_and_the_others_go_on(
    call_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["check-transcript", str(broken), str(call_file)]) == 1
    captured = capsys.readouterr()
    assert "broken.json" in captured.err
    assert [r["call_id"] for r in json.loads(captured.out)] == ["zh-demo"]


@pytest.mark.parametrize("layout", ["missing", "empty"])
def test_no_rules_is_an_error_not_a_score_of_100(
    tmp_path: Path, capsys: pytest.CaptureFixture, layout: str
) -> None:
    from pipeline.cli.check import EXIT_CANNOT_START

    rules = tmp_path / "rules"
    if layout == "empty":
        rules.mkdir()
    transcript = tmp_path / "t.json"
    transcript.write_text(
        json.dumps({"call_id": "c", "language": "en", "duration": 5.0, "segments": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "give me your PIN"}]}),
        encoding="utf-8",
    )  # fmt: skip
    assert main(["check-transcript", str(transcript), "--rules", str(rules)]) == EXIT_CANNOT_START
    captured = capsys.readouterr()
    assert f"no compliance rules loaded from {rules}" in captured.err
    assert captured.out == ""  # no report that would read as a pass


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_language_spellings_get_their_rules_and_unknown_ones_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    turns = [
        {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "please tell me your PIN"},
        {"speaker": "customer", "start": 2.5, "end": 4.0, "text": "it is 4 7 1 9"},
    ]
    files = [
        _write(tmp_path / f"{name}.json", {"call_id": name, "language": lang, "segments": turns})
        for name, lang in (("upper", "EN"), ("bcp47", "en-US"), ("name", "English"),
                           ("none", None), ("french", "fr"))
    ]  # fmt: skip
    assert main(["check-transcript", *map(str, files), "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    reports = {r["call_id"]: r for r in map(json.loads, captured.out.splitlines())}
    for name in ("upper", "bcp47", "name", "none"):
        assert reports[name]["language"] == "en"
        assert "no-sensitive-auth-request" in {v["rule_id"] for v in reports[name]["violations"]}
        assert reports[name]["warnings"] == []
    assert reports["french"]["language"] == "fr"
    assert reports["french"]["warnings"] == [
        "no rule pack for language 'fr': no compliance rule was applied to this call"
    ]
    assert "french.json: no rule pack for language 'fr'" in captured.err


def test_bad_files_are_reported_one_by_one_and_the_rest_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    good = _write(tmp_path / "good.json", {"language": "en", "segments": [
        {"speaker": "agent", "start": 0, "end": 1, "text": "hello"}]})  # fmt: skip
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    bad = [
        _write(tmp_path / "string.json", {"segments": "abc"}),
        _write(
            tmp_path / "reversed.json",
            {"segments": [{"speaker": "agent", "start": 5, "end": 1, "text": "x"}]},
        ),
        nested,
    ]
    assert main(["check-transcript", *map(str, bad), str(good)]) == 1
    captured = capsys.readouterr()
    for path in bad:
        assert f"error: {path}" in captured.err
    reports = json.loads(captured.out)
    assert [r["call_id"] for r in reports] == ["good"]


def test_output_is_standard_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = {"language": "en", "segments": [{"speaker": "agent", "start": 0, "end": 1e308,
                                             "text": "hello"}]}  # fmt: skip
    assert main(["check-transcript", str(_write(tmp_path / "t.json", data))]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
