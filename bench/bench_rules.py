"""Time to evaluate N rules on a call of M minutes (after warm-up), zh and en.

Rules are the bundled packs loaded several times over (fresh compiled objects each time, so no
result is shared between copies: each load has its own matcher pool and its own Aho-Corasick
key scanners, and the per-call match cache is keyed by matcher, so only conditions repeated
*within* a pack share work; the call's text indexes, built once per call, are shared); calls are
the tuning eval calls (eval/rules/*.yaml) repeated until they reach the wanted length (a
10-minute Mandarin call is about 2,100 characters). The PII findings are empty and masking is
skipped: this measures the rule engine alone.

    .venv/bin/python bench/bench_rules.py [--repeat 15]
    .venv/bin/python bench/bench_rules.py --rounds 6     # the headline only, quiet vs busy
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from eval_rules import load_calls  # noqa: E402

from pipeline.compliance.evaluator import evaluate  # noqa: E402
from pipeline.compliance.loader import load_rulebook  # noqa: E402
from pipeline.models import Segment, Transcript  # noqa: E402

RULE_COUNTS = (25, 50, 100, 200)
CALL_MINUTES = (2, 5, 10, 20)
TARGET_MS = 50.0  # 100 rules on a 10-minute call


def rules_for(language: str, count: int) -> list:
    """``count`` compiled rules for ``language`` (the bundled pack, reloaded as needed)."""
    rules: list = []
    copy = 0
    while len(rules) < count:
        for rule in load_rulebook(ROOT / "rules").for_language(language):
            rules.append(replace(rule, id=f"{rule.id}-{copy}"))
        copy += 1
    return rules[:count]


def long_call(language: str, minutes: float) -> Transcript:
    """The eval calls of ``language`` laid end to end until ``minutes`` long."""
    from pipeline.compliance.examples import build_transcript

    pieces = [
        build_transcript(turns, language)[0]
        for _, lang, _, turns in load_calls(ROOT / "eval" / "rules")
        if lang == language
    ]
    segments, offset, i = [], 0.0, 0
    while offset < minutes * 60:
        piece = pieces[i % len(pieces)]
        segments.extend(
            Segment(s.speaker, s.start + offset, s.end + offset, s.text, suspect=s.suspect)
            for s in piece.segments
        )
        offset += piece.duration + 2.0
        i += 1
    return Transcript(f"bench-{language}-{minutes}", language, offset, tuple(segments))


def time_ms(rules: list, call: Transcript, repeat: int) -> float:
    """Median wall time of ``evaluate`` in milliseconds, after one warm-up run."""
    return timings_ms(rules, call, repeat)[0]


def timings_ms(rules: list, call: Transcript, repeat: int) -> tuple[float, float]:
    """(median, best) wall time of ``evaluate`` in milliseconds, after one warm-up run. On a
    shared machine the best run is the figure least disturbed by other work."""
    evaluate(rules, call, (), call)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        evaluate(rules, call, (), call)
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples), min(samples)


def machine_steadiness() -> str:
    """A fixed pure-Python loop timed 20 times: on a shared machine its spread (median over
    best) says how much other work disturbed the figures (1.0: not at all)."""
    samples = _calibration_samples(20)
    best, median = min(samples), statistics.median(samples)
    spread = median / best
    return f"calibration loop {best:.1f} ms best, {median:.1f} ms median (spread {spread:.2f})"


def headline_rounds(rounds: int, repeat: int) -> int:
    """Print, per round, the calibration loop's best time before and after and the median and
    best time of 100 rules on a 10-minute call in each language."""
    cases = {lang: (rules_for(lang, 100), long_call(lang, 10)) for lang in ("zh", "en")}
    for _ in range(rounds):
        before = _calibration_ms()
        cells = []
        for lang, (rules, call) in cases.items():
            median, best = timings_ms(rules, call, repeat)
            cells.append(f"{lang} median {median:5.1f} ms, best {best:5.1f} ms")
        after = _calibration_ms()
        print(f"calibration {before:4.1f} -> {after:4.1f} ms | " + " | ".join(cells), flush=True)
    return 0


def _calibration_ms() -> float:
    return min(_calibration_samples(5))


def _calibration_samples(count: int) -> list[float]:
    """Milliseconds a fixed pure-Python loop takes, ``count`` times."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        sum(i * i for i in range(100_000))
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Print the timing tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--rounds",
        type=int,
        default=0,
        help="only the headline (100 rules, 10 minutes), this many rounds, each between two "
        "calibration loops (to tell a quiet machine from a busy one)",
    )
    args = parser.parse_args(argv)
    if args.rounds:
        return headline_rounds(args.rounds, args.repeat)
    print(f"machine before: {machine_steadiness()}")
    for language in ("zh", "en"):
        calls = {m: long_call(language, m) for m in CALL_MINUTES}
        unit = "chars" if language == "zh" else "words"
        sizes = {
            m: sum(len(s.text) if language == "zh" else len(s.text.split()) for s in c.segments)
            for m, c in calls.items()
        }
        print(f"\n[{language}] median ms per call (rows: rules; columns: call minutes / {unit})")
        header = "".join(f"{f'{m} min/{sizes[m]}':>16}" for m in CALL_MINUTES)
        print(f"{'rules':>6}{header}")
        for count in RULE_COUNTS:
            rules = rules_for(language, count)
            cells = "".join(f"{time_ms(rules, calls[m], args.repeat):16.1f}" for m in CALL_MINUTES)
            print(f"{count:6}{cells}")
        headline, best = timings_ms(rules_for(language, 100), calls[10], args.repeat * 3)
        verdict = "ok" if headline < TARGET_MS else "over target"
        print(
            f"100 rules on a 10-minute {language} call: median {headline:.1f} ms, best "
            f"{best:.1f} ms over {args.repeat * 3} runs ({verdict}, target < {TARGET_MS:.0f} ms)"
        )
    print(f"\nmachine after: {machine_steadiness()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
