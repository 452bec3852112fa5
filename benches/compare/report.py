#!/usr/bin/env python3
"""Merge sklearn.json, fasttext.json and veille.json into
target/compare/report.md.

One table per corpus: quality, wall time, peak RSS, and how veille's time
compares with every scikit-learn and fastText row (speedup = their time /
veille's time); then a quality-per-second verdict against each tool, the
classification throughput and the machine facts.  Any input may be
missing: the report then shows what there is.
"""

import argparse
import json
import os
import platform
import time

from common import CORPORA, OUT_DIR, fmt


def load(path):
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gib():
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 ** 2
    except OSError:
        pass
    return None


def machine_facts(sk_rows, ft_rows, v_rows):
    usable = (len(os.sched_getaffinity(0))
              if hasattr(os, "sched_getaffinity") else None)
    mem = mem_total_gib()
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- nproc: {usable} usable of {os.cpu_count()} CPUs",
        f"- CPU: {cpu_model()}",
        f"- memory: {mem:.1f} GiB" if mem else "- memory: unknown",
        f"- kernel: {platform.system()} {platform.release()}",
    ]
    if sk_rows:
        versions = sk_rows[0].get("versions", {})
        lines.append("- scikit-learn run: " + ", ".join(
            f"{k} {v}" for k, v in versions.items())
            + f" (first row dated {sk_rows[0].get('date')})")
    if ft_rows:
        versions = ft_rows[0].get("versions", {})
        lines.append("- fastText run: " + ", ".join(
            f"{k} {v}" for k, v in versions.items())
            + f" (first row dated {ft_rows[0].get('date')})")
    if v_rows:
        lines.append(f"- veille: {v_rows[0].get('binary')} "
                     f"({v_rows[0].get('veille_version') or 'no --version'}"
                     f", first row dated {v_rows[0].get('date')})")
    return "\n".join(lines)


def primary_metric(kind):
    return "accuracy" if kind == "single" else "micro_f1"


# "As accurate" in the verdict: within half a point of the primary metric.
TOLERANCE = 0.005
# "Much faster": at least this many times.
FASTER = 5.0


def verdict(kind, veille, rows, tool):
    """Where veille's default pipeline stands against one tool's rows on the
    quality-per-second front: ahead of a row when it is more accurate at no
    more time, or as accurate (within TOLERANCE) at least FASTER times
    faster; behind when the row is more accurate at no more time."""
    if not veille or not rows:
        return None
    metric = primary_metric(kind)
    # Like for like: the baselines are timed in-process, so veille is too
    # when the run recorded it (train + evaluate, as `veille train --json`
    # reports them); else its whole process.
    v_m = veille["metrics"].get(metric)
    v_t = veille.get("train_inproc_s") or veille["train_wall_s"]
    best = max(rows, key=lambda r: r["metrics"][metric])
    b_m, b_t = best["metrics"][metric], best["total_s"]
    speed = b_t / v_t
    if v_m is None:
        return f"- vs {tool}: veille's {metric} is missing"
    if v_m > b_m and v_t <= b_t:
        state = "ahead (more accurate at no more time)"
    elif v_m >= b_m - TOLERANCE and speed >= FASTER:
        state = f"ahead (as accurate within {TOLERANCE}, {FASTER:.0f}x+ faster)"
    elif v_m >= b_m - TOLERANCE and v_t <= b_t:
        state = ("NOT ahead: as accurate and faster, but less than "
                 f"{FASTER:.0f}x faster")
    elif v_m > b_m:
        state = "NOT ahead: more accurate but slower"
    elif v_m >= b_m - TOLERANCE:
        state = "NOT ahead: as accurate but slower"
    else:
        state = "NOT ahead: less accurate"
    dominated_by = [r["pipeline"] for r in rows
                    if r["metrics"][metric] > v_m and r["total_s"] <= v_t]
    line = (f"- vs {tool} (best: {best['pipeline']}): {state}; {metric} "
            f"{v_m:.4f} vs {b_m:.4f} ({v_m - b_m:+.4f}), time {v_t:.2f} s "
            f"{'in-process' if veille.get('train_inproc_s') else 'process'} "
            f"vs {b_t:.2f} s ({speed:.2f}x)")
    if dominated_by:
        line += ("; more accurate at no more time than veille: "
                 + ", ".join(dominated_by))
    return line


def corpus_section(corpus, sk, ft, veille):
    kind = (sk or ft or [veille])[0]["kind"]
    multi = kind == "multi"
    v_time = veille["train_wall_s"] if veille else None

    head = ["tool", "pipeline", "accuracy", "macro-F1", "micro-F1"]
    if multi:
        head += ["subset acc", "Hamming"]
    head += ["time s", "peak RSS MiB", "veille speedup"]
    lines = [f"## {corpus} ({'multi' if multi else 'single'}-label)", ""]
    ref = (sk or ft or [veille])[0]
    if "train_docs" in ref:
        lines += [f"{ref['train_docs']} train / {ref['test_docs']} test "
                  f"documents.", ""]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|---|---|" + "---:|" * (len(head) - 2))

    def cells(tool, name, metrics, secs, rss, speedup):
        row = [tool, name, fmt(metrics.get("accuracy")),
               fmt(metrics.get("macro_f1")), fmt(metrics.get("micro_f1"))]
        if multi:
            row += [fmt(metrics.get("subset_accuracy")),
                    fmt(metrics.get("hamming_loss"), 5)]
        row += [fmt(secs, 2), fmt(rss, 0), speedup]
        return "| " + " | ".join(row) + " |"

    if veille:
        lines.append(cells("**veille**", "defaults", veille["metrics"],
                           v_time, veille["train_peak_rss_mib"], "1.00x"))
    for tool, rows in (("sklearn", sk), ("fastText", ft)):
        best = next((r for r in rows if r.get("best")), None)
        for r in ([best] if best else []) + [r for r in rows if r is not best]:
            name = r["pipeline"] + (" (extra)" if r.get("extra") else "")
            if r.get("metrics_vary"):
                name += " (varies)"
            if r is best:
                name = f"**{name}** (best)"
            speedup = f"{r['total_s'] / v_time:.2f}x" if v_time else "-"
            rss = r["peak_rss_mib"]
            if r.get("peak_rss_workers_mib"):
                rss = f"{rss:.0f} (+workers {r['peak_rss_workers_mib']:.0f})"
            lines.append(cells(tool, name, r["metrics"], r["total_s"], rss,
                               speedup))
    lines.append("")
    if any(r.get("quality_only") for r in sk):
        lines += ["scikit-learn rows from a `--quality-only` run: one "
                  "repeat, each vectoriser fitted once and shared by its "
                  "classifiers, so their times and peak RSS are not those "
                  "of a pipeline alone.", ""]
    verdicts = [v for v in (verdict(kind, veille, sk, "scikit-learn"),
                            verdict(kind, veille, ft, "fastText")) if v]
    if verdicts:
        lines += ["Quality per second (primary metric: "
                  f"{primary_metric(kind)}):", ""] + verdicts + [""]
    return "\n".join(lines)


def throughput_section(sk_rows, ft_rows, v_rows):
    lines = ["## Classification throughput", "",
             "| corpus | veille classify MB/s | veille wall s "
             "| best sklearn transform+predict MB/s | sklearn s "
             "| best fastText predict MB/s | fastText s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    corpora = [c for c in CORPORA
               if any(r["corpus"] == c for r in sk_rows + ft_rows + v_rows)]
    for corpus in corpora:
        v = next((r for r in v_rows if r["corpus"] == corpus), None)
        b = next((r for r in sk_rows
                  if r["corpus"] == corpus and r.get("best")), None)
        f = next((r for r in ft_rows
                  if r["corpus"] == corpus and r.get("best")), None)
        lines.append(
            f"| {corpus} | {fmt(v and v['classify_mb_s'], 2)} "
            f"| {fmt(v and v['classify_wall_s'], 3)} "
            f"| {fmt(b and b['infer_mb_s'], 2)} "
            f"| {fmt(b and b['infer_s'], 3)} "
            f"| {fmt(f and f['infer_mb_s'], 2)} "
            f"| {fmt(f and f['infer_s'], 3)} |")
    lines += ["", "MB/s = UTF-8 bytes of the test texts (10^6 bytes) / "
              "wall seconds (median of the repeats). veille: the whole "
              "`veille classify` process (start-up, model load, JSON in and "
              "out); scikit-learn: in-process transform + predict; fastText: "
              "in-process normalisation + predict.", ""]
    return "\n".join(lines)


def bench_section(bench_rows, sk_rows, ft_rows):
    """`veille bench` grids (configurations, total time, best against the
    best scikit-learn and fastText rows) and scaling series."""
    lines = []
    for b in (r for r in bench_rows if r["kind"] == "grid"):
        rep = b["report"]
        corpus = b["corpus"]
        metric = rep["metric"].replace("-", "_")
        lines += [f"## veille bench grid on {corpus}", "",
                  f"`{' '.join(os.path.basename(c) if '/' in c else c for c in b['command'])}`"
                  f": {len(rep['results'])} configurations, "
                  f"{rep['protocol']}, whole process {b['wall_s']:.1f} s, "
                  f"peak RSS {b['peak_rss_mib']:.0f} MiB.", "",
                  "| config | algo | accuracy | macro-F1 | micro-F1 | NMI "
                  "| fit s | predict art/s | peak heap MiB | model MiB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rep["results"]:
            q = r.get("quality", {})
            name = r["name"] + (" **(best)**" if r["name"] == rep.get("best")
                                else "")
            if "error" in r:
                lines.append(f"| {name} | {r['algo']} | failed: "
                             f"{r['error']} ||||||||")
                continue
            peak = r.get("peak_heap_bytes")
            lines.append(
                f"| {name} | {r['algo']} | {fmt(q.get('accuracy'))} "
                f"| {fmt(q.get('macro_f1'))} | {fmt(q.get('micro_f1'))} "
                f"| {fmt(q.get('nmi'))} | {r['fit_seconds']:.2f} "
                f"| {r['articles_per_second']:.0f} "
                f"| {fmt(peak and peak / 2**20, 0)} "
                f"| {r['model_bytes'] / 2**20:.1f} |")
        best = next((r for r in rep["results"]
                     if r["name"] == rep.get("best")), None)
        lines.append("")
        if best:
            for tool, rows in (("scikit-learn", sk_rows),
                               ("fastText", ft_rows)):
                rows = [r for r in rows if r["corpus"] == corpus]
                if not rows:
                    continue
                for m in ("accuracy", "macro_f1", "micro_f1"):
                    # Multi-label rows have subset accuracy, not accuracy.
                    rows_m = [r for r in rows if m in r["metrics"]]
                    mine = best["quality"].get(m)
                    if mine is None or not rows_m:
                        continue
                    other = max(rows_m, key=lambda r: r["metrics"][m])
                    ok = "at least as good" if mine >= other["metrics"][m] \
                        else "BELOW"
                    lines.append(
                        f"- best config ({best['name']}) vs best {tool} by "
                        f"{m} ({other['pipeline']}): {mine:.4f} vs "
                        f"{other['metrics'][m]:.4f}: {ok}")
            lines.append(f"- ranked by {metric}; report: "
                         f"`{os.path.relpath(b['html'], OUT_DIR)}` under "
                         "target/compare/")
            lines.append("")
    for b in (r for r in bench_rows if r["kind"] == "scaling"):
        rep = b["report"]
        lines += [f"## Scaling of the default pipeline on {b['corpus']}", "",
                  f"{rep['protocol']}; nested seeded training subsets, then "
                  "vocabulary caps (max_features) on all training articles; "
                  "predict = the whole test set.", "",
                  "| series | train articles | train MB | features | fit s "
                  "| predict s | predict art/s | peak heap MiB | model MiB "
                  f"| {rep['metric']} |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for p in rep.get("scaling", []):
            peak = p.get("peak_heap_bytes")
            lines.append(
                f"| {p['series']} | {p['n_train']} | {p['train_mb']:.1f} "
                f"| {p['n_features']} | {p['fit_seconds']:.2f} "
                f"| {p['predict_seconds']:.2f} "
                f"| {p['articles_per_second']:.0f} "
                f"| {fmt(peak and peak / 2**20, 0)} "
                f"| {p['model_bytes'] / 2**20:.1f} | {p['quality']:.4f} |")
        lines.append("")
    return "\n".join(lines)


NOTES = """## How to read this

- veille time: median wall time of the whole `veille train` process
  (start-up, reading the JSONL files, training, scoring the test split,
  writing the model). Peak RSS: ru_maxrss of that process (os.wait4).
- sklearn time: median in-process time of vectorise (fit on train,
  transform test) + fit + predict; it excludes Python start-up, imports and
  JSON parsing. Peak RSS: ru_maxrss of the forked process that held the
  loaded corpus and ran the pipeline; "+workers" is the largest joblib
  worker process (OneVsRestClassifier(n_jobs=2)).
- fastText time: median in-process time of writing the normalised,
  shuffled training file + train_supervised + normalising and predicting
  the test texts (fasttext-wheel, thread=2); peak RSS as for scikit-learn.
  "(varies)": repeats gave different metrics (multi-threaded training is
  not deterministic); the first repeat's are shown.
- "veille speedup" per row = that row's time / veille's time (> 1: veille
  is faster).
- Quality per second: veille is ahead of a tool when it is more accurate
  than the tool's most accurate row at no more time, or as accurate
  (within 0.005) and at least 5x faster. The verdict compares in-process
  times on both sides (veille: training + scoring the test split, the
  median of the `seconds` that `veille train --json` reports); the tables
  show veille's whole process, start-up and model writing included.
- Best sklearn pipeline = highest accuracy (single-label) or micro-F1
  (multi-label). Rows marked "(extra)" were added beyond the pipelines of
  the original brief.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sklearn", default=os.path.join(OUT_DIR,
                                                          "sklearn.json"))
    parser.add_argument("--fasttext", default=os.path.join(OUT_DIR,
                                                           "fasttext.json"))
    parser.add_argument("--veille", default=os.path.join(OUT_DIR,
                                                         "veille.json"))
    parser.add_argument("--out", default=os.path.join(OUT_DIR, "report.md"))
    args = parser.parse_args(argv)

    sk_rows, v_rows = load(args.sklearn), load(args.veille)
    ft_rows = load(args.fasttext)
    if not sk_rows and not v_rows and not ft_rows:
        raise SystemExit(f"nothing to report: none of {args.sklearn}, "
                         f"{args.fasttext}, {args.veille} exists")
    parts = ["# veille vs scikit-learn and fastText", "",
             machine_facts(sk_rows, ft_rows, v_rows), ""]
    if not v_rows:
        parts += ["_No veille results (veille.json missing)._", ""]
    if not sk_rows:
        parts += ["_No scikit-learn results (sklearn.json missing)._", ""]
    if not ft_rows:
        parts += ["_No fastText results (fasttext.json missing)._", ""]
    for corpus in CORPORA:
        sk = [r for r in sk_rows if r["corpus"] == corpus]
        ft = [r for r in ft_rows if r["corpus"] == corpus]
        veille = next((r for r in v_rows if r["corpus"] == corpus), None)
        if sk or ft or veille:
            parts.append(corpus_section(corpus, sk, ft, veille))
    parts.append(throughput_section(sk_rows, ft_rows, v_rows))
    bench_rows = load(os.path.join(os.path.dirname(args.out), "bench.json"))
    if bench_rows:
        parts.append(bench_section(bench_rows, sk_rows, ft_rows))
    parts.append(NOTES)
    text = "\n".join(parts)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
