"""Evaluate the bundled rule packs on the labelled calls in eval/rules/.

Fourteen sets, reported separately: the *tuning* set (eval/rules/*.yaml, used while writing the
packs) and thirteen *held-out* sets (eval/rules/heldout*/), each written from the rule definitions
before the engine was run on it (heldout2-13 by writers who had not read the packs or the other
sets) and run once before any change it prompted. Once a set's mistakes have been fixed it is
no longer held out, so the honest figures are the first runs, kept in ``FIRST_RUNS`` and
printed with the current ones.
Each call lists every rule it breaks; a rule firing on a call counts as a true positive when
labelled, a false positive otherwise; a labelled rule that does not fire is a false negative.
Prints precision, recall and F1 per rule and overall (micro-averaged), and the mismatches.

    .venv/bin/python eval/eval_rules.py [--set all|tuning|heldout|heldout2|...] [--no-pii]
    .venv/bin/python eval/eval_rules.py --calls DIR     # one folder of calls only
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.compliance.evaluator import evaluate  # noqa: E402
from pipeline.compliance.examples import build_transcript  # noqa: E402
from pipeline.compliance.loader import RuleBook, load_rulebook  # noqa: E402
from pipeline.compliance.pii_stage import fallback_mask  # noqa: E402
from pipeline.compliance.rule import Turn  # noqa: E402
from pipeline.config import get_settings  # noqa: E402
from pipeline.pii.stage import PiiStage, build_pii_stage  # noqa: E402


def load_calls(calls_dir: Path) -> list[tuple[str, str, set[str], tuple[Turn, ...]]]:
    """(call id, language, labelled rule ids, turns) of every call in the folder."""
    calls = []
    for path in sorted(calls_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for call in data["calls"]:
            turns = []
            for raw in call["turns"]:
                speaker = next(k for k in ("agent", "customer", "unknown") if k in raw)
                turns.append(
                    Turn(
                        speaker,
                        str(raw[speaker]),
                        raw.get("at"),
                        raw.get("dur"),
                        bool(raw.get("suspect", False)),
                        tuple(raw.get("pii", ())),
                    )
                )
            calls.append((call["id"], data["language"], set(call["violations"]), tuple(turns)))
    return calls


CALL_SETS = {  # relative to ROOT
    "tuning": "eval/rules",
    "heldout": "eval/rules/heldout",
    "heldout2": "eval/rules/heldout2",
    "heldout3": "eval/rules/heldout3",
    "heldout4": "eval/rules/heldout4",
    "heldout5": "eval/rules/heldout5",
    "heldout6": "eval/rules/heldout6",
    "heldout7": "eval/rules/heldout7",
    "heldout8": "eval/rules/heldout8",
    "heldout9": "eval/rules/heldout9",
    "heldout10": "eval/rules/heldout10",
    "heldout11": "eval/rules/heldout11",
    "heldout12": "eval/rules/heldout12",
    "heldout13": "eval/rules/heldout13",
}
# Overall (micro) precision, recall, F1 of each held-out set's first, blind run (2026-11):
# the generalisation figures. Each run was followed by fixes, so re-running now scores higher.
FIRST_RUNS = {
    "heldout": (0.875, 0.808, 0.840),
    "heldout2": (0.915, 0.903, 0.909),
    "heldout3": (0.935, 0.896, 0.915),
    "heldout4": (0.946, 1.000, 0.972),
    "heldout5": (0.944, 0.944, 0.944),
    "heldout6": (0.862, 0.833, 0.847),
    "heldout7": (0.811, 0.909, 0.857),
    # heldout8: measured on 2026-12-02 with an earlier (lost, unmerged) version of the by-parts
    # rules (clause / logic_at_least operators, pack lexicons), not with main's engine; main's
    # engine, run on it the same day once it was no longer blind: P 0.941, R 0.667, F1 0.780.
    "heldout8": (0.927, 0.792, 0.854),
    # heldout9: written blind on 2026-12-02 from the rule definitions; first run on main at the
    # merge of the by-parts rules (c76483b), before any fix from it.
    "heldout9": (0.766, 0.735, 0.750),
    # heldout10: written blind on 2026-12-02 from the rule definitions (marketing-refusal
    # labelled too); first run on main at df7e7c7, before any fix from it.
    "heldout10": (0.950, 0.731, 0.826),
    # heldout11: written blind on 2026-12-02 from the rule definitions (collection-creditor-
    # disclosure left unlabelled: it needs call metadata); first run on main at 3fc6467 + the set.
    "heldout11": (0.940, 0.887, 0.913),
    # heldout12: written blind on 2026-12-03 from the rule definitions; first run on main at
    # 5f28105 (set 11's fixes merged) + the set, before any fix from it.
    "heldout12": (0.926, 0.909, 0.917),
    # heldout13: written blind on 2026-12-03 from the rule definitions; first run on main at
    # 3d30fa2 (set 12's fixes merged) + the set, before any fix from it.
    "heldout13": (0.981, 0.945, 0.963),
}


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print one table per call set; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--set", choices=(*CALL_SETS, "all"), default="all", dest="which")
    parser.add_argument("--calls", type=Path, help="evaluate this folder of calls instead")
    parser.add_argument("--no-pii", action="store_true", help="skip the Presidio PII engine")
    args = parser.parse_args(argv)

    book = load_rulebook(args.rules)
    for problem in book.problems:
        print(f"SKIPPED {problem}")
    stage = None if args.no_pii else build_pii_stage(get_settings())
    if args.calls is not None:
        sets = [(str(args.calls), args.calls)]
    else:
        names = list(CALL_SETS) if args.which == "all" else [args.which]
        sets = [(name, ROOT / CALL_SETS[name]) for name in names]
    for number, (name, folder) in enumerate(sets):
        if number:
            print()
        where = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        print(f"== {name} set ({where})")
        evaluate_set(book, load_calls(folder), stage)
        if name in FIRST_RUNS:
            precision, recall, f1 = FIRST_RUNS[name]
            print(
                f"   first (blind) run of this set: precision {precision:.3f}, recall "
                f"{recall:.3f}, F1 {f1:.3f}"
            )
    return 0


def evaluate_set(
    book: RuleBook,
    calls: list[tuple[str, str, set[str], tuple[Turn, ...]]],
    stage: PiiStage | None,
) -> Counter:
    """Print the per-rule table and mismatches for ``calls``; the overall counts."""
    counts: dict[str, Counter] = {}
    mismatches = []
    for call_id, language, labels, turns in calls:
        transcript, declared = build_transcript(turns, language, call_id)
        if stage is not None:
            findings, masked = stage.analyze(transcript)
            findings = tuple(declared) + tuple(findings)
        else:
            findings, masked = declared, fallback_mask(transcript, declared)
        rules = book.for_language(language)
        fired = {v.rule_id for v in evaluate(rules, transcript, findings, masked)}
        for rule in rules:
            c = counts.setdefault(rule.id, Counter())
            hit, want = rule.id in fired, rule.id in labels
            c["tp" if hit and want else "fp" if hit else "fn" if want else "tn"] += 1
            if hit != want:
                mismatches.append((call_id, rule.id, "FP" if hit else "FN"))

    languages = Counter(lang for _, lang, _, _ in calls)
    print(
        f"{len(calls)} calls ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))}), "
        f"{sum(len(lbl) for _, _, lbl, _ in calls)} labelled violations; "
        f"PII stage: {'Presidio' if stage is not None else 'declared only + digit-run regex'}"
    )
    print(f"{'rule':28} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    total: Counter = Counter()
    for rule_id in sorted(counts):
        c = counts[rule_id]
        total.update(c)
        print(f"{rule_id:28} {c['tp']:4} {c['fp']:4} {c['fn']:4} {_prf(c)}")
    print(f"{'overall (micro)':28} {total['tp']:4} {total['fp']:4} {total['fn']:4} {_prf(total)}")
    for call_id, rule_id, kind in mismatches:
        print(f"  {kind} {call_id}: {rule_id}")
    return total


def _prf(c: Counter) -> str:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"{precision:6.3f} {recall:6.3f} {f1:6.3f}"


if __name__ == "__main__":
    sys.exit(main())
