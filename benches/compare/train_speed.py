#!/usr/bin/env python3
"""Train + evaluate speed: `veille train --data TRAIN --test TEST` (whole process) against
named scikit-learn pipelines of the grid (vectorise, fit, predict, in-process), interleaved
in the same minutes, medians.  Quicker than the whole grid of run.sh when only the speed
ratio is wanted.

    target/compare/venv/bin/python benches/compare/train_speed.py --corpus 20ng \\
        --pipeline tfidf-tuned-stem-en+SGD --repeats 5 [--veille target/release/veille]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SPLITS_DIR, split_path  # noqa: E402
from sklearn_baselines import (load_corpus, pipelines, run_forked,  # noqa: E402
                               run_pipeline)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="20ng")
    ap.add_argument("--pipeline", action="append",
                    help="scikit-learn pipeline name (repeatable; default: "
                    "tfidf-tuned-stem-en+SGD, the best on 20ng)")
    ap.add_argument("--veille", default="target/release/veille")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--splits", default=SPLITS_DIR)
    args = ap.parse_args()
    names = args.pipeline or ["tfidf-tuned-stem-en+SGD"]
    specs = {s["name"]: s for s in pipelines(args.corpus)}
    missing = [n for n in names if n not in specs]
    if missing:
        sys.exit(f"no such pipeline for {args.corpus}: {', '.join(missing)}")
    train = split_path(args.splits, args.corpus, "train")
    test = split_path(args.splits, args.corpus, "test")
    data = load_corpus(args.splits, args.corpus)
    out = os.path.join(tempfile.mkdtemp(prefix="train_speed"), "m.veille")
    cmd = [args.veille, "train", "--quiet", "--data", train, "--test", test,
           "--out", out, "--json"]
    times = {n: [] for n in names + ["veille"]}
    for r in range(args.repeats):
        for n in names:
            res = run_forked(run_pipeline, specs[n], data)
            times[n].append(res["total_s"])
            print(f"repeat {r + 1}: {n} {res['total_s']:.2f} s "
                  f"(macro-F1 {res['metrics']['macro_f1']:.4f})", flush=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times["veille"].append(time.perf_counter() - t0)
        print(f"repeat {r + 1}: veille {times['veille'][-1]:.2f} s", flush=True)
    v = statistics.median(times["veille"])
    print(f"\n{args.corpus}, {args.repeats} repeats, nproc {os.cpu_count()}")
    print("| run | median s | veille faster by |\n|---|---:|---:|")
    for n in names:
        m = statistics.median(times[n])
        print(f"| scikit-learn {n} | {m:.2f} | {m / v:.2f}× |")
    print(f"| veille train --data --test | {v:.2f} | |")


if __name__ == "__main__":
    main()
