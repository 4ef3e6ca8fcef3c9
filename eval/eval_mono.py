"""Role accuracy on mono calls: stereo samples downmixed to one channel, scored per time.

Each stereo sample of ``audio_samples/`` (agent left, customer right) is mixed down to one
channel and transcribed as a mono call would be; the stereo channels give the true speaker
of every 10 ms frame (the louder channel where exactly one channel is speaking; frames where
both or neither speak are left out). A mono sample with script turns in the manifest is scored
against those turns, and so are the mono calls of the end-to-end corpus
(``eval/e2e/audio/<set>/``, G.711 A-law 8 kHz, truth from each call's ``<id>.truth.json``:
``--sets tuning`` while tuning, ``--sets heldout`` for the calls kept apart). The figure is
the share of transcribed speech time whose segment has the right role (a turn left
``unknown`` counts as not right); the share left unknown and the share of the true speech
that any segment covers are printed beside it. ``--one-segment`` scores each call a second
time with its transcript joined into one segment (``+1seg``), as Whisper sometimes hears a
mono call: the split must then find every change of speaker from the audio. Only times and
roles are read from the transcripts: no text is printed or written.

    .venv/bin/python eval/eval_mono.py [--model base] [--asr-backend faster-whisper]
        [--features spectral resemblyzer] [--min-confidence 0.6]
        [--sets samples tuning heldout] [--one-segment] [FILE...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "audio_samples"
CORPUS = ROOT / "eval" / "e2e" / "audio"

FRAME_S = 0.01  # truth and scoring resolution, seconds
ACTIVE_DB = 30.0  # a channel speaks in a frame within this many dB of its loudest frame
NOT_SPEAKING = -1  # truth label of a frame with no single speaker
TARGET = 0.90  # the target: share of speech time with the right role
SETS = ("samples", "tuning", "heldout")  # audio_samples/ and the e2e corpus's two sets
KINDS = (
    "downmixed stereo calls",
    "mono samples",
    "e2e tuning mono calls",
    "e2e heldout mono calls",
)


@dataclass(frozen=True)
class RoleScore:
    """Seconds of one call's speech, by how its role came out."""

    right: float  # transcribed, given the true role
    unknown: float  # transcribed, left unknown
    wrong: float  # transcribed, given the other role
    missed: float  # true speech no segment covers

    @property
    def transcribed(self) -> float:
        """Seconds of true speech that some segment covers."""
        return self.right + self.unknown + self.wrong

    @property
    def accuracy(self) -> float:
        """Share of transcribed speech time with the right role (1.0 when none)."""
        return self.right / self.transcribed if self.transcribed else 1.0


def frame_db(samples: np.ndarray) -> np.ndarray:
    """Energy in dB per :data:`FRAME_S` frame of 16 kHz samples."""
    hop = int(16_000 * FRAME_S)
    count = len(samples) // hop
    frames = np.asarray(samples[: count * hop], np.float64).reshape(count, hop)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def truth_from_channels(agent: np.ndarray, customer: np.ndarray) -> np.ndarray:
    """True speaker per frame from a stereo call's channels: 0 agent, 1 customer, -1 none
    or both."""
    levels = [frame_db(agent), frame_db(customer)]
    count = min(len(levels[0]), len(levels[1]))
    active = [db[:count] >= db.max() - ACTIVE_DB for db in levels]
    out = np.full(count, NOT_SPEAKING)
    out[active[0] & ~active[1]] = 0
    out[active[1] & ~active[0]] = 1
    return out


def truth_from_turns(turns: Sequence[dict[str, Any]], duration: float) -> np.ndarray:
    """True speaker per frame from script turns (``speaker``, ``start``, ``end``)."""
    out = np.full(int(duration / FRAME_S), NOT_SPEAKING)
    for turn in turns:
        lo, hi = int(turn["start"] / FRAME_S), int(turn["end"] / FRAME_S)
        label = 0 if turn["speaker"] == "agent" else 1
        out[lo:hi] = np.where(out[lo:hi] == NOT_SPEAKING, label, NOT_SPEAKING)
    return out


def score_roles(truth: np.ndarray, segments: Sequence[Any]) -> RoleScore:
    """How the segments' speakers (``speaker``, ``start``, ``end``) match ``truth``."""
    given = np.full(len(truth), "", dtype=object)
    for seg in segments:
        given[int(seg.start / FRAME_S) : int(np.ceil(seg.end / FRAME_S))] = seg.speaker
    names = np.where(truth == 0, "agent", np.where(truth == 1, "customer", ""))
    speech = truth != NOT_SPEAKING
    covered = speech & (given != "")
    right = covered & (given == names)
    unknown = covered & (given == "unknown")
    return RoleScore(
        right=float(right.sum()) * FRAME_S,
        unknown=float(unknown.sum()) * FRAME_S,
        wrong=float((covered & ~right & ~unknown).sum()) * FRAME_S,
        missed=float((speech & ~covered).sum()) * FRAME_S,
    )


def mono_call(call: Any) -> tuple[Any, np.ndarray]:
    """(the call as one ``unknown`` channel, the true speaker per frame): a stereo call is
    downmixed and scored by its channels."""
    from pipeline.audio import ChannelAudio

    agent, customer = (np.asarray(c.samples, np.float32) for c in call.channels)
    mixed = ChannelAudio("unknown", ((agent + customer) / 2).astype(np.float32))
    recording = replace(call.recording, channels=1)
    return replace(call, recording=recording, channels=(mixed,)), truth_from_channels(
        agent, customer
    )


def sample_calls(names: Sequence[str]) -> list[tuple[str, str, Any, np.ndarray, str]]:
    """(file, language, mono call, truth, kind of call) for the stereo samples with speech
    and the mono samples with turns (or the files named)."""
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings

    manifest = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    out = []
    for entry in manifest["files"]:
        if names and entry["file"] not in names:
            continue
        if not entry.get("turns") or entry.get("expect", "transcribe") != "transcribe":
            continue
        call = ingest(SAMPLES / entry["file"], Settings())
        if not isinstance(call, DecodedCall):
            continue
        if len(call.channels) == 2:
            mono, truth = mono_call(call)
            kind = KINDS[0]
        else:
            mono, kind = call, KINDS[1]
            truth = truth_from_turns(entry["turns"], call.recording.duration)
        out.append((entry["file"], entry["language"], mono, truth, kind))
    return out


def corpus_calls(
    corpus_set: str, names: Sequence[str]
) -> list[tuple[str, str, Any, np.ndarray, str]]:
    """(file, language, mono call, truth, kind of call) for the mono calls of one set of the
    end-to-end corpus (``tuning`` or ``heldout``), truth from their script turns."""
    from pipeline.audio import DecodedCall, ingest
    from pipeline.config import Settings

    out = []
    for path in sorted((CORPUS / corpus_set).glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        if int(truth.get("channels", 2)) != 1 or (names and truth["audio"] not in names):
            continue
        call = ingest(path.parent / truth["audio"], Settings())
        if not isinstance(call, DecodedCall):
            continue
        frames = truth_from_turns(truth["turns"], call.recording.duration)
        out.append(
            (truth["audio"], truth["language"], call, frames, f"e2e {corpus_set} mono calls")
        )
    return out


def as_one_segment(segments: Sequence[Any]) -> list[Any]:
    """The transcript's segments as one segment with all their words: a mono call as
    Whisper sometimes returns it, one long segment over both speakers."""
    if not segments:
        return []
    first, last = segments[0], segments[-1]
    return [
        replace(
            first,
            end=last.end,
            text="".join(seg.text for seg in segments),
            words=tuple(w for seg in segments for w in seg.words),
        )
    ]


def main() -> int:
    """Transcribe each call once, split it with each feature set, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="sample file names (default: all with turns)")
    parser.add_argument("--model", default="base")
    parser.add_argument("--asr-backend", default="faster-whisper")
    parser.add_argument("--features", nargs="+", default=["spectral"])
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=SETS,
        default=["samples", "tuning"],
        help="audio_samples/ and/or the e2e corpus's mono calls (heldout only when asked)",
    )
    parser.add_argument(
        "--one-segment",
        action="store_true",
        help="also score each call with its transcript joined into one segment (+1seg)",
    )
    args = parser.parse_args()

    from pipeline.asr.backends import load_backend
    from pipeline.asr.speakers import MonoSplitter, load_features
    from pipeline.asr.transcribe import transcribe_call
    from pipeline.asr.vad import load_detector
    from pipeline.config import Settings

    settings = Settings(model=args.model, asr_backend=args.asr_backend)
    min_confidence = args.min_confidence or settings.mono_min_confidence
    backend = load_backend(settings)
    vad = load_detector(settings.vad)
    splitters = {n: MonoSplitter(load_features(n), min_confidence) for n in args.features}
    # the downmixed stereo calls (truth from their channels), the true mono samples and each
    # set of the e2e corpus's mono calls (truth from script turns) are totalled apart
    variants = [""] + (["+1seg"] if args.one_segment else [])
    labels = [n + v for n in args.features for v in variants]
    totals = {(label, kind): RoleScore(0, 0, 0, 0) for label in labels for kind in KINDS}
    print(f"model {args.model} on {args.asr_backend}; min confidence {min_confidence}")
    print(f"{'file':48} {'features':14} {'speech s':>8} {'right':>6} {'unknown':>7} "
          f"{'wrong':>6} {'covered':>7} {'split s':>7}")  # fmt: skip
    calls = sample_calls(args.files) if "samples" in args.sets else []
    for corpus_set in ("tuning", "heldout"):
        if corpus_set in args.sets:
            calls += corpus_calls(corpus_set, args.files)
    for name, language, call, truth, kind in calls:
        transcript = transcribe_call(call, backend, language=language, vad=vad, mono=False)
        samples = np.asarray(call.channels[0].samples, np.float32)
        for feature, variant in ((n, v) for n in splitters for v in variants):
            heard = transcript.segments if not variant else as_one_segment(transcript.segments)
            started = time.perf_counter()
            segments = splitters[feature].split(heard, samples, transcript.language)
            took = time.perf_counter() - started
            s = score_roles(truth, segments)
            label = feature + variant
            key = (label, kind)
            t = totals[key]
            totals[key] = RoleScore(
                t.right + s.right, t.unknown + s.unknown, t.wrong + s.wrong, t.missed + s.missed
            )
            speech = s.transcribed + s.missed
            print(
                f"{name:48} {label:14} {speech:8.1f} {s.accuracy:6.1%} "
                f"{s.unknown / max(s.transcribed, 1e-9):7.1%} "
                f"{s.wrong / max(s.transcribed, 1e-9):6.1%} "
                f"{s.transcribed / max(speech, 1e-9):7.1%} {took:7.2f}"
            )
    for (label, kind), t in totals.items():
        if not t.transcribed:
            continue
        verdict = "meets" if t.accuracy >= TARGET else "misses"
        print(
            f"{kind}, {label}: {t.accuracy:.1%} of {t.transcribed:.1f} s transcribed "
            f"speech with the right role ({verdict} the {TARGET:.0%} target); "
            f"{t.unknown / max(t.transcribed, 1e-9):.1%} unknown, "
            f"{t.wrong / max(t.transcribed, 1e-9):.1%} wrong"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
