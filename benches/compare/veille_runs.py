#!/usr/bin/env python3
"""Run the veille binary, with its default settings, on the shared splits.

Per corpus, each command is run --repeats times; the wall time reported is
the median, the peak RSS the largest ru_maxrss seen (os.wait4 returns the
rusage of exactly the child it reaps).

* train:    veille train --data TRAIN.jsonl --test TEST.jsonl
                         --out target/compare/models/<corpus>.veille
                         --json --quiet
  prints one JSON object on stdout with at least `accuracy`, `macro_f1`,
  `micro_f1` (and `subset_accuracy`, `hamming_loss` for multi-label data).
* classify: veille classify --model target/compare/models/<corpus>.veille
                            TEST.jsonl --format jsonl --quiet > /dev/null
  reported as MB/s = UTF-8 bytes of the input `text` fields / wall seconds.

Results go to target/compare/veille.json (a list of rows, one per corpus).

With --bench CORPORA, also `veille bench` on those corpora's splits (the
default grid, --report target/compare/bench-<corpus>-grid.html), timed as
one process; and with --scaling CORPORA, `veille bench --scaling auto` with
the default pipeline alone (grids/default-only.toml) on those corpora. For
20ng the scaling runs on 120,000 training articles: the 20NG training
split and perturbed copies of it (cluster_compare.py's recipe, built once
into target/compare/splits/scaletrain_120k.jsonl), scored on the untouched
20NG test split. Their JSON goes to target/compare/bench.json (one row per
corpus and kind).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import (KIND, ONLY_HELP, OUT_DIR, ROOT, SPLITS_DIR, median,
                    merge_rows, now_iso, parse_only, require_splits,
                    split_path, text_bytes)

REQUIRED = ("accuracy", "macro_f1", "micro_f1")
# Training articles of the 20ng scaling series.
SCALE_TRAIN = 120_000
MULTI_EXTRA = ("subset_accuracy", "hamming_loss")


class VeilleError(RuntimeError):
    pass


def check_binary(path):
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        sys.exit(f"error: veille binary not found (or not executable) at "
                 f"{path}\nBuild it with `cargo build --release` in {ROOT} "
                 f"(run.sh does this unless --skip-veille), or pass "
                 f"--veille PATH.")


def run_timed(cmd, stdout_path=None):
    """Run cmd; return (wall seconds, peak RSS MiB, stdout text, stderr).

    stdout goes to stdout_path when given (e.g. /dev/null), else to a
    temporary file that is read back.  The child is reaped with os.wait4,
    which returns its own resource usage.  On Linux a forked child's
    ru_maxrss starts from the forking Python's size, which hides small
    processes; so when GNU time is available the command runs under
    `/usr/bin/time -f %M`, whose own fork is tiny, and its figure is used.
    """
    gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    rss_file = tempfile.NamedTemporaryFile(delete=False) if gnu_time else None
    if gnu_time:
        rss_file.close()
        cmd = [gnu_time, "-f", "%M", "-o", rss_file.name] + list(cmd)
    with tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as tmp_out:
        out = open(stdout_path, "wb") if stdout_path else tmp_out
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        finally:
            if stdout_path:
                out.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        stdout = ""
        if not stdout_path:
            tmp_out.seek(0)
            stdout = tmp_out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise VeilleError(
            f"command failed with exit code {proc.returncode}: "
            f"{' '.join(cmd)}\n--- stderr (last 2000 chars) ---\n"
            f"{stderr[-2000:]}")
    peak_kib = usage.ru_maxrss
    if rss_file:
        with open(rss_file.name, encoding="utf-8") as fh:
            lines = [ln for ln in fh.read().split() if ln.isdigit()]
        os.unlink(rss_file.name)
        if lines:
            peak_kib = int(lines[-1])
    return wall, peak_kib / 1024.0, stdout, stderr


def parse_json_object(stdout, cmd):
    """The one JSON object a `veille ... --json` command prints on stdout."""
    text = stdout.strip()
    obj = None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        # Tolerate stray lines before the object: try the last line.
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if lines:
            try:
                obj = json.loads(lines[-1])
            except json.JSONDecodeError:
                pass
    if not isinstance(obj, dict):
        raise VeilleError(f"expected one JSON object on stdout of "
                          f"{' '.join(cmd)}, got:\n{text[:2000]!r}")
    return obj


def parse_train_output(stdout, kind, cmd):
    """Parse and check the JSON object `veille train --json` prints."""
    obj = parse_json_object(stdout, cmd)
    metrics = {}
    missing = []
    keys = REQUIRED + (MULTI_EXTRA if kind == "multi" else ())
    for key in keys:
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            missing.append(key)
            metrics[key] = None
        else:
            metrics[key] = float(value)
    required_missing = [k for k in missing if k in REQUIRED]
    if required_missing:
        raise VeilleError(f"veille train output lacks numeric "
                          f"{', '.join(required_missing)}; top-level keys: "
                          f"{sorted(obj)}")
    return metrics, missing, obj


def count_lines(path):
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def veille_version(binary):
    try:
        res = subprocess.run([binary, "--version"], capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if res.returncode != 0:
        return None
    return res.stdout.strip() or None


def run_corpus(binary, splits_dir, models_dir, corpus, repeats):
    kind = KIND[corpus]
    train = split_path(splits_dir, corpus, "train")
    test = split_path(splits_dir, corpus, "test")
    model = os.path.join(models_dir, f"{corpus}.veille")
    train_cmd = [binary, "train", "--data", train, "--test", test,
                 "--out", model, "--json", "--quiet"]
    classify_cmd = [binary, "classify", "--model", model, test,
                    "--format", "jsonl", "--quiet"]

    # A model left by an earlier run must not hide a train that writes none.
    if os.path.exists(model):
        os.remove(model)
    train_runs = []
    inproc = []
    for rep in range(repeats):
        wall, rss, stdout, _ = run_timed(train_cmd)
        metrics, missing, raw = parse_train_output(stdout, kind, train_cmd)
        if rep == 0:
            first_missing, first_raw = missing, raw
        secs = raw.get("seconds", {})
        inproc.append(secs.get("train", 0.0) + secs.get("evaluate", 0.0))
        train_runs.append((wall, rss, metrics))
        print(f"  {corpus} train repeat {rep + 1}/{repeats}: {wall:.2f}s",
              flush=True)
    if not os.path.isfile(model):
        raise VeilleError(f"veille train did not write the model {model}")

    classify_runs = []
    for rep in range(repeats):
        wall, rss, _, _ = run_timed(classify_cmd, stdout_path=os.devnull)
        classify_runs.append((wall, rss))
        print(f"  {corpus} classify repeat {rep + 1}/{repeats}: "
              f"{wall:.2f}s", flush=True)

    first = train_runs[0][2]
    test_bytes = text_bytes(test)
    classify_s = median([w for w, _ in classify_runs])
    return {
        "corpus": corpus,
        "kind": kind,
        "pipeline": "veille (defaults)",
        "metrics": first,
        "metrics_missing": first_missing,
        "metrics_vary": any(m != first for _, _, m in train_runs),
        "veille_output": first_raw,
        "repeats": repeats,
        "train_command": train_cmd,
        "train_wall_s": median([w for w, _, _ in train_runs]),
        "train_wall_s_all": [w for w, _, _ in train_runs],
        # Training + scoring the test split inside the process, timed as the
        # baselines are (no start-up, no JSON reading, no model writing).
        "train_inproc_s": median(inproc),
        "train_peak_rss_mib": max(r for _, r, _ in train_runs),
        "train_docs": count_lines(train),
        "test_docs": count_lines(test),
        "train_text_bytes": text_bytes(train),
        "test_text_bytes": test_bytes,
        "model_bytes": os.path.getsize(model),
        "classify_command": classify_cmd + [">", os.devnull],
        "classify_wall_s": classify_s,
        "classify_wall_s_all": [w for w, _ in classify_runs],
        "classify_peak_rss_mib": max(r for _, r in classify_runs),
        "classify_mb_s": test_bytes / 1e6 / classify_s,
    }


def run_bench(binary, splits_dir, corpus, scaling):
    """One `veille bench` process on a corpus's splits; its JSON and time."""
    train = split_path(splits_dir, corpus, "train")
    test = split_path(splits_dir, corpus, "test")
    if scaling and corpus == "20ng":
        from cluster_compare import build_scale_corpus
        names, _ = build_scale_corpus(splits_dir, parts=("train",),
                                      prefix="scaletrain", total=SCALE_TRAIN,
                                      sizes=(SCALE_TRAIN,))
        train = names[SCALE_TRAIN]
    kind = "scaling" if scaling else "grid"
    html = os.path.join(OUT_DIR, f"bench-{corpus}-{kind}.html")
    cmd = [binary, "bench", "--data", train, "--test", test, "--json",
           "--quiet", "--report", html]
    if scaling:
        cmd += ["--grid", os.path.join(os.path.dirname(__file__), "grids",
                                       "default-only.toml"),
                "--scaling", "auto"]
    wall, rss, stdout, _ = run_timed(cmd)
    report = parse_json_object(stdout, cmd)
    print(f"  {corpus} bench ({kind}): {len(report['results'])} "
          f"configurations in {wall:.1f}s, best {report.get('best')}",
          flush=True)
    return {"corpus": corpus, "kind": kind, "command": cmd,
            "wall_s": wall, "peak_rss_mib": rss, "html": html,
            "report": report, "date": now_iso()}


def veille_parser(description, default_out):
    """An argument parser with the options of every script that runs the
    binary: --veille, --only, --splits, --models, --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--veille",
                        default=os.path.join(ROOT, "target", "release",
                                             "veille"),
                        help="path of the veille binary")
    parser.add_argument("--only", default="all", help=ONLY_HELP)
    parser.add_argument("--splits", default=SPLITS_DIR,
                        help="folder written by make_splits.py")
    parser.add_argument("--models", default=os.path.join(OUT_DIR, "models"),
                        help="folder for the trained models")
    parser.add_argument("--out", default=os.path.join(OUT_DIR, default_out))
    return parser


def main(argv=None):
    parser = veille_parser(__doc__.split("\n")[0], "veille.json")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per command; wall times are medians")
    parser.add_argument("--bench", default="",
                        help="corpora to run `veille bench` on (grid)")
    parser.add_argument("--scaling", default="",
                        help="corpora to run `veille bench --scaling` on")
    parser.add_argument("--skip-runs", action="store_true",
                        help="only the --bench / --scaling runs")
    args = parser.parse_args(argv)
    corpora = [] if args.skip_runs else parse_only(args.only, parser)
    bench = parse_only(args.bench, parser) if args.bench else []
    scaling = parse_only(args.scaling, parser) if args.scaling else []
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    binary = os.path.abspath(args.veille)
    check_binary(binary)
    for corpus in corpora:
        require_splits(args.splits, corpus)
    os.makedirs(args.models, exist_ok=True)

    version = veille_version(binary)
    rows = []
    for corpus in corpora:
        print(f"{corpus}: veille x {args.repeats} repeats", flush=True)
        try:
            row = run_corpus(binary, args.splits, args.models, corpus,
                             args.repeats)
        except VeilleError as exc:
            sys.exit(f"error: {corpus}: {exc}")
        row.update(binary=binary, veille_version=version, date=now_iso())
        rows.append(row)
        m = row["metrics"]
        print(f"  {corpus}: accuracy {m['accuracy']:.4f}, macro-F1 "
              f"{m['macro_f1']:.4f}, micro-F1 {m['micro_f1']:.4f}; train "
              f"{row['train_wall_s']:.2f}s, {row['train_peak_rss_mib']:.0f} "
              f"MiB; classify {row['classify_mb_s']:.2f} MB/s", flush=True)
        if row["metrics_missing"]:
            print(f"  warning: {corpus}: veille output lacks "
                  f"{', '.join(row['metrics_missing'])}", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if corpora:
        merge_rows(args.out, rows, corpora)
        print(f"wrote {args.out}")
    bench_rows = []
    for corpus, is_scaling in ([(c, False) for c in bench]
                               + [(c, True) for c in scaling]):
        require_splits(args.splits, corpus)
        try:
            bench_rows.append(run_bench(binary, args.splits, corpus,
                                        is_scaling))
        except VeilleError as exc:
            sys.exit(f"error: {corpus}: {exc}")
    if bench_rows:
        path = os.path.join(os.path.dirname(os.path.abspath(args.out)),
                            "bench.json")
        kept = []
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                done = {(r["corpus"], r["kind"]) for r in bench_rows}
                kept = [r for r in json.load(fh)
                        if (r["corpus"], r["kind"]) not in done]
        with open(path + ".tmp", "w", encoding="utf-8") as fh:
            json.dump(kept + bench_rows, fh, indent=2)
            fh.write("\n")
        os.replace(path + ".tmp", path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
