#!/usr/bin/env python3
"""Stand-in for the veille binary, to test veille_runs.py and report.py.

Implements just the command-line contract veille_runs.py relies on, with a
trivial "model" (the most frequent label(s) of the training data):

    fake_veille.py train --data TRAIN --test TEST --out MODEL --json --quiet
    fake_veille.py classify --model MODEL INPUT --format jsonl --quiet
    fake_veille.py --version

Set FAKE_VEILLE_BREAK to exercise veille_runs.py's error paths:
``exit`` (non-zero exit), ``nojson`` (no JSON on stdout), ``nokey``
(JSON without `macro_f1`), ``nomodel`` (train writes no model file).
Stdlib only.
"""

import argparse
import collections
import json
import os
import sys


def read(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def labels_of(record):
    return set(record["labels"]) if "labels" in record else {record["label"]}


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate(model, test):
    """Score the constant prediction `model` on the test records."""
    pred = set(model["predict"])
    multi = model["multi"]
    classes = sorted({c for r in test for c in labels_of(r)} | pred)
    counts = {c: [0, 0, 0] for c in classes}  # tp, fp, fn
    exact = 0
    wrong_cells = 0
    for record in test:
        gold = labels_of(record)
        exact += gold == pred
        wrong_cells += len(gold ^ pred)
        for c in classes:
            counts[c][0] += c in gold and c in pred
            counts[c][1] += c not in gold and c in pred
            counts[c][2] += c in gold and c not in pred
    totals = [sum(v[i] for v in counts.values()) for i in range(3)]
    out = {
        "accuracy": exact / len(test),
        "macro_f1": sum(f1(*v) for v in counts.values()) / len(classes),
        "micro_f1": f1(*totals),
        "docs": len(test),
    }
    if multi:
        out["subset_accuracy"] = out["accuracy"]
        out["hamming_loss"] = wrong_cells / (len(test) * len(classes))
    return out


def train(args):
    broken = os.environ.get("FAKE_VEILLE_BREAK", "")
    if broken == "exit":
        print("fake failure", file=sys.stderr)
        return 3
    records = read(args.data)
    multi = any("labels" in r for r in records)
    freq = collections.Counter(c for r in records for c in labels_of(r))
    model = {"multi": multi, "predict": [freq.most_common(1)[0][0]]}
    if broken != "nomodel":
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(model, fh)
    if not args.quiet:
        print(f"trained on {len(records)} docs", file=sys.stderr)
    result = evaluate(model, read(args.test)) if args.test else {}
    if broken == "nojson":
        print("done")
    elif args.json:
        if broken == "nokey":
            result.pop("macro_f1", None)
        print(json.dumps(result))
    return 0


def classify(args):
    with open(args.model, encoding="utf-8") as fh:
        model = json.load(fh)
    for record in read(args.input):
        if args.format == "jsonl":
            key = "labels" if model["multi"] else "label"
            value = model["predict"] if model["multi"] else model["predict"][0]
            print(json.dumps({"id": record["id"], key: value}))
        else:
            print(record["id"], ",".join(model["predict"]), sep="\t")
    return 0


def main():
    parser = argparse.ArgumentParser(prog="veille")
    parser.add_argument("--version", action="version",
                        version="veille 0.0.0-fake")
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train")
    p_train.add_argument("--data", required=True)
    p_train.add_argument("--test")
    p_train.add_argument("--out", required=True)
    p_train.add_argument("--json", action="store_true")
    p_train.add_argument("--quiet", action="store_true")
    p_classify = sub.add_parser("classify")
    p_classify.add_argument("--model", required=True)
    p_classify.add_argument("input")
    p_classify.add_argument("--format", default="tsv")
    p_classify.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    return train(args) if args.command == "train" else classify(args)


if __name__ == "__main__":
    sys.exit(main())
