"""End-to-end evaluation: the real batch over synthetic calls, scored against their ground truth.

Runs ``callsentry run`` (the Prefect flow ``compliance_batch``) as a subprocess over
``eval/e2e/audio/<set>/`` with its own temporary output folder, SQLite database, Prefect home and
audit key, then reads back only what the run left (masked transcripts, reports, alert mails,
the database file, the run's own log and terminal output) and compares it with each call's
``<id>.truth.json`` (schema: ``eval/e2e/README.md``). Prints, per language and audio condition
and overall:

* **ASR**: CER (Mandarin) / WER (English) per channel of the *stored masked* transcript against
  the script; a mono call is scored as one mixed channel against all its turns.
* **PII leaks**: every spoken PII value that can still be read in ANY output of the run, per
  entity class (checksummed ID_CARD / BANK_CARD / PHONE, and the others).
* **Rules**: precision / recall / F1 per rule and overall (micro) of the rule ids on each call's
  report against the truth's ``violations``; compliant calls with any violation.
* **Mono calls**: role accuracy as a share of speech time.
* **Mismatches**: every FP / FN with the masked ASR text near it.

How masked text is scored. The stored transcript is masked: ``<PERSON_1a2b3c>``, ``<ID_CARD>``,
``[REDACTED]``, ``622202*********0123``. Scoring it against the plain script would charge the ASR
for every masked value (19 errors for a card number the ASR got right). So both sides are
aligned on the same token: in the reference, the spoken part of every PII value (the truth's
``spoken``) becomes one placeholder symbol; in the hypothesis, every mask token becomes the same
symbol, and so does any unmasked occurrence of one of the call's own values written exactly (a
leak, counted under PII leaks, not again as an ASR error). A value then costs the ASR at most one
edit: nothing when it was masked, one substitution when a placeholder stands where something else
was said; and never more than the characters (words) of the value it replaced. What the ASR got
wrong *inside* a masked value is invisible to this score (the masked output cannot show it); the
leak check reads every digit form, so a misheard but unmasked value is still caught there when
its last five digits survive. A false mask over ordinary words costs what a misrecognition
would: that text is lost to a reader of the stored transcript too.

Normalisation, both sides alike: NFKC, traditional -> simplified, case folded, punctuation,
symbols and spaces removed; Chinese numerals become Arabic digits (digit by digit: 六二二二 ->
6222, 幺 -> 1; with units as a value: 两万三千 -> 23000, 2万3千 -> 23000, 一千万 -> 10000000),
English digits become words (``pipeline.asr.error_rate.normalise_english``). Rates are micro
averages: total edits over total reference characters (words) of the group.

Leaks. For a numeric value: its digit string anywhere, or its last five or more digits as one
contiguous run, in any output text after folding (NFKC), Chinese numerals (幺, 两 included) and
English digit words read as digits and up to two spaces, hyphens or commas between digits
removed. Digit runs touching an ASCII letter are skipped (hex digests, pseudonym tokens), and a
value shorter than five digits leaks only as a whole run of exactly its digits (a PIN's four
digits inside a timestamp are not a leak). For a text value (names, addresses, e-mail): the exact
text (case folded), not inside a longer Latin word ("Tom" is not read in "customer"). Long
numbers (11+ digits) with any 8 contiguous digits still readable are listed apart as partly
exposed (a misheard ID whose first twelve digits stand). What is read:
every file under the run's folder but audio (the redacted recordings), SQLite files table by
table (write-ahead log included) and the callsentry database also byte for byte; Prefect's
database without its block catalogue, which ships example numbers ("1234567890") of its own.

The evaluator starts the run's Prefect server itself (home inside the run's folder, up to
:data:`SERVER_STARTUP_S` to come up on a loaded machine) and passes the caller's settings on,
except those that would send output elsewhere (:data:`ISOLATED_SETTINGS`): so
``CALLSENTRY_ASR_PROMPT_ZH=`` compares a run without the decoder prompt.

    .venv/bin/python eval/eval_e2e.py --set tuning --backend faster-whisper
    .venv/bin/python eval/eval_e2e.py --calls DIR [--keep WORKDIR]
    .venv/bin/python eval/eval_e2e.py --calls DIR --keep WORKDIR --resume  # calls added since
    .venv/bin/python eval/eval_e2e.py --rescore WORKDIR --set tuning   # score a kept run again
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.asr.error_rate import normalise_english  # noqa: E402
from pipeline.asr.guards import to_simplified  # noqa: E402

CORPUS = ROOT / "eval" / "e2e" / "audio"
SETS = ("tuning", "heldout")
CONDITIONS = ("clean", "tel8k", "hold", "overlap", "mono", "noisy")
CHECKSUMMED = frozenset({"ID_CARD", "BANK_CARD", "PHONE"})  # entity types with a check digit
TRUTH_SUFFIX = ".truth.json"
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus"})
SERVER_STARTUP_S = 600.0  # the run's Prefect server may take minutes on a busy machine
RUN_TIMEOUT_S = 6 * 3600  # a whole set on a 2-core machine with openai-whisper
SNIPPET_CHARS = 120  # masked text shown per mismatch
SNIPPET_MARGIN_S = 3.0  # seconds around a violation whose segments are shown
ISOLATED_SETTINGS = tuple(
    f"CALLSENTRY_{name}"
    for name in (
        "OUT_DIR",
        "DATABASE_URL",
        "SMTP_",
        "MAIL_",
        "WEBHOOK_URL",
        "AUDIT_",
        "RECORDINGS_DIR",
    )
)  # settings of the caller's that would send the run's output elsewhere
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
PREFECT_HOME_DIRNAME = "prefect-home"  # the run's own Prefect home, inside its folder
PREFECT_CATALOGUE_TABLES = frozenset({"block_schema", "block_type"})  # shipped with Prefect
MIN_SUFFIX_DIGITS = 5  # a run of a value's last digits this long is a leak
PARTIAL_DIGITS = 8  # this many contiguous digits of a long value still readable: partly exposed
PARTIAL_MIN_VALUE_DIGITS = 11  # values this long are checked for partial exposure

# Overall figures of each held-out set's first, blind run: the generalisation figures. Later runs
# follow fixes the first run prompted, so they score higher. Keys: cer_zh, wer_en (agent and
# customer pooled), leak_checksummed, leak_other (share of spoken values), rules_precision,
# rules_recall, rules_f1, compliant_flagged (compliant calls with any violation / compliant calls).
# The first, blind run of each held-out set (the generalisation figures; later runs follow fixes).
FIRST_RUNS: dict[str, dict[str, float]] = {
    # 2026-12-02, faster-whisper base, main at the merge of the neural-voice corpus (14 calls)
    "heldout": {
        "cer_zh": 0.186,
        "wer_en": 0.115,
        "leak_checksummed": 0.059,
        "leak_other": 0.238,
        "rules_precision": 0.611,
        "rules_recall": 0.846,
        "rules_f1": 0.710,
        "compliant_flagged": 0.500,
    },
}

PII_SYMBOL = "\ue000"  # one private-use character: a masked or spoken PII value (CER)
PII_WORD = "xpiix"  # the same as one word (WER); normalise_english keeps it as it is

# What the masking stage writes instead of a value (pipeline/pii/masking.py): <TYPE>,
# <TYPE_pseudonym>, the remove token, and partial masks (kept digits around * runs).
_MASK_TOKEN = re.compile(
    r"<[A-Z][A-Z0-9_]*>|<[A-Z][A-Z0-9_]*_[0-9A-Za-z]+>|\[REDACTED\]|[0-9A-Za-z]*\*{2,}[0-9A-Za-z*]*",
    re.UNICODE,
)

# --- Chinese numerals -------------------------------------------------------------------------
_ZH_DIGIT = {
    "零": 0,
    "〇": 0,
    "洞": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
_NUMERAL_RUN = re.compile(r"[0-9零〇洞一幺二两三四五六七八九十百千万亿]+")


def _numeral_value(run: str) -> int | None:
    """The value of a numeral with units (两万三千, 2万3千, 十五); None when it is not one."""
    if not run or (run[0] not in _ZH_DIGIT and not run[0].isdigit() and run[0] != "十"):
        return None
    total = section = 0
    digit: int | None = None
    i = 0
    while i < len(run):
        ch = run[i]
        if ch.isdigit():
            j = i
            while j < len(run) and run[j].isdigit():
                j += 1
            if digit is not None:
                return None
            digit, i = int(run[i:j]), j
            continue
        if ch in _ZH_DIGIT:
            if digit is not None and digit != 0:
                return None  # two digits in a row: dictated, not a value
            digit = _ZH_DIGIT[ch]
        elif ch in _SMALL_UNIT:
            section += (1 if digit is None else digit) * _SMALL_UNIT[ch]
            digit = None
        else:
            total = (total + section + (digit or 0)) * _BIG_UNIT[ch]
            section, digit = 0, None
        i += 1
    return total + section + (digit or 0)


def _convert_numeral_run(match: re.Match[str]) -> str:
    run = match.group()
    if any(ch in _SMALL_UNIT or ch in _BIG_UNIT for ch in run):
        value = _numeral_value(run)
        if value is not None:
            return str(value)
    return "".join(str(_ZH_DIGIT[ch]) if ch in _ZH_DIGIT else ch for ch in run)


def chinese_numerals_to_digits(text: str) -> str:
    """Chinese numerals as Arabic digits: digit strings digit by digit, numbers with units
    (十 百 千 万 亿) as their value; a unit that starts a run (千万, 万一) stays a character."""
    return _NUMERAL_RUN.sub(_convert_numeral_run, text)


# --- normalisation for error rates ------------------------------------------------------------


def _keep_char(ch: str) -> bool:
    return ch == PII_SYMBOL or unicodedata.category(ch)[0] in "LN"


def normalise_chinese_for_cer(text: str) -> str:
    """Characters compared by CER: simplified, folded, numerals as digits, punctuation, symbols
    and spaces removed; the PII symbol kept."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    text = chinese_numerals_to_digits(re.sub(r"(?<=\d)[,，](?=\d{3})", "", text))
    return "".join(ch for ch in text if _keep_char(ch))


def normalise_text(text: str, language: str) -> list[str]:
    """The units an error rate compares: characters (zh) or words (en)."""
    if language == "zh":
        return list(normalise_chinese_for_cer(text))
    text = unicodedata.normalize("NFKC", text).replace(PII_SYMBOL, f" {PII_WORD} ")
    return normalise_english(text).split()


def mask_tokens_to_symbol(text: str) -> str:
    """Every mask token of the stored transcript as the one PII symbol."""
    return _MASK_TOKEN.sub(PII_SYMBOL, text)


def replace_units(units: list[str], needle: Sequence[str], placeholder: str) -> list[str]:
    """``units`` with every occurrence of ``needle`` replaced by one ``placeholder`` unit."""
    if not needle:
        return units
    out: list[str] = []
    i, n = 0, len(needle)
    while i < len(units):
        if units[i : i + n] == list(needle):
            out.append(placeholder)
            i += n
        else:
            out.append(units[i])
            i += 1
    return out


def _placeholder(language: str) -> str:
    return PII_SYMBOL if language == "zh" else PII_WORD


# --- ground truth -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TruthTurn:
    """One spoken turn of the script, placed in the audio."""

    speaker: str  # agent | customer
    start: float  # seconds
    end: float  # seconds
    text: str  # exactly what the voice said


@dataclass(frozen=True)
class TruthPii:
    """One PII value spoken in the call."""

    entity_type: str  # BANK_CARD, PERSON, ...
    value: str  # digits only for numbers, the text otherwise
    speaker: str
    turn: int  # index into the call's turns
    spoken: str  # the part of the turn text that says it ("" when unknown)

    @property
    def is_numeric(self) -> bool:
        """A number (card, ID, phone, code, ...): searched as digits."""
        return bool(re.fullmatch(r"[0-9]+[Xx]?", self.value))

    @property
    def checksummed(self) -> bool:
        """An entity type with a check digit or a fixed shape."""
        return self.entity_type in CHECKSUMMED


@dataclass(frozen=True)
class CallTruth:
    """The ground truth of one generated call (``<id>.truth.json``)."""

    call_id: str
    language: str  # zh | en
    condition: str  # one of CONDITIONS
    violations: frozenset[str]
    turns: tuple[TruthTurn, ...]
    pii: tuple[TruthPii, ...]
    mono: bool  # both speakers on one channel
    duration: float  # seconds
    audio: str  # file name of the recording


def load_truth(path: Path) -> CallTruth:
    """Read one ``<id>.truth.json``; ValueError naming the file on a missing field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = tuple(
            TruthTurn(str(t["speaker"]), float(t["start"]), float(t["end"]), str(t["text"]))
            for t in data["turns"]
        )
        pii = tuple(
            TruthPii(
                str(p["type"]),
                str(p["value"]),
                str(p.get("speaker") or turns[int(p["turn"])].speaker),
                int(p["turn"]),
                str(p.get("spoken") or ""),
            )
            for p in data.get("pii", ())
        )
        channel_map = data.get("channel_map") or {}
        return CallTruth(
            call_id=str(data["id"]),
            language=str(data["language"]),
            condition=str(data["condition"]),
            violations=frozenset(data.get("violations") or ()),
            turns=turns,
            pii=pii,
            mono=int(data.get("channels", 2)) == 1 or "mixed" in channel_map.values(),
            duration=float(data.get("duration", 0.0)),
            audio=str(data.get("audio") or f"{data['id']}.flac"),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a ground-truth file ({type(exc).__name__}: {exc})") from exc


def load_truths(folder: Path) -> list[CallTruth]:
    """Every call's ground truth in ``folder``, by id."""
    truths = [load_truth(p) for p in sorted(folder.glob(f"*{TRUTH_SUFFIX}"))]
    if not truths:
        raise SystemExit(f"error: no {TRUTH_SUFFIX} files in {folder}")
    return truths


# --- what the run stored ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSegment:
    """One segment of a stored (masked) transcript."""

    speaker: str
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class StoredCall:
    """What the run wrote for one call."""

    call_id: str  # the pipeline's id: <file stem>-<8 hex of the audio hash>
    segments: tuple[StoredSegment, ...]
    violations: tuple[dict[str, Any], ...]  # the report's violations

    @property
    def rule_ids(self) -> frozenset[str]:
        """The rule ids the call was found to break."""
        return frozenset(str(v["rule_id"]) for v in self.violations)


def read_stored_calls(out_dir: Path) -> dict[str, StoredCall]:
    """Each call the run wrote, keyed by the file stem it came from."""
    found: dict[str, StoredCall] = {}
    for report_path in sorted((out_dir / "calls").glob("*/report.json")):
        report = json.loads(report_path.read_text(encoding="utf-8"))
        transcript_path = report_path.with_name("transcript.json")
        transcript = json.loads(transcript_path.read_text(encoding="utf-8"))
        segments = tuple(
            StoredSegment(str(s["speaker"]), float(s["start"]), float(s["end"]), str(s["text"]))
            for s in transcript["segments"]
        )
        call_id = str(report["call_id"])
        stem = re.sub(r"-[0-9a-f]{8}$", "", call_id)
        found[stem] = StoredCall(call_id, segments, tuple(report.get("violations") or ()))
    return found


# --- ASR error --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditCount:
    """Edits against a reference of ``length`` units (characters or words)."""

    errors: int
    length: int

    def __add__(self, other: EditCount) -> EditCount:
        return EditCount(self.errors + other.errors, self.length + other.length)

    @property
    def rate(self) -> float | None:
        """errors / length; None for an empty reference."""
        return self.errors / self.length if self.length else None


def edit_count(reference: Sequence[str], hypothesis: Sequence[str]) -> EditCount:
    """Substitutions + deletions + insertions of ``hypothesis`` against ``reference``."""
    import jiwer

    if not reference:
        return EditCount(len(hypothesis), 0)
    if not hypothesis:
        return EditCount(len(reference), len(reference))
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return EditCount(out.substitutions + out.deletions + out.insertions, len(reference))


def reference_units(
    turns: Sequence[TruthTurn], pii: Sequence[TruthPii], indices: Iterable[int], language: str
) -> list[str]:
    """The reference of the turns at ``indices``, each spoken PII value as one placeholder."""
    placeholder = _placeholder(language)
    units: list[str] = []
    for index in indices:
        turn_units = normalise_text(turns[index].text, language)
        for item in pii:
            if item.turn != index:
                continue
            for needle in (item.spoken, item.value):
                spoken = normalise_text(needle, language) if needle else []
                replaced = replace_units(turn_units, spoken, placeholder)
                if replaced != turn_units:
                    turn_units = replaced
                    break
        units.extend(turn_units)
    return units


def hypothesis_units(texts: Iterable[str], pii: Sequence[TruthPii], language: str) -> list[str]:
    """The stored text: mask tokens and exact unmasked values of the call as one placeholder."""
    placeholder = _placeholder(language)
    units = normalise_text(mask_tokens_to_symbol(" ".join(texts)), language)
    for item in sorted(pii, key=lambda p: -len(p.value)):
        units = replace_units(units, normalise_text(item.value, language), placeholder)
    return units


def channel_errors(truth: CallTruth, stored: StoredCall | None) -> dict[str, EditCount]:
    """Edits per channel (agent, customer; ``mixed`` for a mono call) of the stored text."""
    segments = sorted(stored.segments, key=lambda s: (s.start, s.end)) if stored else []
    channels = ("mixed",) if truth.mono else ("agent", "customer")
    out: dict[str, EditCount] = {}
    for channel in channels:
        indices = [
            i for i, t in enumerate(truth.turns) if channel == "mixed" or t.speaker == channel
        ]
        ref = reference_units(truth.turns, truth.pii, indices, truth.language)
        texts = [s.text for s in segments if channel == "mixed" or s.speaker == channel]
        out[channel] = edit_count(ref, hypothesis_units(texts, truth.pii, truth.language))
    return out


# --- PII leaks --------------------------------------------------------------------------------

_EN_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_EN_DIGIT_WORD = re.compile(r"\b(" + "|".join(_EN_DIGIT_WORDS) + r")\b", re.IGNORECASE)
_ZH_DIGIT_TABLE = str.maketrans({k: str(v) for k, v in _ZH_DIGIT.items()})
_DIGIT_GAP = re.compile(r"(?<=\d)[ \t\-,，、]{1,2}(?=\d)")
# Machine-written numbers that no speech produced, cut out before digit runs are read: date-times
# and times of day (with fractions of a second), UUIDs and Unix timestamps. Prefect's database
# holds thousands ("10:41:15.650043" would otherwise hold the last five digits of an ID).
_MACHINE_NUMBER = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b1[5-9]\d{8}\.\d+"
)
_DIGIT_RUN = re.compile(r"\d+(?:[Xx](?![A-Za-z]))?")  # an ID may end in X
_NOT_LATIN_LETTER_BEFORE = r"(?<![a-z])"  # around a text value, in case-folded output
_NOT_LATIN_LETTER_AFTER = r"(?![a-z])"


@dataclass(frozen=True)
class OutputText:
    """The text of one thing the run left, prepared for the leak search."""

    source: str  # where it came from, relative to the run's folder
    folded: str  # NFKC, case folded
    digit_runs: tuple[str, ...]  # digit runs in any digit form, not touching an ASCII letter


def digit_runs(text: str) -> tuple[str, ...]:
    """Maximal digit runs of ``text`` read in every digit form, separators removed; runs that
    touch an ASCII letter (hex digests, tokens) and machine-written times and ids are left
    out."""
    text = _MACHINE_NUMBER.sub(" ", unicodedata.normalize("NFKC", text))
    text = text.translate(_ZH_DIGIT_TABLE)
    text = _EN_DIGIT_WORD.sub(lambda m: _EN_DIGIT_WORDS[m.group().lower()], text)
    text = _DIGIT_GAP.sub("", text)
    runs = []
    for match in _DIGIT_RUN.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
            continue
        runs.append(match.group().rstrip("Xx"))
    return tuple(runs)


def prepare_output(source: str, text: str) -> OutputText:
    """One output's text ready for :func:`leaks_in`."""
    return OutputText(source, unicodedata.normalize("NFKC", text).casefold(), digit_runs(text))


def leaks_in(value: TruthPii, outputs: Sequence[OutputText]) -> list[str]:
    """The sources in which ``value`` can be read (see the module notes for the test)."""
    hits = []
    if value.is_numeric:
        digits = value.value.rstrip("Xx")  # an ID's check letter is not searched
        suffix = digits[-MIN_SUFFIX_DIGITS:]
        for output in outputs:
            if len(digits) < MIN_SUFFIX_DIGITS:
                found = digits in output.digit_runs
            else:
                found = any(digits in run or suffix in run for run in output.digit_runs)
            if found:
                hits.append(output.source)
    else:
        needle = unicodedata.normalize("NFKC", value.value).casefold().strip()
        if needle:
            # a Latin name is a word: "tom" in "custom" or "mark" in "markdown" is no leak
            # (Chinese text has no spaces: a name there is searched as it is)
            pattern = re.compile(
                _NOT_LATIN_LETTER_BEFORE + re.escape(needle) + _NOT_LATIN_LETTER_AFTER
            )
            hits = [o.source for o in outputs if pattern.search(o.folded)]
    return hits


def exposed_in(value: TruthPii, outputs: Sequence[OutputText]) -> list[str]:
    """The sources holding :data:`PARTIAL_DIGITS` or more contiguous digits of a long numeric
    value (a misheard ID whose first twelve digits are still readable), whether or not it
    leaked by :func:`leaks_in`; [] for short and text values."""
    digits = value.value.rstrip("Xx")
    if not value.is_numeric or len(digits) < PARTIAL_MIN_VALUE_DIGITS:
        return []
    pieces = {digits[i : i + PARTIAL_DIGITS] for i in range(len(digits) - PARTIAL_DIGITS + 1)}
    return [o.source for o in outputs if any(p in run for run in o.digit_runs for p in pieces)]


def sqlite_text(path: Path, skip_tables: frozenset[str] = frozenset()) -> str:
    """Every value of every table of the SQLite file ``path`` as text (its write-ahead log
    included), but the tables in ``skip_tables``."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [row[0] for row in db.execute("select name from sqlite_master where type='table'")]
        parts = []
        for table in tables:
            if table in skip_tables:
                continue
            for row in db.execute(f'select * from "{table}"'):
                parts.append(" | ".join("" if v is None else str(v) for v in row))
    return "\n".join(parts)


def read_outputs(workdir: Path, extra: Sequence[tuple[str, str]] = ()) -> list[OutputText]:
    """Every text the run left under ``workdir`` plus ``extra`` (source, text) pairs: its files,
    every table of its SQLite files and, for the callsentry database, its bytes as well (what a
    deleted row left); audio files are skipped. Prefect's database is read table by table
    without its catalogue of block types (examples such as "1234567890" that no run wrote)."""
    outputs = [prepare_output(source, text) for source, text in extra]
    prefect_home = workdir / PREFECT_HOME_DIRNAME
    for path in sorted(workdir.rglob("*")):
        if not path.is_file() or path.suffix.lower() in AUDIO_SUFFIXES:
            continue
        source = str(path.relative_to(workdir))
        in_prefect = path.is_relative_to(prefect_home)
        raw = path.read_bytes()
        if raw.startswith(SQLITE_HEADER):
            skip = PREFECT_CATALOGUE_TABLES if in_prefect else frozenset()
            outputs.append(prepare_output(f"{source} (tables)", sqlite_text(path, skip)))
            if in_prefect:
                continue
        elif in_prefect and path.name.endswith(SQLITE_SIDE_FILES):
            continue  # read through the database above
        outputs.append(prepare_output(source, raw.decode("utf-8", "ignore")))
    return outputs


# --- rules ------------------------------------------------------------------------------------


@dataclass
class RuleCounts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: RuleCounts) -> None:
        """Add ``other``'s counts to these."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing fired."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was labelled."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def rule_outcomes(labelled: frozenset[str], found: frozenset[str]) -> dict[str, str]:
    """``tp`` / ``fp`` / ``fn`` for every rule id labelled or found on one call."""
    return {
        rule: "tp" if rule in labelled and rule in found else "fp" if rule in found else "fn"
        for rule in sorted(labelled | found)
    }


# --- mono role accuracy -----------------------------------------------------------------------


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _union_overlap(start: float, end: float, spans: Iterable[tuple[float, float]]) -> float:
    """Seconds of [start, end] covered by the union of ``spans``."""
    covered, cursor = 0.0, start
    for s, e in sorted(spans):
        s, e = max(s, cursor), min(e, end)
        if e > s:
            covered += e - s
            cursor = e
    return covered


def role_time(truth: CallTruth, segments: Sequence[StoredSegment]) -> tuple[float, float]:
    """(seconds of transcribed speech given the right role, seconds of transcribed speech):
    each script turn's time covered by a segment of its speaker, and by any segment."""
    right = total = 0.0
    for turn in truth.turns:
        spans = [
            (s.start, s.end) for s in segments if _overlap(s.start, s.end, turn.start, turn.end)
        ]
        own = [
            (s.start, s.end)
            for s in segments
            if s.speaker == turn.speaker and _overlap(s.start, s.end, turn.start, turn.end)
        ]
        total += _union_overlap(turn.start, turn.end, spans)
        right += _union_overlap(turn.start, turn.end, own)
    return right, total


# --- scoring a run ----------------------------------------------------------------------------


@dataclass
class CallScore:
    """Everything measured on one call."""

    truth: CallTruth
    stored: StoredCall | None
    errors: dict[str, EditCount]
    leaks: list[tuple[TruthPii, list[str]]]  # every spoken value and where it can be read
    exposed: list[tuple[TruthPii, list[str]]]  # long numbers: where 8+ of their digits stand
    outcomes: dict[str, str]  # rule id -> tp | fp | fn
    role: tuple[float, float] | None  # mono calls: (right, transcribed) seconds
    speakers: frozenset[str] = field(default_factory=frozenset)  # roles in the stored transcript
    punctuation: tuple[int, int] = (0, 0)  # (punctuation marks, Han characters) stored


_HAN = re.compile(r"[\u3400-\u9fff]")


def punctuation_count(texts: Iterable[str]) -> tuple[int, int]:
    """(punctuation marks, Han characters) in ``texts``: how punctuated stored Mandarin is."""
    marks = han = 0
    for text in texts:
        marks += sum(1 for ch in text if unicodedata.category(ch).startswith("P"))
        han += len(_HAN.findall(text))
    return marks, han


def score_call(
    truth: CallTruth, stored: StoredCall | None, outputs: Sequence[OutputText]
) -> CallScore:
    """Score one call against what the run stored and every output of the run."""
    found = stored.rule_ids if stored else frozenset()
    segments = stored.segments if stored else ()
    return CallScore(
        truth=truth,
        stored=stored,
        errors=channel_errors(truth, stored),
        leaks=[(item, leaks_in(item, outputs)) for item in truth.pii],
        exposed=[(item, exposed_in(item, outputs)) for item in truth.pii],
        outcomes=rule_outcomes(truth.violations, found),
        role=role_time(truth, segments) if truth.mono else None,
        speakers=frozenset(s.speaker for s in segments),
        punctuation=punctuation_count(s.text for s in segments),
    )


def snippet(stored: StoredCall | None, rule_id: str, kind: str) -> str:
    """Masked ASR text near a mismatch: around the violation for an FP, the start of the
    agent's text for an FN (where no position is known)."""
    if stored is None:
        return "(no report: the call was not processed)"
    if kind == "FP":
        hit = next(v for v in stored.violations if v["rule_id"] == rule_id)
        start, end = float(hit["start"]) - SNIPPET_MARGIN_S, float(hit["end"]) + SNIPPET_MARGIN_S
        near = [s for s in stored.segments if _overlap(s.start, s.end, start, end)]
        text = " | ".join(f"{s.speaker[0].upper()}: {s.text}" for s in near)
        evidence = str(hit.get("evidence") or "")
        return (
            f"@{float(hit['start']):.1f}s {text}"
            + (f"  [evidence: {evidence}]" if evidence else "")
        )[: SNIPPET_CHARS * 2]
    agent = " ".join(s.text for s in stored.segments if s.speaker in ("agent", "unknown"))
    return f"agent: {agent}"[:SNIPPET_CHARS]


def _rate(count: EditCount) -> str:
    rate = count.rate
    return "  -  " if rate is None else f"{rate:5.3f}"


def headline(scores: Sequence[CallScore]) -> dict[str, float]:
    """The overall figures of a run (the keys of FIRST_RUNS)."""
    out: dict[str, float] = {}
    for language, key in (("zh", "cer_zh"), ("en", "wer_en")):
        total = EditCount(0, 0)
        for s in scores:
            if s.truth.language == language:
                for count in s.errors.values():
                    total = total + count
        if total.rate is not None:
            out[key] = round(total.rate, 3)
    for checksummed, key in ((True, "leak_checksummed"), (False, "leak_other")):
        values = [hits for s in scores for item, hits in s.leaks if item.checksummed == checksummed]
        if values:
            out[key] = round(sum(1 for h in values if h) / len(values), 3)
    rules = RuleCounts()
    for s in scores:
        rules.add(_counts(s.outcomes.values()))
    out |= {
        "rules_precision": round(rules.precision, 3),
        "rules_recall": round(rules.recall, 3),
        "rules_f1": round(rules.f1, 3),
    }
    compliant = [s for s in scores if not s.truth.violations]
    if compliant:
        flagged = sum(1 for s in compliant if s.stored and s.stored.rule_ids)
        out["compliant_flagged"] = round(flagged / len(compliant), 3)
    return out


def _counts(kinds: Iterable[str]) -> RuleCounts:
    c = Counter(kinds)
    return RuleCounts(c["tp"], c["fp"], c["fn"])


def print_report(scores: Sequence[CallScore], first_run: dict[str, float] | None) -> None:
    """The tables: ASR, leaks, rules, mono roles, mismatches, headline vs first run."""
    groups: dict[tuple[str, str], list[CallScore]] = defaultdict(list)
    for s in scores:
        groups[(s.truth.language, s.truth.condition)].append(s)
        groups[(s.truth.language, "all")].append(s)
    order = sorted(
        groups,
        key=lambda k: (
            k[0],
            (*CONDITIONS, "all").index(k[1]) if k[1] in (*CONDITIONS, "all") else 99,
        ),
    )

    print("\n== ASR error of the stored masked transcript (CER zh / WER en; micro average)")
    print("(punct. = punctuation marks per 100 Han characters of the stored text)")
    columns = ("agent", "cust.", "mixed", "all", " punct.")
    print(f"{'lang':4} {'condition':9} {'calls':>5} " + " ".join(f"{c:>6}" for c in columns))
    for key in order:
        per: dict[str, EditCount] = defaultdict(lambda: EditCount(0, 0))
        for s in groups[key]:
            for channel, count in s.errors.items():
                per[channel] = per[channel] + count
                per["all"] = per["all"] + count
        cells = " ".join(f"{_rate(per[c]):>6}" for c in ("agent", "customer", "mixed", "all"))
        marks = sum(s.punctuation[0] for s in groups[key])
        han = sum(s.punctuation[1] for s in groups[key])
        punct = f"{100 * marks / han:7.1f}" if han else "      -"
        print(f"{key[0]:4} {key[1]:9} {len(groups[key]):5} {cells} {punct}")

    print("\n== PII values spoken -> still readable in an output of the run")
    print(f"{'lang':4} {'condition':9} {'checksummed':>16} {'other':>16}")
    for key in order:
        cells = []
        for checksummed in (True, False):
            vals = [h for s in groups[key] for i, h in s.leaks if i.checksummed == checksummed]
            leaked = sum(1 for h in vals if h)
            cells.append(f"{leaked}/{len(vals)}" + (f" ({leaked / len(vals):.0%})" if vals else ""))
        print(f"{key[0]:4} {key[1]:9} {cells[0]:>16} {cells[1]:>16}")
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in scores:
        for item, hits in s.leaks:
            by_type[item.entity_type][0] += bool(hits)
            by_type[item.entity_type][1] += 1
    exposed = [(s, i, h) for s in scores for i, h in s.exposed if h]
    long_values = sum(
        1
        for s in scores
        for i, _ in s.exposed
        if i.is_numeric and len(i.value) >= PARTIAL_MIN_VALUE_DIGITS
    )
    print(
        f"long numbers with {PARTIAL_DIGITS}+ contiguous digits readable: "
        f"{len(exposed)}/{long_values}"
    )
    for s, item, hits in exposed:
        print(f"  PARTLY EXPOSED {s.truth.call_id}: {item.entity_type} in {', '.join(hits[:3])}")
    print("by entity: " + ", ".join(f"{t} {a}/{b}" for t, (a, b) in sorted(by_type.items())))
    for s in scores:
        for item, hits in s.leaks:
            if hits:
                shown = ", ".join(hits[:4]) + (f" (+{len(hits) - 4})" if len(hits) > 4 else "")
                print(f"  LEAK {s.truth.call_id}: {item.entity_type} ({item.speaker}) in {shown}")

    print("\n== Rules end to end (micro)")
    per_rule: dict[str, RuleCounts] = defaultdict(RuleCounts)
    for s in scores:
        for rule, kind in s.outcomes.items():
            per_rule[rule].add(_counts([kind]))
    print(f"{'rule':28} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    total = RuleCounts()
    for rule, c in sorted(per_rule.items()):
        total.add(c)
        print(
            f"{rule:28} {c.tp:4} {c.fp:4} {c.fn:4} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
        )
    print(
        f"{'overall':28} {total.tp:4} {total.fp:4} {total.fn:4} {total.precision:6.3f} "
        f"{total.recall:6.3f} {total.f1:6.3f}"
    )
    for key in order:
        if key[1] == "all":
            continue
        c = RuleCounts()
        for s in groups[key]:
            c.add(_counts(s.outcomes.values()))
        print(f"  {key[0]} {key[1]:9} P {c.precision:.3f} R {c.recall:.3f} F1 {c.f1:.3f}")
    compliant = [s for s in scores if not s.truth.violations]
    flagged = [s for s in compliant if s.stored and s.stored.rule_ids]
    print(f"compliant calls with a violation: {len(flagged)}/{len(compliant)}")
    for s in flagged:
        assert s.stored is not None
        print(f"  {s.truth.call_id}: {', '.join(sorted(s.stored.rule_ids))}")

    mono = [s for s in scores if s.role is not None]
    if mono:
        print(
            "\n== Mono calls: role accuracy (share of transcribed speech time with the right role)"
        )
        for s in mono:
            assert s.role is not None
            right, covered = s.role
            share = right / covered if covered else 0.0
            note = (
                " (every segment 'unknown': no speaker split)" if s.speakers <= {"unknown"} else ""
            )
            print(f"  {s.truth.call_id}: {share:.3f} of {covered:.1f} s{note}")
        right = sum(s.role[0] for s in mono if s.role)
        covered = sum(s.role[1] for s in mono if s.role)
        print(f"  overall: {right / covered if covered else 0.0:.3f}")

    print("\n== Mismatches")
    for s in scores:
        for rule, kind in s.outcomes.items():
            if kind != "tp":
                print(f"  {kind.upper()} {s.truth.call_id}: {rule}")
                print(f"      {snippet(s.stored, rule, kind.upper())}")
        if s.stored is None:
            print(f"  NO REPORT {s.truth.call_id} (quarantined or failed: see the run log)")

    print("\n== Headline")
    now = headline(scores)
    print("  now:       " + ", ".join(f"{k} {v:.3f}" for k, v in now.items()))
    if first_run:
        print("  first run: " + ", ".join(f"{k} {v:.3f}" for k, v in first_run.items()))
    else:
        print("  first (blind) run: not recorded for this set")


# --- running the batch ------------------------------------------------------------------------


def run_batch(audio_dir: Path, workdir: Path, backend: str | None) -> tuple[str, float]:
    """``callsentry run`` over ``audio_dir`` with everything it writes under ``workdir``;
    returns (its terminal output, seconds)."""
    out_dir = workdir / "out"
    # everything the run writes stays under workdir: no database, SMTP relay, webhook, audit
    # file or Prefect server of the caller's; the other settings (ASR prompts, threads, ...) pass
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(ISOLATED_SETTINGS) and not k.startswith("PREFECT_")
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "PREFECT_HOME": str(workdir / PREFECT_HOME_DIRNAME),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "CALLSENTRY_OUT_DIR": str(out_dir),
        "CALLSENTRY_AUDIT_KEY_FILE": str(workdir / "audit.key"),
    }
    command = [sys.executable, "-m", "pipeline.cli", "run", str(audio_dir), "--out", str(out_dir)]
    if backend:
        command += ["--asr-backend", backend]
    from flows import server

    # The run's Prefect server is started here, its home inside workdir (its database is an
    # output of the run and is read for leaks), with room to start on a loaded machine.
    server.STARTUP_TIMEOUT_S = max(server.STARTUP_TIMEOUT_S, SERVER_STARTUP_S)
    os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]
    os.environ.pop("PREFECT_API_URL", None)
    process, url = server.start_server(workdir / "prefect-server.log")
    env["PREFECT_API_URL"] = url
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    finally:
        server.stop_server(process)
    seconds = time.perf_counter() - started
    log = done.stdout + done.stderr
    with (workdir / "run-terminal.log").open("a", encoding="utf-8") as sink:
        sink.write(log)
    if done.returncode not in (0, 3):
        print(log[-4000:], file=sys.stderr)
        raise SystemExit(f"error: callsentry run exited with {done.returncode}")
    return log, seconds


def evaluate(truths: Sequence[CallTruth], workdir: Path) -> list[CallScore]:
    """Score a finished run in ``workdir`` against ``truths``."""
    stored = read_stored_calls(workdir / "out")
    outputs = read_outputs(workdir)
    return [score_call(t, stored.get(Path(t.audio).stem), outputs) for t in truths]


def main(argv: list[str] | None = None) -> int:
    """Run the batch over a set (or a folder), score it and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=(*SETS, "all"), default="tuning", dest="which")
    parser.add_argument("--calls", type=Path, help="a folder of audio + .truth.json instead")
    parser.add_argument(
        "--backend",
        choices=("openai-whisper", "faster-whisper"),
        default=None,
        help="ASR engine (default: CALLSENTRY_ASR_BACKEND, else openai-whisper)",
    )
    parser.add_argument("--keep", type=Path, help="keep the run's folder here (else deleted)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --keep: run over the folder kept there; calls already stored are skipped",
    )
    parser.add_argument("--rescore", type=Path, help="score a kept run folder; nothing is run")
    args = parser.parse_args(argv)

    backend = args.backend or os.environ.get("CALLSENTRY_ASR_BACKEND")
    if args.calls is not None:
        folders = [(str(args.calls), args.calls)]
    else:
        names = SETS if args.which == "all" else (args.which,)
        folders = [(name, CORPUS / name) for name in names]
    for number, (name, folder) in enumerate(folders):
        if number:
            print()
        truths = load_truths(folder)
        print(f"== {name} set ({folder}): {len(truths)} calls, ASR {backend or 'default'}")
        if args.rescore is not None:
            scores = evaluate(truths, args.rescore / name if len(folders) > 1 else args.rescore)
        else:
            if args.keep is None:
                workdir = Path(tempfile.mkdtemp(prefix=f"callsentry-e2e-{folder.name}-"))
            else:
                workdir = args.keep / name if len(folders) > 1 else args.keep
                if not args.resume:
                    shutil.rmtree(workdir, ignore_errors=True)
                workdir.mkdir(parents=True, exist_ok=True)
            try:
                _, seconds = run_batch(folder, workdir, backend)
                audio_s = sum(t.duration for t in truths)
                print(
                    f"run: {seconds:.0f} s for {audio_s:.0f} s of audio "
                    f"(RTF {seconds / audio_s if audio_s else 0:.2f})"
                )
                scores = evaluate(truths, workdir)
            finally:
                if args.keep is None:
                    shutil.rmtree(workdir, ignore_errors=True)
        print_report(scores, FIRST_RUNS.get(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
