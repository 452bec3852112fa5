"""Helpers shared by the comparison scripts (stdlib only)."""

import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(ROOT, "target", "compare")
SPLITS_DIR = os.path.join(OUT_DIR, "splits")

CORPORA = ("20ng", "agnews", "lemonde", "reuters")
# "single": one `label` per record; "multi": a `labels` list per record.
KIND = {"20ng": "single", "agnews": "single",
        "lemonde": "multi", "reuters": "multi"}


def harness_args(description, default_out, unit):
    """The options every baseline script takes: --only, --repeats, --splits
    and --out.  Returns (parser, parse) where parse(argv) checks them and
    returns (args, corpora)."""
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", default=",".join(CORPORA),
                        help="comma-separated corpora (default: all)")
    parser.add_argument("--repeats", type=int, default=3,
                        help=f"runs per {unit}; times are medians")
    parser.add_argument("--splits", default=SPLITS_DIR,
                        help="folder written by make_splits.py")
    parser.add_argument("--out", default=os.path.join(OUT_DIR, default_out))

    def parse(argv=None):
        args = parser.parse_args(argv)
        corpora = parse_only(args.only, parser)
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        for corpus in corpora:
            require_splits(args.splits, corpus)
        return args, corpora

    return parser, parse


def parse_only(value, parser):
    """Validate a comma-separated --only list; returns the names in order."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; "
                     f"known: {', '.join(CORPORA)}")
    return names


def split_path(splits_dir, corpus, part, ext="jsonl"):
    return os.path.join(splits_dir, f"{corpus}.{part}.{ext}")


def require_splits(splits_dir, corpus):
    """Exit with a clear message when make_splits.py has not been run."""
    for part in ("train", "test"):
        path = split_path(splits_dir, corpus, part)
        if not os.path.isfile(path):
            sys.exit(f"missing split file {path}: run "
                     f"benches/compare/make_splits.py (or run.sh) first")


def read_records(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def text_bytes(path):
    """Sum of the UTF-8 byte lengths of the `text` fields of a JSONL file."""
    return sum(len(r["text"].encode("utf-8")) for r in read_records(path))


def median(values):
    return statistics.median(values) if values else None


def merge_rows(path, new_rows, corpora):
    """Replace the rows of `corpora` in the JSON list at `path`.

    Rows of corpora not rerun this time are kept, so `--only` reruns update
    a results file without dropping the other corpora.
    """
    rows = []
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            rows = [r for r in json.load(fh) if r.get("corpus") not in corpora]
    rows.extend(new_rows)
    rows.sort(key=lambda r: (CORPORA.index(r["corpus"])
                             if r["corpus"] in CORPORA else len(CORPORA)))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
    return rows


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def fmt(value, digits=4):
    """Format a number for a Markdown cell ('-' when absent)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)
