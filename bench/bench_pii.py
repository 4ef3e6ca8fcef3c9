"""Benchmark PII analysis + masking of a 10-minute call transcript; prints figures.

A Chinese call of ~3,000 characters and an English call of ~1,500 words (150 segments each,
agent/customer turns with PII, amounts and dates mixed in) are analysed and masked with the
engine built once; the median of RUNS timed runs after a warm-up is reported with throughput,
peak memory (max RSS) and the ratio to plain Presidio (default recognizers, English spaCy
model) on the same text. Threads are pinned to one so the figure is per core. The machine may
be shared: the fastest run is printed too, and the load average, to read the median against.

Run: .venv/bin/python bench/bench_pii.py
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.models import Segment, Transcript  # noqa: E402

RUNS = 7
TARGET_MS = 150.0
ZH_TURNS = [
    "您好，这里是招商银行信用卡中心，本次通话可能会被录音，请问有什么可以帮您？",
    "我想查一下我的账单，还有这个月的还款金额是多少。",
    "好的，请问您贵姓？",
    "我叫王小明，手机是幺三八 一二三四 五六七八。",
    "王先生您好，请您提供一下身份证号码进行核实。",
    "身份证是11010519491231002X。",
    "好的，您本期账单金额是5000元，最后还款日是2024年3月15日。",
    "那我想了解一下理财产品，年化收益率大概多少？",
    "这款产品年化收益率3.85%，起购金额1万元，产品有风险，投资需谨慎。",
    "卡号是六二二二 零二一二 三四五六 七八九零 一二八，可以用这张卡买吗？",
    "可以的，请您注意不要向任何人透露短信验证码和密码。",
    "嗯，明白了，那三千块的额度能不能提一下。",
    "我帮您申请一下，结果会在三到五个工作日内短信通知您。",
    "我家住在北京市朝阳区建国路88号，账单寄到这里就行。",
    "好的，还有其他可以帮您的吗？如有疑问请拨打客服热线95555。",
]
EN_TURNS = [
    "Thank you for calling, this call may be recorded for quality and training purposes.",
    "Hi, my name is John Smith and I'd like to check my balance please.",
    "Sure, can you confirm your date of birth and the phone number on the account?",
    "It's (415) 555-2671, and my card is 4,111,111,111,111,111.",
    "Thank you Mr. Smith, your statement balance is $5,000 due on March 15, 2024.",
    "Okay, and what is the interest rate on the savings plan you mentioned last time?",
    "The annual rate is 3.85% and there are no guaranteed returns on the investment product.",
    "My email is john dot smith at gmail dot com, can you send me the details there?",
    "Of course, I have sent the details, please never share your one-time passcode with anyone.",
    "Great, I also moved, the new address is 42 Baker Street, Springfield, IL 62704.",
    "Thanks, I have updated the address, it takes three to five business days to show up.",
    "Is there anything else I can help you with today, our toll-free line is 1-800-555-0199.",
]


def make_transcript(turns: list[str], language: str, target: int, unit: str) -> Transcript:
    """About ``target`` characters (zh) or words (en), alternating agent/customer."""
    rng = random.Random(7)
    segments, size, t = [], 0, 0.0
    while size < target:
        text = rng.choice(turns)
        speaker = "agent" if len(segments) % 2 == 0 else "customer"
        segments.append(Segment(speaker, t, t + 4.0, text))
        t += 4.0
        size += len(text) if unit == "chars" else len(text.split())
    return Transcript(f"bench-{language}", language, t, tuple(segments))


def timed(fn, runs: int = RUNS) -> tuple[float, float]:
    """(median, fastest) milliseconds of ``runs`` calls after one warm-up call."""
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples)


def main() -> int:
    """Print the figures."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from pipeline.pii.engine import get_engine
    from pipeline.pii.masking import load_policy, mask_transcript
    from pipeline.pii.nlp import EN_MODEL_NAME, make_tldextract_offline

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    started = time.perf_counter()
    engine = get_engine()
    print(f"engine build: {time.perf_counter() - started:.1f} s (once per process)")
    policy = load_policy()
    make_tldextract_offline()
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": EN_MODEL_NAME}],
        }
    )
    plain = AnalyzerEngine(nlp_engine=provider.create_engine())
    cases = [
        (make_transcript(ZH_TURNS, "zh", 3000, "chars"), "chars"),
        (make_transcript(EN_TURNS, "en", 1500, "words"), "words"),
    ]
    for transcript, unit in cases:
        text = "\n".join(s.text for s in transcript.segments)
        size = len(text) if unit == "chars" else len(text.split())

        def ours(transcript=transcript):
            findings = engine.analyze_transcript(transcript)
            return mask_transcript(transcript, findings, policy, b"bench-key")

        ours_ms, ours_min_ms = timed(ours)
        plain_ms, _ = timed(lambda text=text: plain.analyze(text, language="en"))
        n_findings = len(engine.analyze_transcript(transcript))
        verdict = "OK" if ours_ms < TARGET_MS else "OVER TARGET"
        print(
            f"[{transcript.language}] {len(transcript.segments)} segments, {size} {unit}, "
            f"{n_findings} findings"
        )
        print(
            f"  callsentry analyse+mask: {ours_ms:.1f} ms median of {RUNS}, fastest "
            f"{ours_min_ms:.1f} ms ({size / ours_ms * 1000:,.0f} {unit}/s)  "
            f"target < {TARGET_MS:.0f} ms: {verdict}"
        )
        print(
            f"  plain Presidio analyse : {plain_ms:.1f} ms  "
            f"(ratio ours/plain {ours_ms / plain_ms:.2f})"
        )
    print(f"load average (1/5/15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS, both engines loaded): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
