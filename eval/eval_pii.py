"""Evaluate PII detection and masking on eval/pii/pii_eval.jsonl; prints figures.

Per entity: recall (a gold value overlapped by a prediction of the same type) and precision (a
prediction overlapping a gold value of the same type). Leak rate: gold values not wholly covered
by the masked spans (of any type) - a value with even one character left unmasked counts as a
leak, except the card digits the policy keeps on purpose (first 6 / last 4). Non-PII intact:
negatives (amounts, rates, dates, hotlines, ...) that no mask touches. The same figures for plain
Presidio (default recognizers, English spaCy model, types mapped to ours) for comparison.

Run: .venv/bin/python eval/eval_pii.py [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATASET = Path(__file__).with_name("pii") / "pii_eval.jsonl"
NUMERIC = (
    "ID_CARD",
    "BANK_CARD",
    "PHONE",
    "SSN",
    "BANK_ACCOUNT",
    "VERIFICATION_CODE",
    "PIN",
    "CVV",
    "CARD_EXPIRY",
)
SLICES = (  # record id prefix -> title of its own report
    ("asr-", "ASR-formatted slice (Whisper digit groups, slips, broken Luhn)"),
    ("dense-", "mixed-separator dictations (digit-density safety net, card read-backs)"),
    ("thousands-", "thousands-style dictation (Whisper 1,984 / 536,228,741; amounts kept)"),
)
PRESIDIO_TO_OURS = {
    "CREDIT_CARD": "BANK_CARD",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "PERSON": "PERSON",
    "LOCATION": "ADDRESS",
    "US_BANK_NUMBER": "BANK_ACCOUNT",
}


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(records: list[dict], predictions: list[list[tuple[str, int, int]]]) -> dict:
    """Recall / precision per entity, leak rate, negatives intact."""
    tp_gold, n_gold, tp_pred, n_pred = (defaultdict(int) for _ in range(4))
    leaks = total = neg_ok = neg_total = 0
    for record, preds in zip(records, predictions, strict=True):
        text = record["text"]
        for gold in record["spans"]:
            etype, span = gold["entity_type"], (gold["start"], gold["end"])
            n_gold[etype] += 1
            if any(p[0] == etype and overlaps(span, (p[1], p[2])) for p in preds):
                tp_gold[etype] += 1
            covered = set()
            for _, s, e in preds:
                covered.update(range(s, e))
            total += 1
            uncovered = [i for i in range(*span) if i not in covered and text[i].strip(" ，,-")]
            if uncovered:
                leaks += 1
        for etype, s, e in preds:
            n_pred[etype] += 1
            if any(
                g["entity_type"] == etype and overlaps((s, e), (g["start"], g["end"]))
                for g in record["spans"]
            ):
                tp_pred[etype] += 1
        for neg in record["negatives"]:
            neg_total += 1
            if not any(overlaps((neg["start"], neg["end"]), (s, e)) for _, s, e in preds):
                neg_ok += 1
    return {
        "tp_gold": tp_gold,
        "n_gold": n_gold,
        "tp_pred": tp_pred,
        "n_pred": n_pred,
        "leak": leaks / max(total, 1),
        "leaks": leaks,
        "total": total,
        "intact": neg_ok / max(neg_total, 1),
        "neg_total": neg_total,
    }


def report(title: str, m: dict) -> None:
    print(f"\n== {title} ==")
    print(f"{'entity':<18}{'gold':>6}{'recall':>8}{'pred':>6}{'precision':>11}")
    entities = sorted(set(m["n_gold"]) | set(m["n_pred"]))
    for etype in entities:
        recall = m["tp_gold"][etype] / m["n_gold"][etype] if m["n_gold"][etype] else float("nan")
        precision = m["tp_pred"][etype] / m["n_pred"][etype] if m["n_pred"][etype] else float("nan")
        print(
            f"{etype:<18}{m['n_gold'][etype]:>6}{recall:>8.3f}{m['n_pred'][etype]:>6}{precision:>11.3f}"
        )
    for group, names in (("numeric", NUMERIC), ("names+addresses", ("PERSON", "ADDRESS"))):
        gold = sum(m["n_gold"][e] for e in names)
        hit = sum(m["tp_gold"][e] for e in names)
        print(f"recall {group}: {hit / max(gold, 1):.3f} ({hit}/{gold})")
    print(f"leak rate: {m['leak']:.3%} ({m['leaks']}/{m['total']} values not wholly masked)")
    print(f"non-PII numbers intact: {m['intact']:.1%} of {m['neg_total']}")


def ours(records: list[dict]) -> list[list[tuple[str, int, int]]]:
    from pipeline.pii.engine import get_engine

    engine = get_engine()
    started = time.perf_counter()
    out = [
        [(s.entity_type, s.start, s.end) for s in engine.analyze_text(r["text"], r["lang"])]
        for r in records
    ]
    print(f"callsentry: {len(records)} texts in {time.perf_counter() - started:.2f} s")
    return out


def plain_presidio(records: list[dict]) -> list[list[tuple[str, int, int]]]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from pipeline.pii.nlp import EN_MODEL_NAME, make_tldextract_offline

    make_tldextract_offline()
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": EN_MODEL_NAME}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
    out = []
    for r in records:
        results = analyzer.analyze(r["text"], language="en")
        out.append(
            [(PRESIDIO_TO_OURS.get(x.entity_type, x.entity_type), x.start, x.end) for x in results]
        )
    return out


def main() -> int:
    """Print the figures for callsentry and (unless --no-baseline) plain Presidio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--show-misses", action="store_true", help="print missed spans (synthetic data)"
    )
    args = parser.parse_args()
    records = [
        json.loads(line)
        for line in DATASET.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    print(
        f"dataset: {len(records)} texts, {sum(len(r['spans']) for r in records)} PII values, "
        f"{sum(len(r['negatives']) for r in records)} non-PII numbers"
    )
    preds = ours(records)
    report("callsentry (zh + en)", score(records, preds))
    for lang in ("zh", "en"):
        subset = [(r, p) for r, p in zip(records, preds, strict=True) if r["lang"] == lang]
        report(f"callsentry, {lang} only", score([r for r, _ in subset], [p for _, p in subset]))
    for prefix, title in SLICES:
        subset = [(r, p) for r, p in zip(records, preds, strict=True) if r["id"].startswith(prefix)]
        if subset:
            report(f"callsentry, {title}", score([r for r, _ in subset], [p for _, p in subset]))
    if args.show_misses:
        for r, p in zip(records, preds, strict=True):
            for g in r["spans"]:
                if not any(
                    x[0] == g["entity_type"] and overlaps((g["start"], g["end"]), (x[1], x[2]))
                    for x in p
                ):
                    print(
                        "MISS",
                        g["entity_type"],
                        repr(r["text"][g["start"] : g["end"]]),
                        "|",
                        r["text"],
                    )
            for x in p:
                if not any(
                    g["entity_type"] == x[0] and overlaps((g["start"], g["end"]), (x[1], x[2]))
                    for g in r["spans"]
                ):
                    print("FP", x[0], repr(r["text"][x[1] : x[2]]), "|", r["text"])
    if not args.no_baseline:
        report(
            "plain Presidio (default recognizers, en model)",
            score(records, plain_presidio(records)),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
