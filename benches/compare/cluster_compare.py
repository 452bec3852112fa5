#!/usr/bin/env python3
"""Clustering: `veille cluster` vs scikit-learn's text-clustering pipeline.

Three sections, run in one go (see the "Clustering" section of README.md):

1. ``20ng``    20 Newsgroups bydate TEST split (7,532 raw texts), k = 20,
               seeds 0-4. scikit-learn: the documented LSA + k-means
               pipeline, TfidfVectorizer(max_df=0.5, min_df=5,
               stop_words="english") -> TruncatedSVD(100, random_state=seed)
               -> Normalizer(copy=False) -> KMeans(20, n_init=5,
               random_state=seed). veille: ``veille cluster --data F --k 20
               --seed S --json --quiet``.
2. ``lemonde`` Le Monde 2017, single-label articles only (1,907; written to
               splits/lemonde_single.jsonl), k = 9 rubrics, seeds 0-4; the
               scikit-learn side uses a French Snowball-stemming analyzer
               and the Snowball French stop words (data/stopwords/fr.txt).
3. ``scale``   veille alone on 10k / 25k / 50k / 100k articles made from the
               20NG train+test texts, repeated with small perturbations
               (recipe in ``build_scale_corpus``), plus ``--batch-size 2048``
               on 100k.

Quality: NMI (arithmetic normalisation, scikit-learn's default), ARI and
V-measure against the labels. Time: scikit-learn in-process (vectorise +
SVD/normalise + k-means, perf_counter), run in a forked child per seed whose
ru_maxrss is its peak RSS; veille: wall time of the whole process and its
peak RSS, measured by veille_runs.run_timed (GNU time / os.wait4).

Outputs: target/compare/cluster.json and target/compare/cluster_report.md.
"""

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy
import sklearn
import snowballstemmer
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import (adjusted_rand_score, completeness_score,
                             homogeneity_score, normalized_mutual_info_score,
                             v_measure_score)
from sklearn.preprocessing import Normalizer

from common import OUT_DIR, ROOT, SPLITS_DIR, median, now_iso
from make_splits import dump_record, sha256_file, write_lines
from report import cpu_model, mem_total_gib
from sklearn_baselines import run_forked, vm_rss_mib
from veille_runs import (VeilleError, check_binary, parse_json_object,
                         run_timed, veille_version)

SECTIONS = ("20ng", "lemonde", "scale")
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
SCALE_SIZES = (10_000, 25_000, 50_000, 100_000)
SCALE_TOTAL = 100_000
SCALE_DROP = 0.05
SCALE_BATCH = 2048
# Bump when the scale-corpus recipe changes: the files are then rebuilt.
SCALE_RECIPE = ("v1: 20ng train+test in that order; copy 0 = original line; "
                "copy c>=1: exactly round(5% of whitespace words) dropped "
                "(random.Random('veille-scale:{c}:{id}').sample), text + "
                "'\\ncopy{c}', id '{id}~copy{c}'; each copy in the order "
                "random.Random('veille-scale-order:{c}').shuffle; copies "
                "0,1,2,... concatenated and cut at 100000")


def log(msg):
    print(msg, flush=True)


def loadavg():
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return [float(x) for x in fh.read().split()[:3]]
    except OSError:
        return None


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Set by main(): longest wait for a quiet machine before each measured run
# (0 = do not wait) and the CPU use, in cores, counted as quiet.
QUIET = {"max_wait_s": 30.0, "threshold_cores": 0.15}


def system_cpu():
    """(busy CPU seconds, steal seconds) of the whole machine so far."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    steal = fields[7] if len(fields) > 7 else 0
    return busy / _CLK_TCK, steal / _CLK_TCK


def own_cpu():
    """CPU seconds of this process and of its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def wait_quiet():
    """Wait (up to QUIET['max_wait_s']) until the rest of the machine uses
    less than QUIET['threshold_cores'] cores over half a second; return the
    seconds waited.  Other sessions share this 2-core machine."""
    start = time.perf_counter()
    while time.perf_counter() - start < QUIET["max_wait_s"]:
        a, own_a = system_cpu(), own_cpu()
        if a is None:
            break
        time.sleep(0.5)
        b, own_b = system_cpu(), own_cpu()
        if (b[0] - a[0]) - (own_b - own_a) < QUIET["threshold_cores"] * 0.5:
            break
    return time.perf_counter() - start


def measured(func, *args):
    """Run func(*args) after wait_quiet(); return (result, interference)
    where interference gives the CPU seconds the rest of the machine used
    while func ran (machine busy time minus this process and the children
    it reaped), the steal time and the wait before the run."""
    waited = wait_quiet() if QUIET["max_wait_s"] > 0 else 0.0
    kids_a = resource.getrusage(resource.RUSAGE_CHILDREN)
    a, own_a = system_cpu(), own_cpu()
    result = func(*args)
    b, own_b = system_cpu(), own_cpu()
    kids_b = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The measured process is the only child reaped meanwhile (GNU time and
    # veille, or the forked scikit-learn child): its CPU time and faults.
    info = {"waited_s": waited, "other_cpu_s": None, "steal_s": None,
            "user_s": kids_b.ru_utime - kids_a.ru_utime,
            "sys_s": kids_b.ru_stime - kids_a.ru_stime,
            "minor_faults": kids_b.ru_minflt - kids_a.ru_minflt}
    if a is not None and b is not None:
        info["other_cpu_s"] = max(0.0, (b[0] - a[0]) - (own_b - own_a))
        info["steal_s"] = b[1] - a[1]
    return result, info


def read_jsonl_raw(path):
    """[(raw line without newline, record)] of a JSON Lines file."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                out.append((line, json.loads(line)))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{lineno}: invalid JSON: {exc}")
    return out


def require_file(path, hint):
    if not os.path.isfile(path):
        sys.exit(f"error: missing {path}\n{hint}")


# --------------------------------------------------------------------------
# scikit-learn side (each seed in a forked child)
# --------------------------------------------------------------------------

class FrenchStemmingAnalyzer:
    """TfidfVectorizer(analyzer=...) for French: lowercase, split with the
    default token pattern, drop the Snowball French stop words (matched on
    the lowercased surface token, before stemming), stem the rest with the
    Snowball French stemmer.  Stems are memoised."""

    def __init__(self, stop_words):
        self._pattern = re.compile(TOKEN_PATTERN)
        self._stop = frozenset(stop_words)
        self._stemmer = snowballstemmer.stemmer("french")
        self._cache = {}

    def __call__(self, doc):
        cache, stop = self._cache, self._stop
        out = []
        for token in self._pattern.findall(doc.lower()):
            if token in stop:
                continue
            stem = cache.get(token)
            if stem is None:
                stem = cache[token] = self._stemmer.stemWord(token)
            out.append(stem)
        return out


def load_stop_words(path):
    require_file(path, "The French stop-word list ships with the repository "
                 "(data/stopwords/fr.txt).")
    with open(path, encoding="utf-8") as fh:
        return [w.strip() for w in fh if w.strip() and not w.startswith("#")]


def make_vectorizer(language, stop_words_fr=None):
    if language == "english":
        return TfidfVectorizer(max_df=0.5, min_df=5, stop_words="english")
    return TfidfVectorizer(max_df=0.5, min_df=5,
                           analyzer=FrenchStemmingAnalyzer(stop_words_fr))


def describe_pipeline(language, k):
    if language == "english":
        vec = 'TfidfVectorizer(max_df=0.5, min_df=5, stop_words="english")'
    else:
        vec = ("TfidfVectorizer(max_df=0.5, min_df=5, analyzer=lowercase -> "
               f"{TOKEN_PATTERN} tokens -> drop data/stopwords/fr.txt words "
               "-> Snowball French stem)")
    return (f"{vec} -> TruncatedSVD(n_components=100, random_state=seed) -> "
            f"Normalizer(copy=False) -> KMeans(n_clusters={k}, n_init=5, "
            f"random_state=seed)")


def thread_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{"user_api": i.get("user_api"),
             "internal_api": i.get("internal_api"),
             "num_threads": i.get("num_threads")}
            for i in threadpool_info()]


def sk_cluster(texts, labels, k, seed, language, stop_words_fr):
    """One seed of the LSA + k-means pipeline; returns a dict of figures."""
    rss_start = vm_rss_mib()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        vec = make_vectorizer(language, stop_words_fr)
        x = vec.fit_transform(texts)
        t1 = time.perf_counter()
        svd = TruncatedSVD(n_components=100, random_state=seed)
        x_lsa = Normalizer(copy=False).fit_transform(svd.fit_transform(x))
        t2 = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=5, random_state=seed).fit(x_lsa)
        t3 = time.perf_counter()
    pred = km.labels_
    return {
        "seed": seed,
        "nmi": float(normalized_mutual_info_score(labels, pred)),
        "ari": float(adjusted_rand_score(labels, pred)),
        "v_measure": float(v_measure_score(labels, pred)),
        "homogeneity": float(homogeneity_score(labels, pred)),
        "completeness": float(completeness_score(labels, pred)),
        "vectorise_s": t1 - t0,
        "svd_s": t2 - t1,
        "kmeans_s": t3 - t2,
        "total_s": t3 - t0,
        "n_features": int(x.shape[1]),
        "explained_variance": float(svd.explained_variance_ratio_.sum()),
        "kmeans_n_iter": int(km.n_iter_),
        "inertia": float(km.inertia_),
        "rss_start_mib": rss_start,
        "peak_rss_mib":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "threads": thread_info(),
        "warnings": sorted({f"{w.category.__name__}: {w.message}"
                            for w in caught}),
    }


def run_sklearn(name, path, k, seeds, language, stop_words_fr=None):
    t0 = time.perf_counter()
    records = [rec for _, rec in read_jsonl_raw(path)]
    texts = [r["text"] for r in records]
    labels = [r["label"] if "label" in r else r["labels"][0]
              for r in records]
    load_s = time.perf_counter() - t0
    runs = []
    for seed in seeds:
        res, info = measured(run_forked, sk_cluster, texts, labels, k,
                             seed, language, stop_words_fr)
        res.update(info)
        runs.append(res)
        log(f"  {name} sklearn seed {seed}: NMI {res['nmi']:.4f} ARI "
            f"{res['ari']:.4f} V {res['v_measure']:.4f} "
            f"{res['total_s']:.2f}s (vectorise {res['vectorise_s']:.2f} svd "
            f"{res['svd_s']:.2f} kmeans {res['kmeans_s']:.2f}) "
            f"{res['peak_rss_mib']:.0f} MiB{interference_note(res)}")
    return {"pipeline": describe_pipeline(language, k), "load_s": load_s,
            "n_documents": len(texts), "n_labels": len(set(labels)),
            "runs": runs, "medians": medians(runs, (
                "nmi", "ari", "v_measure", "vectorise_s", "svd_s",
                "kmeans_s", "total_s", "peak_rss_mib"))}


def interference_note(res):
    parts = []
    if res.get("waited_s", 0) >= 1:
        parts.append(f"waited {res['waited_s']:.0f}s for a quiet machine")
    if res.get("other_cpu_s") is not None:
        parts.append(f"other CPU {res['other_cpu_s']:.2f}s")
    return f" [{', '.join(parts)}]" if parts else ""


def medians(runs, keys):
    return {key: median([r[key] for r in runs if r.get(key) is not None])
            for key in keys}


# --------------------------------------------------------------------------
# veille side (subprocesses)
# --------------------------------------------------------------------------

CLUSTER_REQUIRED = ("k", "nmi", "ari", "v_measure", "n_labelled")


def parse_cluster_output(stdout, cmd):
    obj = parse_json_object(stdout, cmd)
    missing = [key for key in CLUSTER_REQUIRED
               if isinstance(obj.get(key), bool)
               or not isinstance(obj.get(key), (int, float))]
    if missing:
        raise VeilleError(f"`veille cluster --json` output lacks numeric "
                          f"{', '.join(missing)}; top-level keys: "
                          f"{sorted(obj)}")
    return obj


def veille_cluster(binary, data, k, seed, extra=()):
    cmd = [binary, "cluster", "--data", data, "--k", str(k), "--seed",
           str(seed)] + list(extra) + ["--json", "--quiet"]
    wall, rss, stdout, _ = run_timed(cmd)
    obj = parse_cluster_output(stdout, cmd)
    secs = obj.get("seconds")
    return {
        "seed": seed,
        "command": cmd,
        "wall_s": wall,
        "peak_rss_mib": rss,
        "nmi": float(obj["nmi"]),
        "ari": float(obj["ari"]),
        "v_measure": float(obj["v_measure"]),
        "homogeneity": obj.get("homogeneity"),
        "completeness": obj.get("completeness"),
        "k": obj["k"],
        "n_labelled": obj["n_labelled"],
        "n_documents": obj.get("n_documents"),
        "n_features": obj.get("n_features"),
        "objective": obj.get("objective"),
        "seconds": secs,
        "cluster_sizes": [c.get("size") for c in obj.get("clusters", [])
                          if isinstance(c, dict)],
    }


def run_veille_seeds(binary, name, path, k, seeds):
    runs = []
    for seed in seeds:
        res, info = measured(veille_cluster, binary, path, k, seed)
        res.update(info)
        runs.append(res)
        log(f"  {name} veille seed {seed}: NMI {res['nmi']:.4f} ARI "
            f"{res['ari']:.4f} V {res['v_measure']:.4f} "
            f"{res['wall_s']:.2f}s {res['peak_rss_mib']:.0f} MiB "
            f"(n_labelled {res['n_labelled']}){interference_note(res)}")
    return {"runs": runs, "medians": medians(
        runs, ("nmi", "ari", "v_measure", "wall_s", "peak_rss_mib"))}


# --------------------------------------------------------------------------
# Data preparation
# --------------------------------------------------------------------------

def prepare_lemonde(data_dir, splits_dir):
    """Single-label Le Monde articles, source lines copied byte for byte."""
    src = os.path.join(data_dir, "lemonde_2017.jsonl")
    require_file(src, "Pass --data DIR (the folder of the shared corpora).")
    out = os.path.join(splits_dir, "lemonde_single.jsonl")
    lines = [raw for raw, rec in read_jsonl_raw(src)
             if isinstance(rec.get("labels"), list)
             and len(rec["labels"]) == 1]
    write_lines(out, lines)
    log(f"wrote {out} ({len(lines)} single-label articles)")
    return out, len(lines), sha256_file(src)


def perturb(text, rng, copy):
    """Drop exactly round(5%) of the whitespace-separated words (each with
    the whitespace that follows it), then append '\\ncopy{c}'."""
    parts = re.split(r"(\s+)", text)
    # parts alternates word, space, word, ...; a leading '' when text starts
    # with whitespace.  Word positions are the even indices with content.
    word_idx = [i for i in range(0, len(parts), 2) if parts[i]]
    n_drop = round(SCALE_DROP * len(word_idx))
    drop = set(rng.sample(word_idx, n_drop)) if n_drop else set()
    kept = []
    for i, part in enumerate(parts):
        if i in drop or (i - 1 in drop and i % 2 == 1):
            continue
        kept.append(part)
    return "".join(kept).rstrip() + f"\ncopy{copy}", n_drop, len(word_idx)


def build_scale_corpus(splits_dir, force=False, parts=("train", "test"),
                       prefix="scale", total=SCALE_TOTAL, sizes=SCALE_SIZES):
    """`total` articles from the 20NG `parts`; files {prefix}_{10k,...}.jsonl.

    Reused when {prefix}_manifest.json records the same recipe, the same
    source files and the output files still have the recorded hashes.
    (veille_runs.py builds a train-only one for the scaling of training.)
    """
    recipe = (SCALE_RECIPE.replace("train+test", "+".join(parts))
              .replace("100000", str(total)))
    sources = [os.path.join(splits_dir, f"20ng.{p}.jsonl") for p in parts]
    for path in sources:
        require_file(path, "Run benches/compare/make_splits.py --only 20ng "
                     "(or cluster_run.sh / run.sh) first.")
    names = {n: os.path.join(splits_dir, f"{prefix}_{n // 1000}k.jsonl")
             for n in sizes}
    manifest_path = os.path.join(splits_dir, f"{prefix}_manifest.json")
    src_sha = {os.path.basename(p): sha256_file(p) for p in sources}
    if not force and os.path.isfile(manifest_path):
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = json.load(fh)
        if (manifest.get("recipe") == recipe
                and manifest.get("sources_sha256") == src_sha
                and all(os.path.isfile(p)
                        and sha256_file(p) == manifest["files"].get(
                            os.path.basename(p), {}).get("sha256")
                        for p in names.values())):
            log(f"reusing scale corpus ({manifest_path})")
            return names, manifest
    t0 = time.perf_counter()
    base = [pair for path in sources for pair in read_jsonl_raw(path)]
    lines, dropped, words = [], 0, 0
    copy = 0
    while len(lines) < total:
        order = list(range(len(base)))
        random.Random(f"veille-scale-order:{copy}").shuffle(order)
        for idx in order:
            if len(lines) >= total:
                break
            raw, rec = base[idx]
            if copy == 0:
                lines.append(raw)
                continue
            rid = str(rec["id"])
            rng = random.Random(f"veille-scale:{copy}:{rid}")
            text, n_drop, n_words = perturb(rec["text"], rng, copy)
            dropped += n_drop
            words += n_words
            new = dict(rec)
            new["id"] = f"{rid}~copy{copy}"
            new["text"] = text
            lines.append(dump_record(new))
        copy += 1
    files = {}
    for n, path in names.items():
        write_lines(path, lines[:n])
        files[os.path.basename(path)] = {
            "articles": n, "bytes": os.path.getsize(path),
            "text_bytes": sum(len(json.loads(ln)["text"].encode("utf-8"))
                              for ln in lines[:n]),
            "sha256": sha256_file(path)}
    manifest = {"recipe": recipe, "sources_sha256": src_sha,
                "base_articles": len(base), "copies_started": copy,
                "perturbed_words_dropped": dropped,
                "perturbed_words_total": words, "files": files,
                "built_s": time.perf_counter() - t0, "date": now_iso()}
    with open(manifest_path, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    log(f"built scale corpus in {manifest['built_s']:.1f}s: "
        + ", ".join(f"{os.path.basename(p)}" for p in names.values()))
    return names, manifest


def run_scale(binary, names, manifest, repeats_100k):
    rows = []
    plan = [(n, [], 1 if n != SCALE_TOTAL else repeats_100k)
            for n in SCALE_SIZES]
    plan.append((SCALE_TOTAL, ["--batch-size", str(SCALE_BATCH)],
                 repeats_100k))
    for n, extra, repeats in plan:
        path = names[n]
        runs = []
        for rep in range(repeats):
            res, info = measured(veille_cluster, binary, path, 20, 0,
                                 extra)
            res.update(info)
            runs.append(res)
            log(f"  scale {n} {' '.join(extra) or 'full batch'} repeat "
                f"{rep + 1}/{repeats}: {res['wall_s']:.2f}s "
                f"{res['peak_rss_mib']:.0f} MiB NMI {res['nmi']:.4f}"
                f"{interference_note(res)}")
        info = manifest["files"][os.path.basename(path)]
        wall = median([r["wall_s"] for r in runs])
        rows.append({
            "articles": n, "options": " ".join(extra) or "(defaults)",
            "repeats": repeats, "wall_s": wall,
            "wall_s_all": [r["wall_s"] for r in runs],
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "nmi": runs[0]["nmi"], "ari": runs[0]["ari"],
            "v_measure": runs[0]["v_measure"],
            "n_features": runs[0]["n_features"],
            "veille_seconds": runs[0]["seconds"],
            "text_mb": info["text_bytes"] / 1e6,
            "file_mb": info["bytes"] / 1e6,
            "articles_per_s": n / wall,
            "other_cpu_s_all": [r.get("other_cpu_s") for r in runs],
            "user_sys_s_all": [(r.get("user_s"), r.get("sys_s"))
                               for r in runs],
            "minor_faults_all": [r.get("minor_faults") for r in runs],
            "command": runs[0]["command"], "runs": runs})
    return rows


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def f4(x):
    return "-" if x is None else f"{x:.4f}"


def f2(x):
    return "-" if x is None else f"{x:.2f}"


def f0(x):
    return "-" if x is None else f"{x:.0f}"


def quality_table(section):
    sk, ve = section.get("sklearn"), section.get("veille")
    lines = ["| tool | seed | NMI | ARI | V-measure | time s | breakdown s "
             "| peak RSS MiB | other CPU s |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    if sk:
        for r in sk["runs"]:
            lines.append(
                f"| scikit-learn | {r['seed']} | {f4(r['nmi'])} "
                f"| {f4(r['ari'])} | {f4(r['v_measure'])} "
                f"| {f2(r['total_s'])} | vec {r['vectorise_s']:.2f} + svd "
                f"{r['svd_s']:.2f} + km {r['kmeans_s']:.2f} "
                f"| {f0(r['peak_rss_mib'])} | {f2(r.get('other_cpu_s'))} |")
        m = sk["medians"]
        lines.append(
            f"| **scikit-learn median** | | **{f4(m['nmi'])}** "
            f"| **{f4(m['ari'])}** | **{f4(m['v_measure'])}** "
            f"| **{f2(m['total_s'])}** | vec {m['vectorise_s']:.2f} + svd "
            f"{m['svd_s']:.2f} + km {m['kmeans_s']:.2f} "
            f"| {f0(m['peak_rss_mib'])} | |")
    if ve:
        for r in ve["runs"]:
            s = r.get("seconds") or {}
            br = " + ".join(f"{k} {v:.2f}" for k, v in s.items()
                            if isinstance(v, (int, float)))
            lines.append(
                f"| veille | {r['seed']} | {f4(r['nmi'])} | {f4(r['ari'])} "
                f"| {f4(r['v_measure'])} | {f2(r['wall_s'])} "
                f"| {br or '-'} (own) | {f0(r['peak_rss_mib'])} "
                f"| {f2(r.get('other_cpu_s'))} |")
        m = ve["medians"]
        lines.append(
            f"| **veille median** | | **{f4(m['nmi'])}** "
            f"| **{f4(m['ari'])}** | **{f4(m['v_measure'])}** "
            f"| **{f2(m['wall_s'])}** | | {f0(m['peak_rss_mib'])} | |")
    if sk and ve:
        a, b = sk["medians"]["total_s"], ve["medians"]["wall_s"]
        lines += ["", f"Median time ratio: scikit-learn / veille = "
                  f"{a:.2f} s / {b:.2f} s = **{a / b:.2f}x** "
                  f"(veille / scikit-learn = {b / a:.3f}). "
                  f"Median NMI difference (veille - scikit-learn): "
                  f"{ve['medians']['nmi'] - sk['medians']['nmi']:+.4f}; "
                  f"ARI: {ve['medians']['ari'] - sk['medians']['ari']:+.4f}."]
    return "\n".join(lines)


def scale_table(rows):
    lines = ["| articles | options | text MB | repeats | wall s (median) "
             "| all walls s | articles/s | peak RSS MiB | features "
             "| veille read / fit s | CPU user / sys s | minor faults M "
             "| NMI | ARI | other CPU s |",
             "|---:|---|---:|---:|---:|---|---:|---:|---:|---|---|---|"
             "---:|---:|---|"]
    for r in rows:
        s = r.get("veille_seconds") or {}
        own = " / ".join(f"{v:.2f}" for v in s.values()
                         if isinstance(v, (int, float)))
        lines.append(
            f"| {r['articles']:,} | {r['options']} | {r['text_mb']:.1f} "
            f"| {r['repeats']} | {r['wall_s']:.2f} "
            f"| {', '.join(f'{w:.2f}' for w in r['wall_s_all'])} "
            f"| {r['articles_per_s']:,.0f} | {r['peak_rss_mib']:.0f} "
            f"| {r['n_features'] if r['n_features'] is not None else '-'} "
            f"| {own or '-'} "
            f"| {', '.join(f'{u:.1f} / {y:.1f}' for u, y in r['user_sys_s_all'])} "
            f"| {', '.join(f'{m / 1e6:.1f}' for m in r['minor_faults_all'])} "
            f"| {f4(r['nmi'])} | {f4(r['ari'])} "
            f"| {', '.join(f2(x) for x in r.get('other_cpu_s_all', []))} |")
    return "\n".join(lines)


def machine_lines(results):
    m = results["machine"]
    v = results["versions"]
    return [
        f"- date: {results['date']} (run took "
        f"{results['elapsed_s']:.0f} s end to end)",
        f"- nproc: {m['nproc']} usable of {m['cpu_count']} CPUs; CPU: "
        f"{m['cpu_model']}; memory: {m['mem_gib']:.1f} GiB; kernel: "
        f"{m['kernel']}",
        f"- load average (1/5/15 min) at start {m['loadavg_start']}, "
        f"at end {m['loadavg_end']}",
        f"- Python {v['python']}, scikit-learn {v['scikit-learn']}, numpy "
        f"{v['numpy']}, scipy {v['scipy']}, snowballstemmer "
        f"{v['snowballstemmer']}",
        f"- veille: {v['veille']} ({results['veille_binary']['path']}, "
        f"sha256 {results['veille_binary']['sha256'][:16]}..., built "
        f"{results['veille_binary']['mtime']}; the runs used a copy taken "
        f"at start)",
        f"- scikit-learn thread pools: {results.get('sklearn_threads')}",
    ]


def render_report(results):
    out = ["# Clustering: veille vs scikit-learn", ""]
    out += machine_lines(results) + [""]
    s = results["sections"]
    if "20ng" in s:
        sec = s["20ng"]
        out += ["## 1. 20 Newsgroups bydate test (7,532 raw texts, k = 20)",
                "",
                f"- scikit-learn: `{sec['sklearn']['pipeline']}`",
                f"- veille: `veille cluster --data "
                f"target/compare/splits/20ng.test.jsonl --k 20 --seed S "
                f"--json --quiet`",
                f"- seeds {', '.join(map(str, results['seeds']))}; "
                f"{sec['sklearn']['n_documents']} articles, "
                f"{sec['sklearn']['n_labels']} labels, veille scored "
                f"n_labelled = {sec['veille']['runs'][0]['n_labelled']}",
                "", quality_table(sec), ""]
    if "lemonde" in s:
        sec = s["lemonde"]
        out += ["## 2. Le Monde 2017, single-label articles (k = 9 rubrics)",
                "",
                f"- file: target/compare/splits/lemonde_single.jsonl "
                f"({sec['n_documents']} articles whose `labels` has one "
                f"entry, source lines copied as they are)",
                f"- scikit-learn: `{sec['sklearn']['pipeline']}`",
                "- veille: `veille cluster --data "
                "target/compare/splits/lemonde_single.jsonl --k 9 --seed S "
                "--json --quiet`",
                "", quality_table(sec), ""]
    if "scale" in s:
        sec = s["scale"]
        man = sec["manifest"]
        out += ["## 3. Scale: veille cluster --k 20 --seed 0 on a "
                "perturbed-copies corpus", "",
                f"- corpus: the {man['base_articles']:,} 20NG train+test "
                f"articles (copy 0, unchanged) followed by perturbed copies "
                f"1, 2, ... until 100,000; each copy in its own seeded "
                f"random order. A perturbed copy drops exactly round(5%) of "
                f"the whitespace-separated words of the text (seeded per "
                f"article and copy: {man['perturbed_words_dropped']:,} of "
                f"{man['perturbed_words_total']:,} words), appends a line "
                f"`copy{{c}}` and gets the id `<id>~copy{{c}}`; the label "
                f"is kept. `scale_Nk.jsonl` = the first N lines of the 100k "
                f"file (so 10k is originals only).",
                "- command: `veille cluster --data "
                "target/compare/splits/scale_Nk.jsonl --k 20 --seed 0 "
                "--json --quiet` (+ `--batch-size 2048`)",
                "- 'veille read / fit s' is veille's own `seconds` object "
                "(first repeat); 'CPU user / sys s' and 'minor faults M' "
                "(millions of minor page faults) are per repeat, from the "
                "rusage of the reaped process.",
                "", scale_table(sec["rows"]), ""]
    out += ["## How to read this", "",
            "- scikit-learn time: in-process `time.perf_counter` around "
            "vectorise (fit_transform) + TruncatedSVD + Normalizer + KMeans "
            "fit, in a child forked per seed; it excludes Python start-up, "
            "imports and JSON parsing. Its peak RSS is that child's "
            "ru_maxrss, so it includes the interpreter, the imported "
            "libraries and the loaded texts.",
            "- veille time: wall time of the whole `veille cluster` process "
            "(start-up, reading and parsing the JSONL, vectorising, "
            "clustering, naming the clusters, scoring, printing JSON); "
            "peak RSS via GNU time / os.wait4 (veille_runs.run_timed).",
            "- Both sides use the 2 cores: veille's default thread count, "
            "and scikit-learn's OpenMP (KMeans) and BLAS (SVD) pools.",
            "- NMI is scikit-learn's `normalized_mutual_info_score` "
            "(arithmetic mean normalisation), equal to the V-measure with "
            "beta = 1. veille computes its scores itself against the "
            "labels of its single-label articles (`n_labelled`).",
            "- KMeans keeps scikit-learn's defaults other than n_clusters, "
            "n_init=5 and random_state (so max_iter=300, algorithm lloyd). "
            "The scikit-learn gallery example this pipeline comes from "
            "(\"Clustering text documents using k-means\") runs it on 4 of "
            "the 20 groups with headers, footers and quotes removed; here "
            "both tools get all 20 groups and the raw texts.",
            "- Other sessions share this 2-core machine. Before each "
            "measured run the script waits (up to "
            f"{results['quiet']['max_wait_s']:.0f} s) until the rest of the "
            "machine uses less than "
            f"{results['quiet']['threshold_cores']} cores; 'other CPU s' is "
            "the CPU time the rest of the machine used during the run "
            "(busy time from /proc/stat minus this harness and the "
            "children it reaped). A value that is not small next to the "
            "run's time means that run was slowed by other work.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------

def parse_seeds(value):
    seeds = []
    for part in value.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            seeds.extend(range(int(lo), int(hi) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def snapshot_binary(binary, tmpdir):
    """Copy the binary so a concurrent rebuild cannot swap it mid-run."""
    dst = os.path.join(tmpdir, "veille")
    shutil.copy2(binary, dst)
    return dst


def main(argv=None):
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--veille", default=os.path.join(
        ROOT, "target", "release", "veille"), help="veille binary")
    parser.add_argument("--data", default=os.path.join(
        os.path.dirname(ROOT), "shared", "data"),
        help="folder of the shared corpora (for lemonde_2017.jsonl)")
    parser.add_argument("--splits", default=SPLITS_DIR)
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="sections to run: 20ng,lemonde,scale")
    parser.add_argument("--seeds", default="0-4",
                        help="seeds for 20ng and lemonde (e.g. 0-4 or 0,3)")
    parser.add_argument("--scale-repeats", type=int, default=3,
                        help="repeats of the two 100k runs (smaller sizes "
                             "run once)")
    parser.add_argument("--force-scale", action="store_true",
                        help="rebuild the scale corpus even if up to date")
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="longest wait, in seconds, for a quiet "
                             "machine before each measured run (0: none)")
    parser.add_argument("--quiet-threshold", type=float, default=0.15,
                        help="CPU use of other processes, in cores, below "
                             "which the machine counts as quiet")
    parser.add_argument("--stopwords-fr", default=os.path.join(
        ROOT, "data", "stopwords", "fr.txt"))
    parser.add_argument("--out", default=os.path.join(OUT_DIR,
                                                      "cluster.json"))
    parser.add_argument("--report", default=os.path.join(
        OUT_DIR, "cluster_report.md"))
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in only if s not in SECTIONS]
    if bad:
        parser.error(f"unknown section {', '.join(bad)}; known: "
                     f"{', '.join(SECTIONS)}")
    seeds = parse_seeds(args.seeds)
    if not seeds:
        parser.error("--seeds is empty")
    if args.scale_repeats < 1:
        parser.error("--scale-repeats must be at least 1")
    QUIET["max_wait_s"] = max(0.0, args.quiet_wait)
    QUIET["threshold_cores"] = args.quiet_threshold

    binary_path = os.path.abspath(args.veille)
    check_binary(binary_path)
    splits = os.path.abspath(args.splits)
    os.makedirs(splits, exist_ok=True)
    if "20ng" in only:
        require_file(os.path.join(splits, "20ng.test.jsonl"),
                     "Run benches/compare/make_splits.py --only 20ng (or "
                     "cluster_run.sh / run.sh) first.")
    stop_fr = load_stop_words(args.stopwords_fr) if "lemonde" in only \
        else None

    tmpdir = tempfile.mkdtemp(prefix="veille-cluster-")
    try:
        binary = snapshot_binary(binary_path, tmpdir)
        results = {
            "date": now_iso(), "seeds": seeds, "quiet": dict(QUIET),
            "veille_binary": {
                "path": binary_path, "sha256": sha256_file(binary),
                "mtime": time.strftime(
                    "%Y-%m-%dT%H:%M:%S%z",
                    time.localtime(os.path.getmtime(binary_path)))},
            "versions": {
                "python": platform.python_version(),
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "scipy": scipy.__version__,
                "snowballstemmer": getattr(snowballstemmer, "__version__",
                                           None) or pkg_version(
                                               "snowballstemmer"),
                "veille": veille_version(binary) or "no --version"},
            "machine": {
                "nproc": len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity") else os.cpu_count(),
                "cpu_count": os.cpu_count(), "cpu_model": cpu_model(),
                "mem_gib": mem_total_gib() or 0.0,
                "kernel": f"{platform.system()} {platform.release()}",
                "loadavg_start": loadavg()},
            "sections": {},
        }
        sections = results["sections"]
        try:
            if "20ng" in only:
                log("== 1. 20 Newsgroups test, k = 20")
                path = os.path.join(splits, "20ng.test.jsonl")
                sk = run_sklearn("20ng", path, 20, seeds, "english")
                ve = run_veille_seeds(binary, "20ng", path, 20, seeds)
                sections["20ng"] = {"file": path, "k": 20, "sklearn": sk,
                                    "veille": ve,
                                    "loadavg_after": loadavg()}
            if "lemonde" in only:
                log("== 2. Le Monde 2017 single-label, k = 9")
                path, n, src_sha = prepare_lemonde(args.data, splits)
                sk = run_sklearn("lemonde", path, 9, seeds, "french",
                                 stop_fr)
                ve = run_veille_seeds(binary, "lemonde", path, 9, seeds)
                sections["lemonde"] = {"file": path, "k": 9,
                                       "n_documents": n,
                                       "source_sha256": src_sha,
                                       "stop_words_fr": len(stop_fr),
                                       "sklearn": sk, "veille": ve,
                                       "loadavg_after": loadavg()}
            if "scale" in only:
                log("== 3. Scale")
                names, manifest = build_scale_corpus(splits,
                                                     args.force_scale)
                rows = run_scale(binary, names, manifest,
                                 args.scale_repeats)
                sections["scale"] = {"manifest": manifest, "rows": rows,
                                     "loadavg_after": loadavg()}
        except VeilleError as exc:
            sys.exit(f"error: {exc}")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    for sec in sections.values():
        sk = sec.get("sklearn")
        if sk and sk["runs"]:
            results["sklearn_threads"] = sk["runs"][0].get("threads")
    results["machine"]["loadavg_end"] = loadavg()
    results["elapsed_s"] = time.perf_counter() - started
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2)
        fh.write("\n")
    text = render_report(results)
    with open(args.report, "w", encoding="utf-8") as fh:
        fh.write(text)
    print()
    print(text)
    for name, sec in sections.items():
        for run in (sec.get("sklearn") or {}).get("runs", []):
            if run["warnings"]:
                log(f"warnings in {name} sklearn seed {run['seed']}: "
                    f"{'; '.join(run['warnings'])}")
    log(f"wrote {args.out} and {args.report} "
        f"({results['elapsed_s']:.0f} s)")


def pkg_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:  # noqa: BLE001 - only informative
        return None


if __name__ == "__main__":
    main()
