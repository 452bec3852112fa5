#!/usr/bin/env python3
"""veille's quality against the best scikit-learn pipeline, corpus by corpus.

The quick tuning loop: for each corpus (and variant) it runs

    BIN train --quiet --data <c>.train.jsonl --test <c>.test.jsonl
              --out target/compare/models/q-<c>.veille --json [TRAIN ARGS]

one corpus after the other, reads macro_f1 / micro_f1 / accuracy from the
JSON and compares them with the best row of sklearn.json for that corpus on
the same metric: macro-F1 (the headline for every corpus), and micro-F1
(for multi-label corpora the other headline; for single-label ones it equals
accuracy).  It prints a table and writes target/compare/quality.json (and
quality.md).  "gap" = veille - best scikit-learn; "vs prev" = the change of
veille's macro-F1 since the previous quality.json (whatever produced it).

The binary is copied to a temporary folder first, so a rebuild during the
run cannot mix two binaries; its SHA-256 is recorded.  A corpus that fails
is reported and the run goes on; the exit status is then 1.
"""

import json
import os
import shlex
import shutil
import sys
import tempfile
import time

from common import (GROUPS, KIND, OUT_DIR, now_iso, parse_only, sha256_file,
                    split_path)
from veille_runs import (VeilleError, check_binary, count_lines,
                         parse_train_output, run_timed, veille_parser,
                         veille_version)

# --skip-big leaves out corpora whose training file is larger than this.
BIG_MB = 10.0


def load_json(path, default):
    if not os.path.isfile(path):
        return default
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def best_sklearn(rows, corpus, metric):
    """(value, pipeline) of the corpus's best sklearn row on metric."""
    rows = [r for r in rows if r["corpus"] == corpus
            and r["metrics"].get(metric) is not None]
    if not rows:
        return None, None
    best = max(rows, key=lambda r: (r["metrics"][metric], -r["total_s"]))
    return best["metrics"][metric], best["pipeline"]


def run_one(binary, corpus, args, extra, sk_rows):
    kind = KIND[corpus]
    train = split_path(args.splits, corpus, "train")
    test = split_path(args.splits, corpus, "test")
    model = os.path.join(args.models, f"q-{corpus}.veille")
    cmd = [binary, "train", "--quiet", "--data", train, "--test", test,
           "--out", model, "--json"] + extra
    if os.path.exists(model):
        os.remove(model)
    wall, rss, stdout, _ = run_timed(cmd)
    metrics, missing, raw = parse_train_output(stdout, kind, cmd)
    if not os.path.isfile(model):
        raise VeilleError(f"veille train did not write the model {model}")
    row = {
        "corpus": corpus, "kind": kind,
        "n_train": raw.get("n_train_documents") or count_lines(train),
        "n_test": raw.get("n_documents"),
        "metrics": metrics, "metrics_missing": missing,
        "fit_s": (raw.get("seconds") or {}).get("train"),
        "evaluate_s": (raw.get("seconds") or {}).get("evaluate"),
        "wall_s": wall, "peak_rss_mib": rss,
        "algo": raw.get("algo"), "nb_weight": raw.get("nb_weight"),
        "n_features": raw.get("n_features"),
        "command": [os.path.basename(binary)] + cmd[1:],
    }
    for metric in ("macro_f1", "micro_f1"):
        value, pipeline = best_sklearn(sk_rows, corpus, metric)
        row[f"sklearn_{metric}"] = value
        row[f"sklearn_{metric}_pipeline"] = pipeline
        row[f"gap_{metric}"] = (None if value is None
                                else metrics[metric] - value)
    return row


def cell(value, digits=4, sign=False):
    if value is None:
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


COLUMNS = ("corpus", "n_train", "veille macro", "sklearn macro", "gap",
           "vs prev", "veille micro", "sklearn micro", "gap micro", "fit s",
           "wall s", "algo", "best sklearn (macro / micro)")


def short_error(message):
    """'exit code N: <last line of stderr>' out of a VeilleError message."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    code = ""
    if lines and lines[0].startswith("command failed with exit code"):
        code = lines[0].split(":", 1)[0].replace("command failed with ", "")
        lines = lines[1:]
    last = lines[-1] if lines else ""
    return f"{code}: {last}"[:120] if code else last[:120]


def table_cells(row):
    if "error" in row:
        return [row["corpus"], "-", "FAILED"] + ["-"] * 9 + [short_error(
            row["error"])]
    m = row["metrics"]
    pipes = row["sklearn_macro_f1_pipeline"] or "-"
    micro_pipe = row["sklearn_micro_f1_pipeline"]
    if micro_pipe and micro_pipe != row["sklearn_macro_f1_pipeline"]:
        pipes += f" / {micro_pipe}"
    algo = row["algo"] or "-"
    if row.get("nb_weight") is not None:
        algo += f" (nb {row['nb_weight']:.2f})"
    return [row["corpus"], str(row["n_train"]), cell(m["macro_f1"]),
            cell(row["sklearn_macro_f1"]), cell(row["gap_macro_f1"],
                                                sign=True),
            cell(row.get("prev_delta_macro_f1"), sign=True),
            cell(m["micro_f1"]), cell(row["sklearn_micro_f1"]),
            cell(row["gap_micro_f1"], sign=True), cell(row["fit_s"], 2),
            cell(row["wall_s"], 2), algo, pipes]


def text_table(rows):
    cells = [list(COLUMNS)] + [table_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i in (0, 11, 12) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths)))
                     .rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|---|" + "---:|" * 10 + "---|---|"]
    lines += ["| " + " | ".join(table_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def summary(rows):
    done = [r for r in rows if "error" not in r
            and r["gap_macro_f1"] is not None]
    if not done:
        return "no corpus compared"
    gaps = [r["gap_macro_f1"] for r in done]
    worst = min(done, key=lambda r: r["gap_macro_f1"])
    ahead = sum(g >= 0 for g in gaps)
    text = (f"macro-F1 gap: mean {sum(gaps) / len(gaps):+.4f} over "
            f"{len(done)} corpora; veille >= best sklearn on {ahead}; worst "
            f"{worst['corpus']} {worst['gap_macro_f1']:+.4f}")
    multi = [r for r in done if r["kind"] == "multi"
             and r["gap_micro_f1"] is not None]
    if multi:
        mg = [r["gap_micro_f1"] for r in multi]
        text += (f"; multi-label micro-F1 gap: mean {sum(mg) / len(mg):+.4f} "
                 f"over {len(multi)}")
    unseen = [r for r in done if r["corpus"] in GROUPS["unseen"]]
    if unseen and len(unseen) < len(done):
        ug = [r["gap_macro_f1"] for r in unseen]
        text += (f"; of which never tuned on ({', '.join(r['corpus'] for r in unseen)}): "
                 f"mean {sum(ug) / len(ug):+.4f}, ahead on "
                 f"{sum(g >= 0 for g in ug)} of {len(ug)}")
    return text


def main(argv=None):
    parser = veille_parser(__doc__.split("\n")[0], "quality.json")
    parser.add_argument("--train-args", default="",
                        help="extra arguments for `veille train`, one "
                        "shell-quoted string, e.g. \"--min-df 1 --c 0.5\"")
    parser.add_argument("--skip-big", action="store_true",
                        help=f"skip corpora whose training file is over "
                        f"--big-mb MB (20ng and spam at {BIG_MB:g})")
    parser.add_argument("--big-mb", type=float, default=BIG_MB)
    parser.add_argument("--sklearn", default=os.path.join(OUT_DIR,
                                                          "sklearn.json"),
                        help="scikit-learn rows to compare with")
    args = parser.parse_args(argv)
    corpora = parse_only(args.only, parser)
    try:
        extra = shlex.split(args.train_args)
    except ValueError as exc:
        parser.error(f"--train-args: {exc}")

    check_binary(os.path.abspath(args.veille))
    missing = [c for c in corpora
               if not all(os.path.isfile(split_path(args.splits, c, p))
                          for p in ("train", "test"))]
    if missing:
        sys.exit(f"missing splits for {', '.join(missing)}: run "
                 f"benches/compare/make_splits.py --only "
                 f"{','.join(missing)} first")
    skipped = []
    if args.skip_big:
        skipped = [c for c in corpora
                   if os.path.getsize(split_path(args.splits, c, "train"))
                   > args.big_mb * 1e6]
        corpora = [c for c in corpora if c not in skipped]
    sk_rows = load_json(args.sklearn, [])
    if not sk_rows:
        print(f"warning: no scikit-learn rows in {args.sklearn}; run "
              f"sklearn_baselines.py --quality-only first", file=sys.stderr)
    no_sk = [c for c in corpora if not any(r["corpus"] == c for r in sk_rows)]
    if no_sk and sk_rows:
        print(f"warning: no scikit-learn rows for {', '.join(no_sk)}",
              file=sys.stderr)
    previous = {r["corpus"]: r for r in load_json(args.out, {}).get("rows", [])
                if "error" not in r}
    os.makedirs(args.models, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    source = os.path.abspath(args.veille)
    report = {"date": now_iso(), "binary": source,
              "binary_sha256": sha256_file(source),
              "binary_mtime": time.strftime(
                  "%Y-%m-%dT%H:%M:%S%z",
                  time.localtime(os.path.getmtime(source))),
              "veille_version": None, "train_args": extra,
              "sklearn": os.path.abspath(args.sklearn),
              "skipped": skipped, "rows": []}
    start = time.perf_counter()
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="veille-quality-") as tmp:
        binary = os.path.join(tmp, "veille")
        shutil.copy2(source, binary)
        report["veille_version"] = veille_version(binary)
        print(f"{report['veille_version'] or 'veille (no --version)'} "
              f"({report['binary_sha256'][:12]}), train args: "
              f"{' '.join(extra) or '(defaults)'}"
              + (f"; skipped (big): {', '.join(skipped)}" if skipped else ""),
              flush=True)
        for corpus in corpora:
            try:
                row = run_one(binary, corpus, args, extra, sk_rows)
            except VeilleError as exc:
                row = {"corpus": corpus, "kind": KIND[corpus],
                       "error": str(exc)}
                print(f"{corpus}: FAILED: {exc}", file=sys.stderr, flush=True)
            except KeyboardInterrupt:
                interrupted = True
                break
            prev = previous.get(corpus)
            if "error" not in row:
                if prev:
                    row["prev_delta_macro_f1"] = (
                        row["metrics"]["macro_f1"]
                        - prev["metrics"]["macro_f1"])
                print(f"{corpus}: macro-F1 {row['metrics']['macro_f1']:.4f} "
                      f"vs {cell(row['sklearn_macro_f1'])} "
                      f"({row['sklearn_macro_f1_pipeline'] or '-'}), gap "
                      f"{cell(row['gap_macro_f1'], sign=True)}; micro-F1 "
                      f"{row['metrics']['micro_f1']:.4f} vs "
                      f"{cell(row['sklearn_micro_f1'])}; fit "
                      f"{cell(row['fit_s'], 2)} s, wall {row['wall_s']:.2f} s",
                      flush=True)
            report["rows"].append(row)
            # Written after every corpus: an interrupted run keeps its rows.
            with open(args.out + ".tmp", "w", encoding="utf-8") as fh:
                json.dump(report, fh, indent=2)
                fh.write("\n")
            os.replace(args.out + ".tmp", args.out)
    report["seconds"] = time.perf_counter() - start
    rows = report["rows"]
    head = (f"{report['veille_version'] or 'veille (no --version)'} "
            f"(sha256 {report['binary_sha256'][:12]}), train args: "
            f"{' '.join(extra) or '(defaults)'}; {len(rows)} corpora in "
            f"{report['seconds']:.0f} s")
    report["summary"] = summary(rows)
    with open(args.out + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")
    os.replace(args.out + ".tmp", args.out)
    md_path = os.path.splitext(args.out)[0] + ".md"
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write(f"{head}\n\n{markdown_table(rows)}\n\n{report['summary']}\n")
    print()
    print(head)
    print(text_table(rows))
    print(report["summary"])
    print(f"wrote {args.out} and {md_path}")
    if interrupted:
        sys.exit(130)
    if any("error" in r for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
