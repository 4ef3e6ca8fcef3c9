"""The end-to-end evaluator's scoring on small fixtures: normalisation, placeholder alignment,
leak search over a run folder (files, a real SQLite file), rules and mono role time."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from eval import eval_e2e as e2e

CARD = "6222021234567890123"
ID_CARD = "11010119900307123X"


def _truth(tmp_path: Path, **overrides) -> Path:
    data = {
        "schema": "callsentry-e2e-truth/1",
        "id": "zh-t01-card",
        "language": "zh",
        "condition": "tel8k",
        "audio": "zh-t01-card.flac",
        "channels": 2,
        "duration": 30.0,
        "channel_map": {"0": "agent", "1": "customer"},
        "violations": ["no-sensitive-auth-request"],
        "turns": [
            {
                "index": 0,
                "speaker": "agent",
                "channel": 0,
                "start": 0.5,
                "end": 5.0,
                "text": "您好，本次通话将被录音。请问您的卡号是多少？",
            },
            {
                "index": 1,
                "speaker": "customer",
                "channel": 1,
                "start": 6.0,
                "end": 12.0,
                "text": "卡号是六二二二 零二一二 三四五六 七八九零 一二三，我叫王芳。",
            },
            {
                "index": 2,
                "speaker": "agent",
                "channel": 0,
                "start": 13.0,
                "end": 16.0,
                "text": "请告诉我您的密码。",
            },
        ],
        "pii": [
            {
                "type": "BANK_CARD",
                "value": CARD,
                "speaker": "customer",
                "turn": 1,
                "spoken": "六二二二 零二一二 三四五六 七八九零 一二三",
            },
            {"type": "PERSON", "value": "王芳", "speaker": "customer", "turn": 1, "spoken": "王芳"},
        ],
    }
    data |= overrides
    path = tmp_path / f"{data['id']}.truth.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _stored(segments: list[tuple[str, float, float, str]], rules: tuple[str, ...] = ()):
    return e2e.StoredCall(
        "zh-t01-card-0123abcd",
        tuple(e2e.StoredSegment(*s) for s in segments),
        tuple({"rule_id": r, "start": 13.0, "end": 16.0, "evidence": ""} for r in rules),
    )


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("六二二二 零二一二", "6222 0212"),
        ("幺三八", "138"),
        ("两万三千元", "23000元"),
        ("2万3千", "23000"),
        ("一千万", "10000000"),
        ("十五号", "15号"),
        ("二〇二六年", "2026年"),
        ("千万不要", "千万不要"),  # a unit that starts a run is a word
        ("一下", "1下"),
    ],
)
def test_chinese_numerals_become_digits(text: str, digits: str) -> None:
    assert e2e.chinese_numerals_to_digits(text) == digits


def test_normalisation_folds_script_punctuation_case_and_grouping() -> None:
    assert e2e.normalise_chinese_for_cer("您好，謝謝！ＯＫ 23,000元") == "您好谢谢ok23000元"
    assert e2e.normalise_text("两万三千元", "zh") == e2e.normalise_text("23000元", "zh")


def test_mask_tokens_become_one_symbol() -> None:
    masked = "卡号622202*********0123，名字<PERSON_ab12cd>，密码[REDACTED]，<ID_CARD>"
    assert e2e.normalise_text(e2e.mask_tokens_to_symbol(masked), "zh") == list(
        f"卡号{e2e.PII_SYMBOL}名字{e2e.PII_SYMBOL}密码{e2e.PII_SYMBOL}{e2e.PII_SYMBOL}"
    )


def test_masked_value_costs_nothing_and_unmasked_right_value_costs_nothing(tmp_path) -> None:
    truth = e2e.load_truth(_truth(tmp_path))
    agent = [
        ("agent", 0.5, 5.0, "您好，本次通话将被录音。请问您的卡号是多少？"),
        ("agent", 13.0, 16.0, "请告诉我您的密码。"),
    ]
    masked = _stored([*agent, ("customer", 6.0, 12.0, "卡号是622202*********0123，我叫<PERSON>。")])
    errors = e2e.channel_errors(truth, masked)
    assert errors["agent"].errors == 0
    assert errors["customer"] == e2e.EditCount(0, len("卡号是") + 1 + len("我叫") + 1)
    leaked = _stored([*agent, ("customer", 6.0, 12.0, "卡号是6222 0212 3456 7890 123，我叫王芳。")])
    assert e2e.channel_errors(truth, leaked)["customer"].errors == 0


def test_a_value_never_costs_more_than_one_edit_for_its_mask(tmp_path) -> None:
    truth = e2e.load_truth(_truth(tmp_path))
    # misheard card digits, unmasked: at most the value's length; a false mask over words: 1+
    wrong = _stored([("customer", 6.0, 12.0, "卡号是6222 0212 3456 7890 124，我叫<PERSON>。")])
    count = e2e.channel_errors(truth, wrong)["customer"]
    assert 1 <= count.errors <= len(CARD)
    false_mask = _stored(
        [
            ("agent", 0.5, 5.0, "您好，本次通话将被<PERSON>。请问您的卡号是多少？"),
            ("agent", 13.0, 16.0, "请告诉我您的密码。"),
        ]
    )
    assert e2e.channel_errors(truth, false_mask)["agent"].errors == 2  # 录音 -> one symbol


def test_empty_transcript_is_all_deletions(tmp_path) -> None:
    truth = e2e.load_truth(_truth(tmp_path))
    errors = e2e.channel_errors(truth, None)
    assert errors["agent"].rate == 1.0 and errors["customer"].rate == 1.0


def test_english_words_and_placeholders(tmp_path) -> None:
    path = _truth(
        tmp_path,
        id="en-t01",
        language="en",
        turns=[
            {
                "speaker": "customer",
                "start": 0.0,
                "end": 4.0,
                "text": "It is four five three two, zero one five one. I'm John Miller.",
            }
        ],
        pii=[
            {
                "type": "BANK_CARD",
                "value": "45320151",
                "turn": 0,
                "spoken": "four five three two, zero one five one",
            },
            {"type": "PERSON", "value": "John Miller", "turn": 0, "spoken": "John Miller"},
        ],
    )
    truth = e2e.load_truth(path)
    stored = _stored([("customer", 0.0, 4.0, "It is <BANK_CARD>. I'm John Miller.")])
    assert e2e.channel_errors(truth, stored)["customer"] == e2e.EditCount(0, 5)


def test_mono_call_is_scored_as_one_mixed_channel(tmp_path) -> None:
    truth = e2e.load_truth(_truth(tmp_path, channels=1, channel_map={"0": "mixed"}))
    assert truth.mono
    stored = _stored([("unknown", 0.5, 5.0, "您好，本次通话将被录音。请问您的卡号是多少？")])
    errors = e2e.channel_errors(truth, stored)
    assert set(errors) == {"mixed"} and 0 < errors["mixed"].errors < errors["mixed"].length


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ("卡号是六二二二零二一二三四五六七八九零一二三", True),
        ("card 6222-0212-3456-7890-123", True),
        ("尾号 九零一 二三", True),  # the last five digits, spaces between
        ("尾号0123", False),  # last four: the masking policy keeps them
        ("622202*********0123", False),
        ("id <BANK_CARD_4f90123a> sha 9f8e90123abc", False),  # digits inside hex tokens
    ],
)
def test_numeric_leaks(text: str, leaks: bool) -> None:
    value = e2e.TruthPii("BANK_CARD", CARD, "customer", 1, "")
    assert bool(e2e.leaks_in(value, [e2e.prepare_output("x", text)])) is leaks


@pytest.mark.parametrize(
    "text",
    [
        "01a23658-1e46-7409-9e90-22de7df739ed | 2026-12-02 10:41:15.650043 | 2026-12-02",
        "at 10:41:15,650043 INFO",
        '{"timestamp": 1764672075.650043}',
        "2026-12-02T10:41:15.650043+00:00",
    ],
)
def test_machine_written_times_and_ids_are_not_leaks(text: str) -> None:
    value = e2e.TruthPii("ID_CARD", "420102199112050043", "customer", 1, "")
    assert e2e.leaks_in(value, [e2e.prepare_output("db", text)]) == []
    assert e2e.leaks_in(value, [e2e.prepare_output("db", f"{text} 尾号五零零四三")]) == ["db"]


def test_short_values_leak_only_as_a_whole_run() -> None:
    pin = e2e.TruthPii("PIN", "1234", "customer", 1, "")
    assert e2e.leaks_in(pin, [e2e.prepare_output("a", "密码是一二三四。")]) == ["a"]
    assert e2e.leaks_in(pin, [e2e.prepare_output("b", "2026-12-02 09:12:34.123456")]) == []


def test_id_card_with_check_letter_and_text_values() -> None:
    card = e2e.TruthPii("ID_CARD", ID_CARD, "customer", 1, "")
    assert e2e.leaks_in(
        card, [e2e.prepare_output("a", "身份证号一一零一零一一九九零零三零七一二三X")]
    )
    name = e2e.TruthPii("PERSON", "John Miller", "customer", 1, "")
    assert e2e.leaks_in(name, [e2e.prepare_output("a", "I'm JOHN MILLER")]) == ["a"]
    assert e2e.leaks_in(name, [e2e.prepare_output("a", "I'm <PERSON>")]) == []


def test_a_latin_name_leaks_as_a_word_only() -> None:
    """ "Tom" is not read in "customer", nor "Mark" in Prefect's "markdown"; a Chinese name,
    written without spaces, is read anywhere."""
    tom = e2e.TruthPii("PERSON", "Tom", "agent", 0, "")
    assert e2e.leaks_in(tom, [e2e.prepare_output("a", "CUSTOMER: a custom atom")]) == []
    assert e2e.leaks_in(tom, [e2e.prepare_output("a", "My name is Tom, agent 823.")]) == ["a"]
    mark = e2e.TruthPii("PERSON", "Mark", "agent", 0, "")
    assert e2e.leaks_in(mark, [e2e.prepare_output("db", '{"type": "markdown"}')]) == []
    name = e2e.TruthPii("PERSON", "陈志强", "customer", 3, "")
    assert e2e.leaks_in(name, [e2e.prepare_output("a", "我叫陈志强身份证号")]) == ["a"]


def test_rules_outcomes_and_micro_counts() -> None:
    outcomes = e2e.rule_outcomes(frozenset({"a", "b"}), frozenset({"b", "c"}))
    assert outcomes == {"a": "fn", "b": "tp", "c": "fp"}
    counts = e2e.RuleCounts(tp=3, fp=1, fn=2)
    assert (counts.precision, counts.recall) == (0.75, 0.6)
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_role_time_counts_transcribed_speech_with_the_right_role(tmp_path) -> None:
    truth = e2e.load_truth(_truth(tmp_path, channels=1, channel_map={"0": "mixed"}))
    segments = [
        e2e.StoredSegment("agent", 0.5, 5.0, "x"),  # 4.5 s right
        e2e.StoredSegment("agent", 6.0, 9.0, "y"),  # 3 s wrong (customer's turn)
        e2e.StoredSegment("unknown", 13.0, 14.0, "z"),
    ]  # 1 s wrong
    right, covered = e2e.role_time(truth, segments)
    assert right == pytest.approx(4.5) and covered == pytest.approx(8.5)


def test_evaluate_reads_a_run_folder_and_its_database(tmp_path) -> None:
    truths_dir = tmp_path / "audio"
    truths_dir.mkdir()
    truth = e2e.load_truth(_truth(truths_dir))
    work = tmp_path / "work"
    call = work / "out" / "calls" / "zh-t01-card-0123abcd"
    call.mkdir(parents=True)
    segments = [
        {"speaker": "agent", "start": 13.0, "end": 16.0, "text": "请告诉我您的密码。"},
        {"speaker": "customer", "start": 6.0, "end": 12.0, "text": "我叫<PERSON>。"},
    ]
    (call / "transcript.json").write_text(
        json.dumps({"call_id": "zh-t01-card-0123abcd", "segments": segments}), encoding="utf-8"
    )
    report = {
        "call_id": "zh-t01-card-0123abcd",
        "violations": [
            {"rule_id": "no-sensitive-auth-request", "start": 13.0, "end": 16.0, "evidence": ""},
            {"rule_id": "closing", "start": 20.0, "end": 30.0, "evidence": ""},
        ],
    }
    (call / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (call / "redacted.flac").write_bytes(CARD.encode())  # audio is not text: never read
    with sqlite3.connect(work / "out" / "callsentry.db") as db:
        db.execute("create table t (x text)")
        db.execute("insert into t values (?)", (f"卡号{CARD}",))
    (work / "prefect-home").mkdir()
    with sqlite3.connect(work / "prefect-home" / "prefect.db") as db:  # Prefect's catalogue
        db.execute("create table block_type (x text)")
        db.execute("insert into block_type values (?)", (f"examples: {CARD}",))
        db.execute("create table log (x text)")
        db.execute("insert into log values ('客户王芳来电')")
    (score,) = e2e.evaluate([truth], work)
    assert score.outcomes == {"closing": "fp", "no-sensitive-auth-request": "tp"}
    (card, card_hits), (_name, name_hits) = score.leaks
    assert card.entity_type == "BANK_CARD"
    assert card_hits == ["out/callsentry.db (tables)", "out/callsentry.db"]
    assert name_hits == ["prefect-home/prefect.db (tables)"]
    assert e2e.headline([score])["leak_checksummed"] == 1.0
    assert e2e.headline([score])["leak_other"] == 1.0
    assert e2e.snippet(score.stored, "closing", "FP").startswith("@20.0s")


def test_a_bad_truth_file_is_named(tmp_path) -> None:
    path = tmp_path / "x.truth.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.truth\.json"):
        e2e.load_truth(path)


def test_long_numbers_partly_readable_are_exposed() -> None:
    card = e2e.TruthPii("ID_CARD", "110105198506123411", "customer", 3, "")
    misheard = [e2e.prepare_output("t", "身份证号码是10105 1985-062-3次以")]  # 1985062 3: 8 digits
    assert e2e.leaks_in(card, misheard) == []
    assert e2e.exposed_in(card, misheard) == ["t"]
    assert e2e.exposed_in(card, [e2e.prepare_output("t", "号码是<ID_CARD>，出生1985")]) == []
    assert e2e.exposed_in(e2e.TruthPii("PIN", "123456", "customer", 1, ""), misheard) == []
