"""Audio redaction, measured: redact each sample, re-transcribe the copy, look for PII digits.

For every speech sample of ``audio_samples/manifest.json``: ingest, transcribe, check (PII,
rules), write the redacted copy as the batch does, then transcribe the *copy* and search its
text (spoken numbers normalised to digits) for the digits of every PII value the manifest says
was spoken (cards, IDs, phones, codes, PINs, passwords, SSNs). Prints per call the share of
the call's time removed, the spans, the turns the ASR guards flagged as suspect (by speaker;
the agent's counted again when their text holds a digit, spoken numbers normalised: the
evidence for which suspect turns are silenced whole), and per value the longest run of its
digits read back; a value leaks when :data:`LEAK_RUN_DIGITS` or more of its consecutive digits
are read back.
Raw text is never written or printed; the copies go to a temporary folder.

    .venv/bin/python eval/eval_redaction.py [--model base] [--asr-backend faster-whisper]
        [--beam-size 5] [--files NAME ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "audio_samples"
LEAK_RUN_DIGITS = 4  # consecutive digits of a value read back that count as a leak
MIN_VALUE_DIGITS = 4  # values with fewer digits (none in the samples) are not searched
_NON_DIGIT = re.compile(r"\D+")


@dataclass(frozen=True)
class ValueCheck:
    """How much of one spoken PII value the re-transcription gives back."""

    entity_type: str
    digits: int  # digits in the value
    recovered_run: int  # longest run of its consecutive digits read back

    @property
    def leaked(self) -> bool:
        """Whether enough of it was read back to count as a leak."""
        return self.recovered_run >= min(LEAK_RUN_DIGITS, self.digits)


def digit_values(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(entity type, digits) of every PII value of a manifest entry with enough digits."""
    found = []
    for pii in entry.get("pii", []):
        digits = _NON_DIGIT.sub("", str(pii.get("value", "")))
        if len(digits) >= MIN_VALUE_DIGITS:
            found.append((str(pii["entity_type"]), digits))
    return found


def digit_texts(texts: Iterable[str]) -> list[str]:
    """The digits of each text, spoken numbers ("four one one", 幺三八) normalised first."""
    from pipeline.pii.normalize import normalize

    return [_NON_DIGIT.sub("", normalize(text).text) for text in texts]


def longest_recovered_run(value: str, haystacks: Iterable[str]) -> int:
    """The longest run of consecutive digits of ``value`` found in any of ``haystacks``."""
    best = 0
    for hay in haystacks:
        for length in range(len(value), best, -1):
            if any(value[i : i + length] in hay for i in range(len(value) - length + 1)):
                best = length
                break
    return best


def check_values(entry: dict[str, Any], texts: Iterable[str]) -> list[ValueCheck]:
    """Each digit value of ``entry`` against the segment texts of a re-transcription."""
    hays = digit_texts(texts)
    return [
        ValueCheck(kind, len(digits), longest_recovered_run(digits, hays))
        for kind, digits in digit_values(entry)
    ]


def suspect_turns(transcript: Any) -> tuple[int, int, int]:
    """(customer, agent, agent with a digit) turns of a transcript the ASR guards flagged."""
    flagged = [s for s in transcript.segments if s.suspect]
    agent = [s for s in flagged if s.speaker == "agent"]
    with_digit = sum(1 for digits in digit_texts(s.text for s in agent) if digits)
    return len(flagged) - len(agent), len(agent), with_digit


def _speech_entries(names: list[str] | None) -> list[dict[str, Any]]:
    manifest = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    entries = [e for e in manifest["files"] if e.get("turns")]
    if names:
        entries = [e for e in entries if e["file"] in names]
    return entries


def main() -> int:
    """Print the per-call table and the totals; exit 1 when a value leaked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--asr-backend", default="faster-whisper")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--files", nargs="*", help="sample file names (default: every one)")
    args = parser.parse_args()

    from pipeline.analysis import CallAnalyzer
    from pipeline.asr.backends import load_backend
    from pipeline.asr.transcribe import transcribe_call
    from pipeline.asr.vad import load_detector
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings
    from pipeline.redaction.stage import redact_call

    with tempfile.TemporaryDirectory(prefix="callsentry-redaction-") as tmp:
        settings = Settings(
            model=args.model,
            asr_backend=args.asr_backend,
            beam_size=args.beam_size,
            out_dir=Path(tmp),
        )
        backend = load_backend(settings)
        vad = load_detector(settings.vad)
        analyzer = CallAnalyzer.from_settings(settings)

        def transcribe(call: DecodedCall) -> Any:
            return transcribe_call(
                call,
                backend,
                language=settings.language,
                beam_size=settings.beam_size,
                call_id=call.recording.call_id,
                vad=vad,
            )

        print(f"model {args.model}, {args.asr_backend}, beam {args.beam_size}")
        print(
            f"{'call':<34} {'removed':>8} {'spans':>5} {'suspect c/a/a#':>14}  "
            "values (type: digits read back/of)"
        )
        shares, leaks, values, started = [], 0, 0, time.monotonic()
        flagged = [0, 0, 0]
        for entry in _speech_entries(args.files):
            decoded = ingest(SAMPLES / entry["file"], settings)
            assert isinstance(decoded, DecodedCall), decoded
            transcript = transcribe(decoded)
            report = analyzer.analyze(transcript)
            copy = redact_call(transcript, report, decoded.recording, settings)
            suspect = suspect_turns(transcript)
            flagged = [a + b for a, b in zip(flagged, suspect, strict=True)]
            del transcript
            again = ingest(copy.path, settings)
            assert isinstance(again, DecodedCall), again
            checks = check_values(entry, (s.text for s in transcribe(again).segments))
            shares.append(copy.removed_share)
            leaks += sum(c.leaked for c in checks)
            values += len(checks)
            shown = ", ".join(
                f"{c.entity_type}: {c.recovered_run}/{c.digits}{' LEAK' if c.leaked else ''}"
                for c in checks
            )
            print(
                f"{entry['file']:<34} {100 * copy.removed_share:>7.1f}% "
                f"{len(copy.spans):>5} {'/'.join(map(str, suspect)):>14}  {shown}"
            )
        if shares:
            print(
                f"removed: {100 * min(shares):.1f}-{100 * max(shares):.1f}% of the call "
                f"(mean {100 * sum(shares) / len(shares):.1f}%); values leaked: {leaks} of "
                f"{values} (a leak = {LEAK_RUN_DIGITS}+ consecutive digits read back); "
                f"{time.monotonic() - started:.0f} s"
            )
            print(
                f"suspect turns: customer {flagged[0]}, agent {flagged[1]} "
                f"({flagged[2]} with a digit)"
            )
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
