"""``python -m eval.synth samples|corpus --out DIR [--jobs N] [--only ID...]``"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from pathlib import Path

from eval.synth import corpus, samples
from eval.synth.script import ScriptError


def main(argv: list[str] | None = None) -> int:
    """Render the samples or the corpus; exit 1 with a message on a bad script."""
    parser = argparse.ArgumentParser(prog="python -m eval.synth", description=__doc__)
    parser.add_argument("what", choices=("samples", "corpus"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--only", nargs="*", default=(), help="corpus: only these call ids")
    args = parser.parse_args(argv)
    try:
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            if args.what == "corpus":
                work = corpus.jobs(args.out)
                if args.only:
                    work = [j for j in work if j[0].call_id in set(args.only)]
                for line in pool.starmap(corpus.render_one, work, chunksize=1):
                    print(line, flush=True)
            else:
                args.out.mkdir(parents=True, exist_ok=True)
                work = [(s, i, args.out) for i, s in enumerate(samples.scripts())]
                entries = pool.starmap(samples.render_sample, work)
                samples.write_manifest(args.out, entries)
                total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
                print(f"{len(entries)} calls, folder {total / 1e6:.2f} MB")
    except ScriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
