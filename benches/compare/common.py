"""Helpers shared by the comparison scripts (stdlib only)."""

import hashlib
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT_DIR = os.path.join(ROOT, "target", "compare")
SPLITS_DIR = os.path.join(OUT_DIR, "splits")

# The corpora made from the shared data (see make_splits.py).  The defaults
# were chosen on TUNED_CORPORA (the first seven from the start, the HuffPost
# and Reddit headlines since 2026-12-03).  UNSEEN_CORPORA have never been
# used to choose anything: they are measured before and after a change to
# see whether it carries over, never to pick between options.
TUNED_CORPORA = ("20ng", "agnews", "lemonde", "lemonde1", "reuters", "thn",
                 "spam", "huffpost", "reddit")
UNSEEN_CORPORA = ("uci",)
BASE_CORPORA = TUNED_CORPORA + UNSEEN_CORPORA
# Variants of a corpus: `<c>-small` (at most about 50 training articles
# per label, same test split) and `<c>-short` (every article cut to its
# first sentence), see make_splits.py.  Headline corpora have no -short
# variant: a headline is one sentence already.
VARIANTS = ("small", "short")
_BASE_VARIANTS = {**{b: VARIANTS for b in BASE_CORPORA},
                  "reddit": ("small",), "uci": ("small",)}


def _with_variants(bases):
    return tuple(name for base in bases
                 for name in (base,) + tuple(f"{base}-{v}"
                                             for v in _BASE_VARIANTS[base]))


CORPORA = _with_variants(BASE_CORPORA)
# "single": one `label` per record; "multi": a `labels` list per record.
_BASE_KIND = {"20ng": "single", "agnews": "single", "lemonde": "multi",
              "lemonde1": "single", "reuters": "multi", "thn": "single",
              "spam": "single", "huffpost": "single", "reddit": "single",
              "uci": "single"}
# Snowball stemmer language of each corpus's texts.
_BASE_LANGUAGE = {"lemonde": "french", "lemonde1": "french"}
# Names --only accepts besides the corpora themselves.
GROUPS = {
    "all": CORPORA,
    # The corpora the defaults were chosen on, and the ones they never were.
    "tuned": _with_variants(TUNED_CORPORA),
    "unseen": _with_variants(UNSEEN_CORPORA),
    # The four corpora of the first comparison (run.sh's old default).
    "classic": ("20ng", "agnews", "lemonde", "reuters"),
    "base": BASE_CORPORA,
    "small": tuple(f"{c}-small" for c in BASE_CORPORA),
    "short": tuple(c for c in CORPORA if c.endswith("-short")),
}


def base_of(corpus):
    """The corpus a variant is made from (the name itself for a base)."""
    base, _, variant = corpus.rpartition("-")
    return base if variant in VARIANTS and base in BASE_CORPORA else corpus


def variant_of(corpus):
    """'small', 'short' or None."""
    return None if base_of(corpus) == corpus else corpus.rpartition("-")[2]


KIND = {c: _BASE_KIND[base_of(c)] for c in CORPORA}
LANGUAGE = {c: _BASE_LANGUAGE.get(base_of(c), "english") for c in CORPORA}

ONLY_HELP = ("comma-separated corpora and groups (" + ", ".join(GROUPS)
             + "); default: all")


def harness_args(description, default_out, unit):
    """The options every baseline script takes: --only, --repeats, --splits
    and --out.  Returns (parser, parse) where parse(argv) checks them and
    returns (args, corpora)."""
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", default="all", help=ONLY_HELP)
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
    """Validate a comma-separated --only list of corpora and group names
    (GROUPS); returns the corpora in order, each once."""
    names = []
    unknown = []
    for n in (n.strip() for n in value.split(",")):
        if not n:
            continue
        if n in GROUPS:
            names.extend(GROUPS[n])
        elif n in CORPORA:
            names.append(n)
        else:
            unknown.append(n)
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; known: "
                     f"{', '.join(CORPORA)}; groups: {', '.join(GROUPS)}")
    return list(dict.fromkeys(names))


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


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
