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

--quality-only: a fast mode for many corpora.  One repeat; no fork per
pipeline: the corpus child vectorises once per vectoriser and fits every
classifier on that matrix; n_jobs=2 runs on joblib's threading backend,
with BLAS held to one thread.  Each row's vectorise times are then those of
its shared vectoriser, and its peak RSS is the corpus process's high-water
mark so far; the metrics are the same as in the full mode.
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

import joblib
import numpy as np
import scipy
import sklearn
import snowballstemmer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import (accuracy_score, f1_score, hamming_loss)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from common import (KIND, LANGUAGE, fmt, harness_args, median, merge_rows,
                    now_iso, read_records, split_path, variant_of)

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


_TOKENIZERS = {}


def stemming_tokenizer(language):
    """One StemmingTokenizer per language and process, so that the stems
    memoised for one vectoriser serve the next."""
    if language not in _TOKENIZERS:
        _TOKENIZERS[language] = StemmingTokenizer(language)
    return _TOKENIZERS[language]


def make_vectorizer(tuned, stem=None, min_df=None):
    params = dict(TUNED) if tuned else {}
    if min_df is not None:
        params["min_df"] = min_df
    if stem:
        params.update(tokenizer=stemming_tokenizer(stem), token_pattern=None,
                      lowercase=True)
    return TfidfVectorizer(**params)


def describe_vectorizer(tuned, stem=None, min_df=None):
    params = []
    if tuned:
        params.append("sublinear_tf=True, ngram_range=(1, 2), "
                      f"min_df={TUNED['min_df'] if min_df is None else min_df}"
                      ", max_df=0.5")
    if stem:
        params.append(f"tokenizer=snowball-{stem} stems of lowercased "
                      f"{TOKEN_PATTERN} tokens")
    return f"TfidfVectorizer({', '.join(params)})"


# The classifiers of the grid: (name, factory, description, n_jobs given).
# Multi-label corpora wrap each in OneVsRestClassifier(n_jobs=N_JOBS).
CLASSIFIERS = [
    ("LinearSVC", LinearSVC, "LinearSVC()", 1),
    ("ComplementNB", ComplementNB, "ComplementNB()", 1),
    ("SGD", lambda: SGDClassifier(random_state=0, n_jobs=N_JOBS),
     f"SGDClassifier(random_state=0, n_jobs={N_JOBS})", N_JOBS),
    ("LogReg", lambda: LogisticRegression(max_iter=1000),
     "LogisticRegression(max_iter=1000)", 1),
]


def vectorizers(corpus):
    """The vectorisers of the grid: (name, tuned?, stemmer language or None,
    min_df override or None, extra?).  Default and tuned TfidfVectorizer,
    each without and with the corpus's Snowball stemmer; on -small variants
    also the tuned one with min_df=1 (extra: min_df=2 drops most terms of a
    few hundred articles)."""
    lang = LANGUAGE[corpus]
    out = []
    for tuned, min_df, extra in ([(False, None, False), (True, None, False)]
                                 + ([(True, 1, True)]
                                    if variant_of(corpus) == "small" else [])):
        for stem in (None, lang):
            name = "tfidf-tuned" if tuned else "tfidf"
            if min_df is not None:
                name += f"-df{min_df}"
            if stem:
                name += f"-stem-{stem[:2]}"
            out.append((name, tuned, stem, min_df, extra))
    return out


def pipelines(corpus):
    """The pipelines run on a corpus: every vectoriser x every classifier.

    Each is a dict: name, vec_name, vectorizer (factory, description) and
    classifier (factory, description), n_jobs (the parallelism the
    estimator was given; 1 = none supported), extra (True for a pipeline
    added beyond the brief's grid).
    """
    multi = KIND[corpus] == "multi"
    specs = []
    for vec_name, tuned, stem, min_df, extra in vectorizers(corpus):
        for clf_name, clf, clf_desc, n_jobs in CLASSIFIERS:
            if multi:
                clf = (lambda c=clf: OneVsRestClassifier(c(), n_jobs=N_JOBS))
                clf_desc = f"OneVsRestClassifier({clf_desc}, n_jobs={N_JOBS})"
                clf_name = f"OvR-{clf_name}"
                n_jobs = N_JOBS
            specs.append({
                "name": f"{vec_name}+{clf_name}",
                "vec_name": vec_name,
                "vectorizer": (lambda t=tuned, s=stem, m=min_df:
                               make_vectorizer(t, s, m),
                               describe_vectorizer(tuned, stem, min_df)),
                "classifier": (clf, clf_desc),
                "n_jobs": n_jobs,
                "extra": extra,
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


def vectorise(spec, data):
    """Fit the spec's vectoriser on train, transform test; timed."""
    t0 = time.perf_counter()
    vec = spec["vectorizer"][0]()
    x_train = vec.fit_transform(data["train_texts"])
    t1 = time.perf_counter()
    x_test = vec.transform(data["test_texts"])
    t2 = time.perf_counter()
    return x_train, x_test, {"vectorise_train_s": t1 - t0,
                             "vectorise_test_s": t2 - t1,
                             "vectorise_s": t2 - t0,
                             "n_features": int(x_train.shape[1])}


def fit_predict(spec, data, x_train, x_test):
    """Fit the spec's classifier and predict the test split; timed."""
    # Estimators left at random_state=None (LinearSVC's dual solver) draw
    # from numpy's global RNG: the same state for every pipeline and run.
    np.random.seed(0)
    t2 = time.perf_counter()
    clf = spec["classifier"][0]()
    clf.fit(x_train, data["y_train"])
    t3 = time.perf_counter()
    y_pred = clf.predict(x_test)
    t4 = time.perf_counter()
    return {"metrics": score(data["kind"], data["y_test"], y_pred),
            "fit_s": t3 - t2, "predict_s": t4 - t3}


def peak_rss():
    kib = 1024.0  # ru_maxrss is in KiB on Linux
    return {"peak_rss_mib":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
            "peak_rss_workers_mib":
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib}


def warning_texts(caught):
    return sorted({f"{w.category.__name__}: {w.message}" for w in caught})


def run_pipeline(spec, data):
    """Vectorise, fit, predict and score; returns a dict of figures."""
    rss_start = vm_rss_mib()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x_train, x_test, result = vectorise(spec, data)
        result.update(fit_predict(spec, data, x_train, x_test))
    shutdown_loky()
    result["total_s"] = (result["vectorise_s"] + result["fit_s"]
                         + result["predict_s"])
    result.update(peak_rss(), rss_start_mib=rss_start,
                  warnings=warning_texts(caught))
    return result


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


def make_row(corpus, spec, data, runs, load_s):
    """One sklearn.json row from the runs of a pipeline."""
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
        "metrics_vary": any(r["metrics"] != first["metrics"] for r in runs),
        "repeats": len(runs),
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
    return row


def run_corpus(splits_dir, corpus, repeats):
    start = time.perf_counter()
    data = load_corpus(splits_dir, corpus)
    load_s = time.perf_counter() - start
    rows = []
    for spec in pipelines(corpus):
        runs = []
        for rep in range(repeats):
            runs.append(run_forked(run_pipeline, spec, data))
            print(f"  {corpus} {spec['name']} repeat {rep + 1}/{repeats}: "
                  f"{runs[-1]['total_s']:.2f}s", flush=True)
        rows.append(make_row(corpus, spec, data, runs, load_s))
    return rows


def run_corpus_quality(splits_dir, corpus, repeats):
    """--quality-only: one run of every pipeline in this process, each
    vectoriser fitted once and shared by its classifiers (`repeats` is
    ignored)."""
    start = time.perf_counter()
    data = load_corpus(splits_dir, corpus)
    load_s = time.perf_counter() - start
    rss_start = vm_rss_mib()
    specs = pipelines(corpus)
    rows = []
    # Threads, not loky processes, for n_jobs=2: no worker start-up and no
    # memmapped copy of x_train per fit.  (The order in which OvR's
    # LinearSVCs draw their seeds from numpy's RNG then varies; their
    # results barely do.)  BLAS is held to one thread, as joblib does in
    # its loky workers: two threads of OpenBLAS per fit thread made
    # OvR-LogReg 15-30 times slower on this 2-core machine.
    with threadpool_limits(limits=1, user_api="blas"), \
            joblib.parallel_config(backend="threading"):
        run_quality_specs(corpus, specs, data, load_s, rss_start, rows)
    return rows


def run_quality_specs(corpus, specs, data, load_s, rss_start, rows):
    for vec_name in dict.fromkeys(s["vec_name"] for s in specs):
        group = [s for s in specs if s["vec_name"] == vec_name]
        with warnings.catch_warnings(record=True) as vec_caught:
            warnings.simplefilter("always")
            x_train, x_test, vec_result = vectorise(group[0], data)
        for spec in group:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = dict(vec_result)
                result.update(fit_predict(spec, data, x_train, x_test))
            result["total_s"] = (result["vectorise_s"] + result["fit_s"]
                                 + result["predict_s"])
            result.update(peak_rss(), rss_start_mib=rss_start,
                          warnings=warning_texts(list(vec_caught) + caught))
            row = make_row(corpus, spec, data, [result], load_s)
            row["quality_only"] = True
            row["joblib_backend"] = "threading"
            row["blas_threads"] = 1
            rows.append(row)
            print(f"  {corpus} {spec['name']}: {result['total_s']:.2f}s "
                  f"(fit {result['fit_s']:.2f}s), macro-F1 "
                  f"{result['metrics']['macro_f1']:.4f}", flush=True)
        del x_train, x_test


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
    best per corpus, and merge them into args.out after each corpus (so an
    interrupted run keeps the corpora it finished); returns (new rows, all
    rows of the file)."""
    rows = []
    all_rows = []
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    for corpus in corpora:
        start = time.perf_counter()
        print(f"{corpus}: {describe(corpus)} x {args.repeats} repeats",
              flush=True)
        corpus_rows = run_forked(run_corpus_fn, args.splits, corpus,
                                 args.repeats)
        for r in corpus_rows:
            r["versions"] = versions
            r["date"] = now_iso()
        mark_best(corpus_rows)
        rows.extend(corpus_rows)
        all_rows = merge_rows(args.out, corpus_rows, [corpus])
        print(f"{corpus}: done in {time.perf_counter() - start:.1f}s",
              flush=True)
    return rows, all_rows


def main(argv=None):
    parser, parse = harness_args(__doc__.split("\n")[0], "sklearn.json",
                                 "pipeline")
    parser.add_argument("--quality-only", action="store_true",
                        help="fast mode: one repeat, each vectoriser fitted "
                        "once per corpus and shared by its classifiers, no "
                        "fork per pipeline (times are not per pipeline)")
    args, corpora = parse(argv)
    if args.quality_only:
        args.repeats = 1

    versions = {"python": platform.python_version(),
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "scipy": scipy.__version__}
    rows, all_rows = run_all(
        args, corpora, versions,
        run_corpus_quality if args.quality_only else run_corpus,
        lambda c: f"{len(pipelines(c))} pipelines"
        + (" (quality only)" if args.quality_only else ""))
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
