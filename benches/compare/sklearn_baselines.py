#!/usr/bin/env python3
"""scikit-learn baselines on the splits made by make_splits.py.

For every corpus and pipeline: vectorise (fit on train, transform test),
fit, predict, each timed with time.perf_counter, then score on the test
split.  Results go to target/compare/sklearn.json (a list of rows) and a
Markdown table is printed (and written to target/compare/sklearn.md).

Process layout, for clean peak-RSS figures: the main process forks one
child per corpus, which loads that corpus; the corpus child forks one
grandchild per (pipeline, repeat), which does the timed work in-process and
reports its own ru_maxrss (resource.getrusage).  Each pipeline's peak RSS
is thus "loaded corpus + that pipeline", not a high-water mark left by an
earlier pipeline.  Worker processes (OneVsRestClassifier(n_jobs=2) runs
joblib/loky workers) are reported separately: the largest worker's peak.
"""

import json
import os
import platform
import re
import resource
import sys
import time
import traceback
import warnings

import numpy as np
import scipy
import sklearn
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (accuracy_score, f1_score, hamming_loss)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from common import (KIND, fmt, harness_args, median, merge_rows, now_iso,
                    read_records, split_path)

N_JOBS = 2
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # TfidfVectorizer's default pattern
# The "tuned" vectoriser settings of the brief.
TUNED = {"sublinear_tf": True, "ngram_range": (1, 2), "min_df": 2,
         "max_df": 0.5}


class StemmingTokenizer:
    """Snowball-stemming tokenizer for TfidfVectorizer(tokenizer=...).

    TfidfVectorizer lowercases before calling it (lowercase=True); this
    splits with the default token pattern and stems every token.  Used as a
    tokenizer rather than a full analyzer so that ngram_range still applies
    (bigrams of stems).  Stems are memoised: the stemmer is the slow part.
    """

    def __init__(self, language):
        self.language = language
        self._pattern = re.compile(TOKEN_PATTERN)
        self._stemmer = snowballstemmer.stemmer(language)
        self._cache = {}

    def __call__(self, doc):
        cache = self._cache
        out = []
        for token in self._pattern.findall(doc):
            stem = cache.get(token)
            if stem is None:
                stem = cache[token] = self._stemmer.stemWord(token)
            out.append(stem)
        return out


def make_vectorizer(tuned, stem=None):
    params = dict(TUNED) if tuned else {}
    if stem:
        params.update(tokenizer=StemmingTokenizer(stem), token_pattern=None,
                      lowercase=True)
    return TfidfVectorizer(**params)


def describe_vectorizer(tuned, stem=None):
    params = []
    if tuned:
        params.append("sublinear_tf=True, ngram_range=(1, 2), min_df=2, "
                      "max_df=0.5")
    if stem:
        params.append(f"tokenizer=snowball-{stem} stems of lowercased "
                      f"{TOKEN_PATTERN} tokens")
    return f"TfidfVectorizer({', '.join(params)})"


def pipelines(corpus):
    """The pipelines run on a corpus.

    Each is a dict: name, vectorizer (factory, description) and classifier
    (factory, description), n_jobs (the parallelism the estimator was given;
    1 = none supported), extra (True for a pipeline added beyond the brief).
    """
    specs = []
    if KIND[corpus] == "single":
        classifiers = [
            ("LinearSVC", lambda: LinearSVC(), "LinearSVC()", 1),
            ("ComplementNB", lambda: ComplementNB(), "ComplementNB()", 1),
            ("SGD", lambda: SGDClassifier(random_state=0, n_jobs=N_JOBS),
             f"SGDClassifier(random_state=0, n_jobs={N_JOBS})", N_JOBS),
        ]
        for vec_name, tuned in (("tfidf", False), ("tfidf-tuned", True)):
            for clf_name, clf, clf_desc, n_jobs in classifiers:
                specs.append({
                    "name": f"{vec_name}+{clf_name}",
                    "vectorizer": (lambda t=tuned: make_vectorizer(t),
                                   describe_vectorizer(tuned)),
                    "classifier": (clf, clf_desc),
                    "n_jobs": n_jobs,
                    "extra": False,
                })
        return specs

    ovr = (lambda: OneVsRestClassifier(LinearSVC(), n_jobs=N_JOBS),
           f"OneVsRestClassifier(LinearSVC(), n_jobs={N_JOBS})")
    # (tuned settings?, stemmer language); the brief's pipelines first.
    variants = {"lemonde": [(True, "french")],
                "reuters": [(True, None), (True, "english")]}[corpus]
    # Extra reference point, beyond the brief's list: the same classifier
    # on the default vectoriser.
    variants.append((False, None))
    for tuned, stem in variants:
        name = "tfidf-tuned" if tuned else "tfidf"
        if stem:
            name += f"-stem-{stem[:2]}"
        specs.append({
            "name": f"{name}+OvR-LinearSVC",
            "vectorizer": (lambda t=tuned, s=stem: make_vectorizer(t, s),
                           describe_vectorizer(tuned, stem)),
            "classifier": ovr,
            "n_jobs": N_JOBS,
            "extra": not tuned,
        })
    return specs


# --------------------------------------------------------------------------
# Running one pipeline (inside a forked child).
# --------------------------------------------------------------------------

def vm_rss_mib():
    """Current resident set size (Linux /proc), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def shutdown_loky():
    """Stop joblib's reusable loky workers so that they are reaped (and
    counted in RUSAGE_CHILDREN) before this process reports."""
    try:
        from joblib.externals.loky import reusable_executor
    except ImportError:
        return
    executor = getattr(reusable_executor, "_executor", None)
    if executor is None:
        return
    if hasattr(executor, "terminate"):
        # joblib's MemmappingExecutor: also removes its temporary folder.
        executor.terminate(kill_workers=False)
    else:
        executor.shutdown(wait=True)


def score(kind, y_true, y_pred):
    metrics = {
        "micro_f1": f1_score(y_true, y_pred, average="micro",
                             zero_division=0),
        "macro_f1": f1_score(y_true, y_pred, average="macro",
                             zero_division=0),
    }
    if kind == "single":
        metrics["accuracy"] = accuracy_score(y_true, y_pred)
    else:
        # On label-indicator matrices accuracy_score is subset accuracy.
        metrics["subset_accuracy"] = accuracy_score(y_true, y_pred)
        metrics["hamming_loss"] = hamming_loss(y_true, y_pred)
    return {k: float(v) for k, v in metrics.items()}


def run_pipeline(spec, data):
    """Vectorise, fit, predict and score; returns a dict of figures."""
    rss_start = vm_rss_mib()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        vec = spec["vectorizer"][0]()
        x_train = vec.fit_transform(data["train_texts"])
        t1 = time.perf_counter()
        x_test = vec.transform(data["test_texts"])
        t2 = time.perf_counter()
        clf = spec["classifier"][0]()
        clf.fit(x_train, data["y_train"])
        t3 = time.perf_counter()
        y_pred = clf.predict(x_test)
        t4 = time.perf_counter()
    metrics = score(data["kind"], data["y_test"], y_pred)
    shutdown_loky()
    kib = 1024.0  # ru_maxrss is in KiB on Linux
    return {
        "metrics": metrics,
        "vectorise_train_s": t1 - t0,
        "vectorise_test_s": t2 - t1,
        "vectorise_s": t2 - t0,
        "fit_s": t3 - t2,
        "predict_s": t4 - t3,
        "total_s": t4 - t0,
        "n_features": int(x_train.shape[1]),
        "rss_start_mib": rss_start,
        "peak_rss_mib":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
        "peak_rss_workers_mib":
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib,
        "warnings": sorted({f"{w.category.__name__}: {w.message}"
                            for w in caught}),
    }


def run_forked(func, *args):
    """Run func(*args) in a forked child; return its JSON-able result.

    The child's result travels back through a pipe as JSON; an exception in
    the child is re-raised here as RuntimeError with the child's traceback.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        status = 0
        try:
            payload = {"ok": True, "result": func(*args)}
        except BaseException:  # report everything, including ^C
            payload = {"ok": False, "error": traceback.format_exc()}
            status = 1
        try:
            with os.fdopen(write_fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as fh:
        raw = fh.read()
    _, status, _ = os.wait4(pid, 0)
    if not raw:
        raise RuntimeError(f"child {pid} died without a result "
                           f"(wait status {status})")
    payload = json.loads(raw)
    if not payload["ok"]:
        raise RuntimeError(f"child {pid} failed:\n{payload['error']}")
    return payload["result"]


# --------------------------------------------------------------------------
# One corpus (inside a forked child).
# --------------------------------------------------------------------------

def load_corpus(splits_dir, corpus):
    kind = KIND[corpus]
    data = {"kind": kind}
    raw = {}
    for part in ("train", "test"):
        path = split_path(splits_dir, corpus, part)
        records = read_records(path)
        data[f"{part}_texts"] = [r["text"] for r in records]
        data[f"{part}_bytes"] = sum(len(t.encode("utf-8"))
                                    for t in data[f"{part}_texts"])
        raw[part] = [r["label"] if kind == "single" else r["labels"]
                     for r in records]
    if kind == "single":
        data["y_train"], data["y_test"] = raw["train"], raw["test"]
    else:
        # Binarise over every label seen on either side, so that a label
        # absent from train still counts in the test metrics.
        classes = sorted({t for part in raw.values() for ls in part
                          for t in ls})
        mlb = MultiLabelBinarizer(classes=classes)
        data["y_train"] = mlb.fit_transform(raw["train"])
        data["y_test"] = mlb.transform(raw["test"])
        data["n_labels"] = len(classes)
    return data


def run_corpus(splits_dir, corpus, repeats):
    start = time.perf_counter()
    data = load_corpus(splits_dir, corpus)
    load_s = time.perf_counter() - start
    # Every pipeline child inherits this RNG state, so estimators left at
    # random_state=None (LinearSVC's dual solver) behave the same in every
    # repeat and every rerun.
    np.random.seed(0)
    rows = []
    for spec in pipelines(corpus):
        runs = []
        for rep in range(repeats):
            runs.append(run_forked(run_pipeline, spec, data))
            print(f"  {corpus} {spec['name']} repeat {rep + 1}/{repeats}: "
                  f"{runs[-1]['total_s']:.2f}s", flush=True)
        first = runs[0]
        row = {
            "corpus": corpus,
            "kind": data["kind"],
            "pipeline": spec["name"],
            "vectorizer": spec["vectorizer"][1],
            "classifier": spec["classifier"][1],
            "n_jobs": spec["n_jobs"],
            "extra": spec["extra"],
            "metrics": first["metrics"],
            "metrics_vary": any(r["metrics"] != first["metrics"]
                                for r in runs),
            "repeats": repeats,
        }
        for key in ("vectorise_train_s", "vectorise_test_s", "vectorise_s",
                    "fit_s", "predict_s", "total_s"):
            row[key] = median([r[key] for r in runs])
        row["total_s_all"] = [r["total_s"] for r in runs]
        # Classifying unseen text = transforming it + predicting.
        infer_s = row["vectorise_test_s"] + row["predict_s"]
        row["infer_s"] = infer_s
        row["infer_mb_s"] = data["test_bytes"] / 1e6 / infer_s
        row["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
        row["peak_rss_workers_mib"] = max(r["peak_rss_workers_mib"]
                                          for r in runs)
        row["rss_start_mib"] = first["rss_start_mib"]
        row["n_features"] = first["n_features"]
        row["train_docs"] = len(data["train_texts"])
        row["test_docs"] = len(data["test_texts"])
        row["train_text_bytes"] = data["train_bytes"]
        row["test_text_bytes"] = data["test_bytes"]
        row["n_labels"] = data.get("n_labels")
        row["load_s"] = load_s
        row["warnings"] = sorted({w for r in runs for w in r["warnings"]})
        rows.append(row)
    return rows


def mark_best(rows):
    """Flag the best pipeline per corpus.

    Best = highest accuracy (single-label) or micro-F1 (multi-label); ties
    go to macro-F1, then to the faster pipeline.  Extra pipelines compete
    too (they are marked as such in every table).
    """
    for corpus in {r["corpus"] for r in rows}:
        group = [r for r in rows if r["corpus"] == corpus]
        primary = "accuracy" if group[0]["kind"] == "single" else "micro_f1"
        best = max(group, key=lambda r: (r["metrics"][primary],
                                         r["metrics"]["macro_f1"],
                                         -r["total_s"]))
        for r in group:
            r["best"] = r is best
            r["best_by"] = primary


def markdown_table(rows):
    lines = [
        "| corpus | pipeline | accuracy | macro-F1 | micro-F1 | subset acc "
        "| Hamming | vectorise s | fit s | predict s | total s "
        "| peak RSS MiB | n_jobs | best |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        m = r["metrics"]
        lines.append(
            f"| {r['corpus']} | {r['pipeline']}"
            f"{' (extra)' if r.get('extra') else ''} "
            f"| {fmt(m.get('accuracy'))} "
            f"| {fmt(m.get('macro_f1'))} | {fmt(m.get('micro_f1'))} "
            f"| {fmt(m.get('subset_accuracy'))} "
            f"| {fmt(m.get('hamming_loss'), 5)} | {r['vectorise_s']:.2f} "
            f"| {r['fit_s']:.2f} | {r['predict_s']:.3f} "
            f"| {r['total_s']:.2f} | {r['peak_rss_mib']:.0f} "
            f"| {r['n_jobs']} | {'**best**' if r.get('best') else ''} |")
    return "\n".join(lines)


def run_all(args, corpora, versions, run_corpus_fn, describe):
    """Run every corpus in its own forked process, stamp the rows, mark the
    best per corpus, and merge them into args.out; returns (new rows, all
    rows of the file)."""
    rows = []
    for corpus in corpora:
        print(f"{corpus}: {describe(corpus)} x {args.repeats} repeats",
              flush=True)
        corpus_rows = run_forked(run_corpus_fn, args.splits, corpus,
                                 args.repeats)
        for r in corpus_rows:
            r["versions"] = versions
            r["date"] = now_iso()
        rows.extend(corpus_rows)
    mark_best(rows)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    return rows, merge_rows(args.out, rows, corpora)


def main(argv=None):
    _, parse = harness_args(__doc__.split("\n")[0], "sklearn.json", "pipeline")
    args, corpora = parse(argv)

    versions = {"python": platform.python_version(),
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "scipy": scipy.__version__}
    rows, all_rows = run_all(
        args, corpora, versions, run_corpus,
        lambda c: f"{len(pipelines(c))} pipelines")
    table = markdown_table(all_rows)
    best = [f"- {r['corpus']}: {r['pipeline']} (by {r['best_by']})"
            for r in all_rows if r.get("best")]
    text = (f"{table}\n\nBest pipeline per corpus:\n" + "\n".join(best)
            + "\n")
    with open(os.path.splitext(args.out)[0] + ".md", "w",
              encoding="utf-8") as fh:
        fh.write(text)
    print()
    print(text)
    for r in rows:
        if r["warnings"]:
            print(f"warnings in {r['corpus']} {r['pipeline']}: "
                  f"{'; '.join(r['warnings'])}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
