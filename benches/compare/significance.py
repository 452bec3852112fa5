#!/usr/bin/env python3
"""How much of a gap between veille and scikit-learn's best pipeline is the test split's noise.

quality.py compares veille's macro-F1 with the best of scikit-learn's pipelines (16 per
corpus, 24 on -small variants), and that best is picked on the test split itself. Two things
make such a gap hard to read on small test splits (382 articles for Le Monde single-label, 748
for The Hacker News):

- sampling noise: another test split of the same size would give other figures;
- selection: the best of 16-24 noisy test scores is above what the pipeline it picks scores
  on new articles (veille's own choices are made on its training set, so its test score has
  no such bias).

For each corpus this script predicts the test split with veille (the model quality.py saved,
target/compare/models/q-<corpus>.veille, through `veille classify`: run quality.py first,
with the same binary) and with every scikit-learn pipeline of sklearn_baselines.py (cached
in target/compare/predictions), then:

- paired bootstrap over the test articles (the same resamples for both): the gap veille minus
  the best pipeline (picked on the whole split, as quality.py does), its 95% interval and the
  share of resamples where veille is behind;
- random halves of the test split: the pipeline scikit-learn would pick on one half, scored on
  the other half, against veille on that same half (`half gap`, the mean difference, and
  `ahead`, the share of halves where veille is at or above it). `optimism` is the mean of (the
  picked pipeline's score on the half it was picked on) minus (its score on the other half):
  what picking on the test split adds to the best pipeline's figure at half the split's size.

Usage:
    significance.py [--only GROUP|CORPUS,...] [--veille BIN] [--resamples 2000] [--out FILE]
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

from common import KIND, OUT_DIR, parse_only, sha256_file, split_path

HERE = os.path.dirname(os.path.abspath(__file__))
PRED_DIR = os.path.join(OUT_DIR, "predictions")


def cache_key(splits, corpus):
    """What the cached predictions of a corpus depend on: its two split files and the
    scikit-learn version."""
    import sklearn
    return {"train": sha256_file(split_path(splits, corpus, "train")),
            "test": sha256_file(split_path(splits, corpus, "test")),
            "scikit-learn": sklearn.__version__}


def sklearn_predictions(splits, corpus):
    """{pipeline: predictions on the test split} for every scikit-learn pipeline; cached, and
    fitted again when the splits or scikit-learn changed."""
    path = os.path.join(PRED_DIR, f"{corpus}.sklearn.json")
    key = cache_key(splits, corpus)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("key") == key:
            return cached["predictions"]
    import joblib
    from threadpoolctl import threadpool_limits
    import sklearn_baselines as sb
    data = sb.load_corpus(splits, corpus)
    out = {}
    with threadpool_limits(limits=1, user_api="blas"), \
            joblib.parallel_config(backend="threading"):
        specs = sb.pipelines(corpus)
        for vec_name in dict.fromkeys(s["vec_name"] for s in specs):
            group = [s for s in specs if s["vec_name"] == vec_name]
            x_train, x_test, _ = sb.vectorise(group[0], data)
            for spec in group:
                np.random.seed(0)  # as sklearn_baselines.fit_predict does
                clf = spec["classifier"][0]()
                clf.fit(x_train, data["y_train"])
                pred = clf.predict(x_test)
                out[spec["name"]] = np.asarray(pred).tolist()
                print(f"  {corpus} {spec['name']}", file=sys.stderr, flush=True)
    os.makedirs(PRED_DIR, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"key": key, "predictions": out}, fh)
    os.replace(tmp, path)
    return out


def veille_predictions(binary, model, test):
    """The label list of every test article, in order."""
    cmd = [binary, "classify", "--quiet", "--model", model, "--format", "jsonl",
           "--terms", "0", test]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {run.returncode}: {run.stderr.strip()}")
    return [json.loads(line)["labels"] for line in run.stdout.splitlines()]


def labels_of(path, kind):
    """The label list of every record of a split."""
    with open(path, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    return [[r["label"]] if kind == "single" else r["labels"] for r in records]


def indicators(label_lists, classes):
    """n x k 0/1 matrix of label lists over `classes`."""
    index = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(label_lists), len(classes)), dtype=np.float32)
    for i, labels in enumerate(label_lists):
        for label in labels:
            m[i, index[label]] = 1.0
    return m


def macro_f1(weights, y, p):
    """Macro-F1 of predictions p against y (n x k indicators) under each row of `weights`
    (r x n: how often each article counts): sklearn's, over the labels present in the truth
    or the predictions of that weighting, zero_division=0."""
    tp = weights @ (y * p)
    true = weights @ y
    pred = weights @ p
    denom = true + pred
    present = denom > 0
    f1 = np.where(present, 2 * tp / np.where(present, denom, 1), 0.0)
    return f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def analyse(corpus, classes, truth, veille, sk, resamples, seed):
    """The figures of one corpus; `classes`: every label of its two splits, sorted (the
    columns of scikit-learn's multi-label predictions)."""
    known = set(classes)
    y = indicators(truth, classes)
    v = indicators([[c for c in ls if c in known] for ls in veille], classes)
    if KIND[corpus] == "single":
        skm = {name: indicators([[str(c)] for c in preds], classes)
               for name, preds in sk.items()}
    else:
        skm = {name: np.asarray(rows, dtype=np.float32) for name, rows in sk.items()}
    n = y.shape[0]
    names = list(skm)
    ones = np.ones((1, n), dtype=np.float32)
    full = {name: float(macro_f1(ones, y, p)[0]) for name, p in skm.items()}
    best = max(names, key=lambda k: full[k])
    v_full = float(macro_f1(ones, y, v)[0])
    rng = np.random.default_rng(seed)
    # Paired bootstrap: multinomial counts of each article in each resample.
    w = np.stack([np.bincount(rng.integers(0, n, n), minlength=n)
                  for _ in range(resamples)]).astype(np.float32)
    gap = macro_f1(w, y, v) - macro_f1(w, y, skm[best])
    # Random halves: pick on A, score on B.
    halves = np.zeros((resamples, n), dtype=np.float32)
    for r in range(resamples):
        halves[r, rng.permutation(n)[: n // 2]] = 1.0
    other = 1.0 - halves
    on_a = np.stack([macro_f1(halves, y, skm[k]) for k in names])  # pipelines x r
    on_b = np.stack([macro_f1(other, y, skm[k]) for k in names])
    picked = on_a.argmax(axis=0)
    cols = np.arange(resamples)
    pick_b = on_b[picked, cols]
    optimism = on_a[picked, cols] - pick_b
    v_b = macro_f1(other, y, v)
    return {
        "corpus": corpus, "n_test": n, "pipelines": len(names),
        "veille": v_full, "best": best, "best_f1": full[best],
        "gap": v_full - full[best],
        "gap_lo": float(np.percentile(gap, 2.5)),
        "gap_hi": float(np.percentile(gap, 97.5)),
        "behind": float((gap < 0).mean()),
        "optimism": float(optimism.mean()),
        "half_gap": float((v_b - pick_b).mean()),
        "half_ahead": float((v_b >= pick_b).mean()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="tuned")
    parser.add_argument("--veille", default=os.path.join(
        HERE, "..", "..", "target", "release", "veille"))
    parser.add_argument("--splits", default=os.path.join(OUT_DIR, "splits"))
    parser.add_argument("--models", default=os.path.join(OUT_DIR, "models"))
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(OUT_DIR, "significance.json"))
    args = parser.parse_args(argv)
    rows = []
    header = (f"{'corpus':16} {'n':>5} {'veille':>7} {'best sk':>7} {'gap':>8} "
              f"{'95% interval':>17} {'behind':>6} {'optimism':>8} {'half gap':>8} "
              f"{'ahead':>5}")
    print(header)
    for corpus in parse_only(args.only, parser):
        model = os.path.join(args.models, f"q-{corpus}.veille")
        if not os.path.isfile(model):
            print(f"{corpus}: no model {model} (run quality.py first)", file=sys.stderr)
            continue
        test = split_path(args.splits, corpus, "test")
        sk = sklearn_predictions(args.splits, corpus)
        veille = veille_predictions(args.veille, model, test)
        truth = labels_of(test, KIND[corpus])
        train = labels_of(split_path(args.splits, corpus, "train"), KIND[corpus])
        classes = sorted({c for ls in truth + train for c in ls})
        if len(veille) != len(truth):
            sys.exit(f"{corpus}: {len(veille)} predictions for {len(truth)} articles")
        r = analyse(corpus, classes, truth, veille, sk, args.resamples, args.seed)
        rows.append(r)
        print(f"{corpus:16} {r['n_test']:5} {r['veille']:7.4f} {r['best_f1']:7.4f} "
              f"{r['gap']:+8.4f} [{r['gap_lo']:+.4f}, {r['gap_hi']:+.4f}] "
              f"{r['behind']:6.2f} {r['optimism']:+8.4f} {r['half_gap']:+8.4f} "
              f"{r['half_ahead']:5.2f}", flush=True)
    if rows:
        sig = [r["corpus"] for r in rows if r["gap_hi"] < 0]
        print(f"behind with the whole 95% interval below 0: {len(sig)} of {len(rows)}"
              f" ({', '.join(sig) or 'none'}); at or above the pipeline picked on the other"
              f" half, on average over the halves: "
              f"{sum(r['half_gap'] >= 0 for r in rows)} of {len(rows)}")
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
