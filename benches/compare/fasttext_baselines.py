#!/usr/bin/env python3
"""fastText baselines on the splits made by make_splits.py.

For every corpus and setting: write the training file in fastText's format
(`__label__X ... text`, the texts lowercased and punctuation split off as
in fastText's own classification examples), train_supervised, preprocess
the test texts and predict them, each timed with time.perf_counter; then
score with scikit-learn's metrics, exactly as sklearn_baselines.py does.
Results go to target/compare/fasttext.json (rows shaped like
sklearn.json's, so report.py shows them side by side) and a Markdown table
is printed (and written to target/compare/fasttext.md).

Settings: fastText's defaults (lr 0.1, 5 epochs, unigrams, dim 100), and
the two steps its text-classification tutorial takes from there: lr 1.0
with 25 epochs, then also word bigrams. The training examples are shuffled (seeded) first,
as fastText's docs do with `shuf`: it reads its file in order. Multi-label corpora use the one-vs-all loss and a
0.5 probability threshold, as the tutorial does for multi-label data.
Both use thread=2 (this machine's cores). fastText's multi-threaded
training is not deterministic: the metrics of the first repeat are
reported, `metrics_vary` says whether repeats disagreed.

Peak RSS is measured like sklearn_baselines.py's: one forked process per
(setting, repeat) holding the loaded corpus.
"""

import os
import platform
import random
import re
import tempfile
import time

import numpy as np
from sklearn.preprocessing import MultiLabelBinarizer

from common import (KIND, fmt, harness_args, median, read_records,
                    split_path)
# Same forking, scoring and best-row rules as the scikit-learn baselines.
from sklearn_baselines import run_all, run_forked, score

THREADS = 2
SETTINGS = [
    # (name, train_supervised keyword arguments, extra)
    ("fastText defaults", {}, False),
    ("fastText lr 1.0, 25 epochs", {"lr": 1.0, "epoch": 25}, False),
    ("fastText lr 1.0, 25 epochs, bigrams",
     {"lr": 1.0, "epoch": 25, "wordNgrams": 2}, False),
]
# fastText's examples/classification-example.sh normalisation: lowercase,
# punctuation split into tokens; newlines must go (one example per line).
_PUNCT = re.compile(r"([.\!?,'/()\"«»:;])")
_SPACE = re.compile(r"\s+")


def normalise(text):
    return _SPACE.sub(" ", _PUNCT.sub(r" \1 ", text.lower())).strip()


def label_token(label):
    return "__label__" + _SPACE.sub("_", label.strip())


def load_corpus(splits_dir, corpus):
    kind = KIND[corpus]
    data = {"kind": kind}
    for part in ("train", "test"):
        records = read_records(split_path(splits_dir, corpus, part))
        data[f"{part}_texts"] = [r["text"] for r in records]
        data[f"{part}_labels"] = [[r["label"]] if kind == "single"
                                  else list(r["labels"]) for r in records]
        data[f"{part}_bytes"] = sum(len(t.encode("utf-8"))
                                    for t in data[f"{part}_texts"])
    return data


def run_setting(params, data, workdir):
    """Preprocess, train, predict and score; returns a dict of figures."""
    import fasttext  # imported in the child: the parent never loads it

    multi = data["kind"] == "multi"
    kwargs = dict(params, thread=THREADS, verbose=0)
    if multi:
        kwargs["loss"] = "ova"
    t0 = time.perf_counter()
    train_path = os.path.join(workdir, "train.txt")
    examples = [" ".join(label_token(l) for l in labels) + " "
                + normalise(text)
                for text, labels in zip(data["train_texts"],
                                        data["train_labels"])]
    # fastText reads its file in order: a file grouped by label (as the
    # 20 Newsgroups split is) must be shuffled, as its docs do with `shuf`.
    random.Random(0).shuffle(examples)
    with open(train_path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(examples) + "\n")
    t1 = time.perf_counter()
    model = fasttext.train_supervised(input=train_path, **kwargs)
    t2 = time.perf_counter()
    lines = [normalise(t) for t in data["test_texts"]]
    # model.predict breaks on numpy 2 (np.array(copy=False)); the binding's
    # own batch call returns the same labels.
    k, threshold = (-1, 0.5) if multi else (1, 0.0)
    predicted, _ = model.f.multilinePredict(lines, k, threshold, "strict")
    t3 = time.perf_counter()

    strip = len("__label__")
    pred = [[p[strip:] for p in row] for row in predicted]
    truth = [[label_token(l)[strip:] for l in ls] for ls in data["test_labels"]]
    if multi:
        classes = sorted({l for ls in truth + pred for l in ls}
                         | {label_token(l)[strip:] for ls in data["train_labels"]
                            for l in ls})
        mlb = MultiLabelBinarizer(classes=classes)
        metrics = score("multi", mlb.fit_transform(truth), mlb.transform(pred))
    else:
        metrics = score("single", [t[0] for t in truth],
                        [p[0] if p else "" for p in pred])
    import resource
    return {
        "metrics": metrics,
        "vectorise_s": t1 - t0,
        "fit_s": t2 - t1,
        "predict_s": t3 - t2,
        "total_s": t3 - t0,
        "n_features": int(len(model.words)),
        "peak_rss_mib":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def run_corpus(splits_dir, corpus, repeats):
    data = load_corpus(splits_dir, corpus)
    rows = []
    for name, params, extra in SETTINGS:
        runs = []
        for rep in range(repeats):
            with tempfile.TemporaryDirectory(prefix="veille-ft-") as workdir:
                runs.append(run_forked(run_setting, params, data, workdir))
            print(f"  {corpus} {name} repeat {rep + 1}/{repeats}: "
                  f"{runs[-1]['total_s']:.2f}s", flush=True)
        first = runs[0]
        row = {
            "corpus": corpus,
            "kind": data["kind"],
            "tool": "fasttext",
            "pipeline": name,
            "vectorizer": "lowercase, punctuation split (fastText examples)",
            "classifier": "fasttext.train_supervised("
                          + ", ".join(f"{k}={v}" for k, v in params.items())
                          + f"{', ' if params else ''}thread={THREADS}"
                          + (", loss='ova'" if data["kind"] == "multi" else "")
                          + ")",
            "n_jobs": THREADS,
            "extra": extra,
            "metrics": first["metrics"],
            "metrics_vary": any(r["metrics"] != first["metrics"]
                                for r in runs),
            "metrics_all": [r["metrics"] for r in runs],
            "repeats": repeats,
        }
        for key in ("vectorise_s", "fit_s", "predict_s", "total_s"):
            row[key] = median([r[key] for r in runs])
        row["total_s_all"] = [r["total_s"] for r in runs]
        # Classifying unseen text = normalising it + predicting.
        row["infer_s"] = row["predict_s"]
        row["infer_mb_s"] = data["test_bytes"] / 1e6 / row["infer_s"]
        row["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        row["n_features"] = first["n_features"]
        row["train_docs"] = len(data["train_texts"])
        row["test_docs"] = len(data["test_texts"])
        rows.append(row)
    return rows


def markdown_table(rows):
    lines = ["| corpus | setting | accuracy | macro-F1 | micro-F1 "
             "| total s | peak RSS MiB | varies | best |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        m = r["metrics"]
        lines.append(
            f"| {r['corpus']} | {r['pipeline']} | {fmt(m.get('accuracy'))} "
            f"| {fmt(m.get('macro_f1'))} | {fmt(m.get('micro_f1'))} "
            f"| {r['total_s']:.2f} | {r['peak_rss_mib']:.0f} "
            f"| {'yes' if r['metrics_vary'] else 'no'} "
            f"| {'**best**' if r.get('best') else ''} |")
    return "\n".join(lines)


def main(argv=None):
    _, parse = harness_args(__doc__.split("\n")[0], "fasttext.json", "setting")
    args, corpora = parse(argv)
    try:
        from importlib.metadata import version
        ft_version = version("fasttext-wheel")
    except Exception:  # noqa: BLE001 - any lookup failure: unknown
        ft_version = "unknown"
    versions = {"python": platform.python_version(),
                "fasttext-wheel": ft_version, "numpy": np.__version__}
    _, all_rows = run_all(args, corpora, versions, run_corpus,
                          lambda _: f"{len(SETTINGS)} fastText settings")
    text = markdown_table(all_rows) + "\n"
    with open(os.path.splitext(args.out)[0] + ".md", "w",
              encoding="utf-8") as fh:
        fh.write(text)
    print()
    print(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
