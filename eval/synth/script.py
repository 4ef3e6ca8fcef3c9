"""Call scripts: what each speaker says, what it contains, and what the call breaks.

A script is YAML (``eval/e2e/heldout/*.yaml`` is the reference)::

    id: zh-h07-transfer-query-announced-hold
    language: zh                 # zh | en
    condition: hold              # clean | tel8k | hold | overlap | mono | noisy
    violations: []               # rule ids the call breaks
    notes: ...
    turns:
      - agent: 您好，...
      - customer: 韩雪，身份证号五幺零...
        pii:
          - {type: ID_CARD, value: "510107196612097665"}
      - agent: 感谢您的耐心等待。...
        hold: 30.0               # seconds of hold music before this turn
        overlap: 3.0             # or: starts this many seconds before the previous turn ends
        pause: 25.0              # or: seconds of silence before this turn

Optional keys: ``voices`` ({agent: NAME, customer: NAME}, see :mod:`.voices`), ``spoken_as`` on
a PII value (how the samples' manifest describes it), ``sidecar`` (call record next to the
audio), ``file`` / ``format`` / ``sample_rate`` / ``bit_rate`` / ``description`` (the samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPEAKERS = ("agent", "customer")
LANGUAGES = ("zh", "en")
CONDITIONS = ("clean", "tel8k", "hold", "overlap", "mono", "noisy")
TIMING_KEYS = ("hold", "overlap", "pause")  # seconds, at most one per turn


class ScriptError(ValueError):
    """A call script that cannot be spoken; the message names the file and the problem."""


@dataclass(frozen=True)
class PiiValue:
    """A PII value spoken in a turn."""

    entity_type: str  # BANK_CARD, ID_CARD, PHONE, PERSON, VERIFICATION_CODE, ...
    value: str  # digits only for numbers, the text otherwise
    spoken_as: str = ""  # digit_words, number, zh_digits, zh_digits_yao, name ("" = unstated)


@dataclass(frozen=True)
class Turn:
    """One utterance of the script."""

    speaker: str  # agent | customer
    text: str  # exactly what the voice is given
    pii: tuple[PiiValue, ...] = ()
    hold_s: float = 0.0  # hold music before the turn, seconds
    overlap_s: float = 0.0  # the turn starts this long before the previous one ends, seconds
    pause_s: float = 0.0  # silence before the turn instead of the usual gap, seconds


@dataclass(frozen=True)
class CallScript:
    """A whole call as written."""

    call_id: str
    language: str
    condition: str
    violations: tuple[str, ...]
    turns: tuple[Turn, ...]
    notes: str = ""
    voices: dict[str, str] = field(default_factory=dict)  # speaker -> voice name
    extra: dict[str, Any] = field(default_factory=dict)  # file, format, sidecar, ... (samples)
    source: str = ""  # the file it was read from


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict):
        raise ScriptError(f"{where}: a turn must be a mapping, not {type(raw).__name__}")
    speakers = [s for s in SPEAKERS if s in raw]
    if len(speakers) != 1:
        raise ScriptError(f"{where}: a turn needs exactly one of {SPEAKERS}")
    speaker = speakers[0]
    text = raw[speaker]
    if not isinstance(text, str) or not text.strip():
        raise ScriptError(f"{where}: the {speaker}'s text is empty")
    unknown = set(raw) - {speaker, "pii", *TIMING_KEYS}
    if unknown:
        raise ScriptError(f"{where}: unknown keys {sorted(unknown)}")
    timing = {k: float(raw.get(k, 0.0)) for k in TIMING_KEYS}
    if any(v < 0 for v in timing.values()) or sum(1 for v in timing.values() if v) > 1:
        raise ScriptError(f"{where}: hold, overlap and pause are non-negative, one per turn")
    pii = []
    for item in raw.get("pii") or ():
        try:
            value = PiiValue(str(item["type"]), str(item["value"]), str(item.get("spoken_as", "")))
        except (KeyError, TypeError) as exc:
            raise ScriptError(f"{where}: a PII entry needs type and value ({exc})") from exc
        pii.append(value)
    return Turn(
        speaker,
        text.strip(),
        tuple(pii),
        hold_s=timing["hold"],
        overlap_s=timing["overlap"],
        pause_s=timing["pause"],
    )


def parse_script(data: Any, source: str) -> CallScript:
    """Build a :class:`CallScript` from parsed YAML; ScriptError naming ``source`` on a fault."""
    if not isinstance(data, dict):
        raise ScriptError(f"{source}: not a mapping")
    for key in ("id", "language", "condition", "turns"):
        if key not in data:
            raise ScriptError(f"{source}: missing '{key}'")
    if data["language"] not in LANGUAGES:
        raise ScriptError(f"{source}: language {data['language']!r} is not one of {LANGUAGES}")
    if data["condition"] not in CONDITIONS:
        raise ScriptError(f"{source}: condition {data['condition']!r} not in {CONDITIONS}")
    raw_turns = data["turns"]
    if not isinstance(raw_turns, list) or not raw_turns:
        raise ScriptError(f"{source}: no turns")
    turns = tuple(_turn(t, f"{source}: turn {i}") for i, t in enumerate(raw_turns))
    if turns[0].overlap_s:
        raise ScriptError(f"{source}: the first turn cannot overlap")
    voices = {str(k): str(v) for k, v in (data.get("voices") or {}).items()}
    if set(voices) - set(SPEAKERS):
        raise ScriptError(f"{source}: voices are given per speaker {SPEAKERS}")
    known = {"id", "language", "condition", "violations", "notes", "turns", "voices"}
    return CallScript(
        call_id=str(data["id"]),
        language=str(data["language"]),
        condition=str(data["condition"]),
        violations=tuple(str(v) for v in data.get("violations") or ()),
        turns=turns,
        notes=str(data.get("notes") or ""),
        voices=voices,
        extra={k: v for k, v in data.items() if k not in known},
        source=source,
    )


def load_script(path: Path) -> CallScript:
    """Read one call script file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: cannot be read as YAML ({exc})") from exc
    return parse_script(data, str(path))


def load_scripts(folder: Path) -> list[CallScript]:
    """Every ``*.yaml`` script in ``folder``, by file name; ScriptError when there is none."""
    scripts = [load_script(p) for p in sorted(folder.glob("*.yaml"))]
    if not scripts:
        raise ScriptError(f"{folder}: no call scripts (*.yaml)")
    ids = [s.call_id for s in scripts]
    if len(set(ids)) != len(ids):
        raise ScriptError(f"{folder}: call ids repeat")
    return scripts
