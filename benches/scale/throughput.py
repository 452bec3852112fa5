"""Classify throughput of veille's paths against scikit-learn's fastest pipeline, measured in
one run on the same texts:

- sklearn: default TfidfVectorizer transform + LinearSVC predict, in-process (fitted on the
  training split beforehand, not timed);
- cli: the whole `veille classify --format jsonl` process on a JSON Lines file (start-up,
  model load, JSON in and out), at --threads 2 and 1;
- cli-parquet: the same process reading the Parquet file and writing --format parquet;
- records: `veille.Model.classify(texts)` in-process (texts in memory, records as dicts,
  --chunk texts per call);
- arrow: `veille.Model.classify_arrow(batch)` over the Parquet file's batches in memory.

    python benches/scale/throughput.py --model M.veille --train TRAIN.jsonl \
        --jsonl TEST.jsonl --parquet TEST.parquet --veille target/release/veille \
        [--repeats 3] [--json OUT.json]

Runs are interleaved (one of each per repeat); medians are reported, as MB/s of UTF-8 text
and as ratios to scikit-learn's median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import pyarrow.parquet as pq


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", required=True, help="training split for scikit-learn's fit")
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--parquet", required=True)
    ap.add_argument("--veille", default="target/release/veille")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="sklearn,cli,cli1,cli-parquet,records,arrow")
    ap.add_argument("--chunk", type=int, default=10000, help="texts per records call (kept in memory one chunk at a time)")
    ap.add_argument("--json")
    args = ap.parse_args()

    import veille
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    only = set(args.only.split(","))
    texts = [r["text"] for r in read_jsonl(args.jsonl)]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    table = pq.read_table(args.parquet)
    batches = table.to_batches(max_chunksize=4096)
    model = veille.Model.load(args.model)

    runs: dict[str, callable] = {}
    if "sklearn" in only:
        train = read_jsonl(args.train)
        vec = TfidfVectorizer()
        x = vec.fit_transform([r["text"] for r in train])
        y = [r.get("label") or (r.get("labels") or ["?"])[0] for r in train]
        clf = LinearSVC().fit(x, y)
        del train, x
        runs["sklearn"] = lambda: clf.predict(vec.transform(texts))
    devnull = open(os.devnull, "wb")

    def cli(*extra):
        return lambda: subprocess.run(
            [args.veille, "--quiet", "classify", "--model", args.model, *extra],
            check=True,
            stdout=devnull,
        )

    if "cli" in only:
        runs["cli"] = cli(args.jsonl, "--format", "jsonl")
    if "cli1" in only:
        runs["cli1"] = cli("--threads", "1", args.jsonl, "--format", "jsonl")
    if "cli-parquet" in only:
        runs["cli-parquet"] = cli(args.parquet, "--format", "parquet")
    if "records" in only:
        def records():
            for i in range(0, len(texts), args.chunk):
                model.classify(texts[i : i + args.chunk])

        runs["records"] = records
    if "arrow" in only:
        runs["arrow"] = lambda: [model.classify_arrow(b) for b in batches]

    seconds: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(args.repeats):
        for name, fn in runs.items():
            seconds[name].append(timed(fn))
            print(f"repeat {r + 1}: {name} {seconds[name][-1]:.2f} s", file=sys.stderr, flush=True)
    med = {k: statistics.median(v) for k, v in seconds.items()}
    base = med.get("sklearn")
    print(f"{len(texts)} articles, {mb:.1f} MB of text, {args.repeats} repeats, nproc {os.cpu_count()}")
    print("| path | median s | MB/s | × scikit-learn |")
    print("|---|---:|---:|---:|")
    for k, s in med.items():
        ratio = f"{base / s:.2f}×" if base else "—"
        print(f"| {k} | {s:.2f} | {mb / s:.1f} | {ratio} |")
    if "cli" in med and "cli1" in med:
        print(f"two threads / one thread (cli): {med['cli1'] / med['cli']:.2f}×")
    if "cli" in med and "arrow" in med:
        print(f"arrow / cli throughput: {med['cli'] / med['arrow']:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"articles": len(texts), "mb": mb, "seconds": seconds, "median": med}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
