#!/usr/bin/env python3
"""Merge sklearn.json and veille.json into target/compare/report.md.

One table per corpus: quality, wall time, peak RSS, and how veille's time
compares with the best scikit-learn pipeline (veille time / best sklearn
time, and speedup = best sklearn time / veille time); then classification
throughput and the machine facts.  Either input may be missing: the report
then shows what there is.
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


def machine_facts(sk_rows, v_rows):
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
    if v_rows:
        lines.append(f"- veille: {v_rows[0].get('binary')} "
                     f"({v_rows[0].get('veille_version') or 'no --version'}"
                     f", first row dated {v_rows[0].get('date')})")
    return "\n".join(lines)


def primary_metric(kind):
    return "accuracy" if kind == "single" else "micro_f1"


def corpus_section(corpus, sk, veille):
    kind = (sk or [veille])[0]["kind"]
    multi = kind == "multi"
    best = next((r for r in sk if r.get("best")), None)
    v_time = veille["train_wall_s"] if veille else None

    head = ["tool", "pipeline", "accuracy", "macro-F1", "micro-F1"]
    if multi:
        head += ["subset acc", "Hamming"]
    head += ["time s", "peak RSS MiB", "veille speedup"]
    lines = [f"## {corpus} ({'multi' if multi else 'single'}-label)", ""]
    ref = sk[0] if sk else veille
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
    ordered = ([best] if best else []) + [r for r in sk if r is not best]
    for r in ordered:
        name = r["pipeline"] + (" (extra)" if r.get("extra") else "")
        if r is best:
            name = f"**{name}** (best)"
        speedup = f"{r['total_s'] / v_time:.2f}x" if v_time else "-"
        rss = r["peak_rss_mib"]
        if r.get("peak_rss_workers_mib"):
            rss = f"{rss:.0f} (+workers {r['peak_rss_workers_mib']:.0f})"
        lines.append(cells("sklearn", name, r["metrics"], r["total_s"],
                           rss, speedup))
    lines.append("")

    if best and veille:
        metric = primary_metric(kind)
        v_m, s_m = veille["metrics"].get(metric), best["metrics"][metric]
        delta = f"{v_m - s_m:+.4f}" if v_m is not None else "-"
        lines += [
            f"- veille time / best sklearn time: "
            f"{v_time / best['total_s']:.3f}",
            f"- speedup (best sklearn time / veille time): "
            f"{best['total_s'] / v_time:.2f}x",
            f"- {metric} difference (veille - best sklearn): {delta}",
            "",
        ]
    return "\n".join(lines)


def throughput_section(sk_rows, v_rows):
    lines = ["## Classification throughput", "",
             "| corpus | veille classify MB/s | veille wall s "
             "| best sklearn transform+predict MB/s | sklearn s |",
             "|---|---:|---:|---:|---:|"]
    corpora = [c for c in CORPORA
               if any(r["corpus"] == c for r in sk_rows + v_rows)]
    for corpus in corpora:
        v = next((r for r in v_rows if r["corpus"] == corpus), None)
        b = next((r for r in sk_rows
                  if r["corpus"] == corpus and r.get("best")), None)
        lines.append(
            f"| {corpus} | {fmt(v and v['classify_mb_s'], 2)} "
            f"| {fmt(v and v['classify_wall_s'], 3)} "
            f"| {fmt(b and b['infer_mb_s'], 2)} "
            f"| {fmt(b and b['infer_s'], 3)} |")
    lines += ["", "MB/s = UTF-8 bytes of the test texts (10^6 bytes) / "
              "wall seconds (median of the repeats).", ""]
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
- "veille speedup" per row = that row's time / veille's time (> 1: veille
  is faster).
- Best sklearn pipeline = highest accuracy (single-label) or micro-F1
  (multi-label). Rows marked "(extra)" were added beyond the pipelines of
  the original brief.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sklearn", default=os.path.join(OUT_DIR,
                                                          "sklearn.json"))
    parser.add_argument("--veille", default=os.path.join(OUT_DIR,
                                                         "veille.json"))
    parser.add_argument("--out", default=os.path.join(OUT_DIR, "report.md"))
    args = parser.parse_args(argv)

    sk_rows, v_rows = load(args.sklearn), load(args.veille)
    if not sk_rows and not v_rows:
        raise SystemExit(f"nothing to report: neither {args.sklearn} nor "
                         f"{args.veille} exists")
    parts = ["# veille vs scikit-learn", "", machine_facts(sk_rows, v_rows),
             ""]
    if not v_rows:
        parts += ["_No veille results (veille.json missing)._", ""]
    if not sk_rows:
        parts += ["_No scikit-learn results (sklearn.json missing)._", ""]
    for corpus in CORPORA:
        sk = [r for r in sk_rows if r["corpus"] == corpus]
        veille = next((r for r in v_rows if r["corpus"] == corpus), None)
        if sk or veille:
            parts.append(corpus_section(corpus, sk, veille))
    parts.append(throughput_section(sk_rows, v_rows))
    parts.append(NOTES)
    text = "\n".join(parts)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
