#!/usr/bin/env python3
"""veille's feed reader beside feedparser (PyPI) on every feed of ../shared/data/feeds/.

    python3 benches/watch/feeds.py [--data DIR] [--veille BIN] [--json OUT] [--details]

For every feed file (all files of DIR but sources.tsv) it runs veille's parser (the example
binary `examples/feed.rs`, built in release mode unless --veille names one) and feedparser,
then compares, item by item in document order: the item count, the titles (tags removed,
entities decoded, white space collapsed), the links, and the dates (published, else updated:
the same instant to the second, or both absent); a date only one side reads is counted on its
own. feedparser's empty entries (no title, link, summary or date: it makes one of each
`<item />` nested in an item) are left out and counted. It prints one row per feed and the totals;
a feed veille refuses is listed with its reason. --details prints every disagreement.

feedparser runs in a virtual environment under target/ that this script creates on first use
(feedparser pinned below). feedparser does not inflate gzip from bytes (only HTTP
Content-Encoding), so a gzip file is inflated before feedparser sees it; veille is given
the file as it is.
"""

import argparse
import calendar
import gzip
import html
import json
import os
import re
import subprocess
import sys
import time

FEEDPARSER = "feedparser==6.0.14"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.path.join(ROOT, "target", "watch-venv")


def ensure_venv():
    """Re-run this script inside target/watch-venv, creating it when needed."""
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        print(f"== creating {VENV} with {FEEDPARSER}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run(
            [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", FEEDPARSER],
            check=True,
        )
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.execv(py, [py, *sys.argv])


TAG = re.compile(r"<[^>]*>")


def norm_text(s):
    if s is None:
        return ""
    s = TAG.sub(" ", s)
    s = html.unescape(s)
    return " ".join(s.split())


def norm_link(s):
    return (s or "").strip()


def iso_of_struct(t):
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(t)))


def iso_to_second(s):
    """veille's RFC 3339 UTC string cut to the second, for comparison."""
    if s is None:
        return None
    return s[:19] + "Z"


def run_veille(binary, files):
    out = subprocess.run([binary, *files], capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit(f"{binary} failed: {out.stderr}")
    return {o["file"]: o for o in map(json.loads, out.stdout.splitlines())}


def run_feedparser(path):
    import feedparser

    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    start = time.perf_counter()
    parsed = feedparser.parse(data)
    return parsed, time.perf_counter() - start


def entries(fp):
    """feedparser's entries less the empty ones (no title, link, summary or date): it makes one
    of each `<item />` illegally nested in an item, which is no article."""
    return [
        e for e in fp.entries
        if e.get("title") or e.get("link") or e.get("summary") or e.get("published") or e.get("updated")
    ]


def compare(v, fp):
    """Counts of agreements between veille's items and feedparser's entries, in order."""
    vi = v["feed"]["items"]
    fe = entries(fp)
    n = min(len(vi), len(fe))
    row = {"titles": 0, "links": 0, "dates": 0, "v_only": 0, "fp_only": 0, "pairs": n, "diffs": []}
    for k in range(n):
        a, b = vi[k], fe[k]
        ta, tb = norm_text(a["title"]), norm_text(b.get("title"))
        if ta == tb:
            row["titles"] += 1
        else:
            row["diffs"].append((k, "title", ta, tb))
        la, lb = norm_link(a["link"]), norm_link(b.get("link"))
        if la == lb:
            row["links"] += 1
        else:
            row["diffs"].append((k, "link", la, lb))
        da = iso_to_second(a["published"] or a["updated"])
        db = iso_of_struct(b.get("published_parsed") or b.get("updated_parsed"))
        raw = b.get("published") or b.get("updated")
        if da == db:
            row["dates"] += 1
            continue
        if db is None:
            row["v_only"] += 1
        elif da is None:
            row["fp_only"] += 1
        row["diffs"].append((k, "date", da, f"{db} (from {raw!r})"))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "feeds"))
    ap.add_argument("--veille", help="the feed example binary (default: build it in release)")
    ap.add_argument("--json", help="write the per-feed rows and totals here")
    ap.add_argument("--details", action="store_true", help="print every disagreement")
    args = ap.parse_args()
    ensure_venv()

    binary = args.veille
    if binary is None:
        subprocess.run(
            ["cargo", "build", "--quiet", "--release", "--example", "feed"], cwd=ROOT, check=True
        )
        binary = os.path.join(ROOT, "target", "release", "examples", "feed")
    files = sorted(
        os.path.join(args.data, f)
        for f in os.listdir(args.data)
        if f != "sources.tsv" and not f.endswith(".md")
    )
    veille = run_veille(binary, files)

    header = (
        f"{'feed':32} {'veille':>6} {'fp':>4} {'titles':>7} {'links':>7} {'dates':>7} "
        f"{'v-only':>6} {'fp-only':>7} {'bad':>3} {'v ms':>6} {'fp ms':>6}  notes"
    )
    print(header)
    print("-" * len(header))
    rows, tot = [], {k: 0 for k in ("feeds", "refused", "v_items", "fp_items", "count_eq",
                                    "pairs", "titles", "links", "dates", "v_only", "fp_only",
                                    "bad_dates", "fp_empty")}
    tot["v_seconds"] = tot["fp_seconds"] = 0.0
    for path in files:
        name = os.path.basename(path)
        v = veille.get(name)
        fp, fp_s = run_feedparser(path)
        tot["feeds"] += 1
        fp_n = len(entries(fp))
        empty = len(fp.entries) - fp_n
        tot["fp_items"] += fp_n
        tot["fp_empty"] += empty
        tot["fp_seconds"] += fp_s
        bozo = f"feedparser bozo: {type(fp.get('bozo_exception')).__name__}" if fp.bozo else ""
        if v is None or not v["ok"]:
            tot["refused"] += 1
            reason = v["error"] if v else "no output"
            print(f"{name:32} {'REFUSED':>6} {len(fp.entries):>4}  {reason}  {bozo}")
            rows.append({"feed": name, "refused": reason, "fp_items": len(fp.entries)})
            continue
        c = compare(v, fp)
        nv = len(v["feed"]["items"])
        tot["v_items"] += nv
        tot["count_eq"] += nv == fp_n
        tot["v_seconds"] += v["seconds"]
        for k in ("pairs", "titles", "links", "dates", "v_only", "fp_only"):
            tot[k] += c[k]
        bad = len(v["feed"]["bad_dates"])
        tot["bad_dates"] += bad
        extra = [bozo] if bozo else []
        if empty:
            extra.append(f"feedparser: {empty} empty entries left out")
        notes = "; ".join(v["feed"]["notes"] + extra)
        n = c["pairs"]
        print(
            f"{name:32} {nv:>6} {fp_n:>4} {c['titles']:>3}/{n:<3} {c['links']:>3}/{n:<3} "
            f"{c['dates']:>3}/{n:<3} {c['v_only']:>6} {c['fp_only']:>7} {bad:>3} {v['seconds'] * 1e3:>6.1f} {fp_s * 1e3:>6.1f}  {notes}"
        )
        if args.details:
            for k, what, a, b in c["diffs"]:
                print(f"    item {k} {what}: veille {a!r}\n{'':14}feedparser {b!r}")
        rows.append({"feed": name, "veille_items": nv, "fp_items": fp_n, "fp_empty": empty,
                     "bad_dates": v["feed"]["bad_dates"], "notes": v["feed"]["notes"],
                     "bozo": bool(fp.bozo), **{k: c[k] for k in ("pairs", "titles", "links", "dates", "v_only", "fp_only")},
                     "diffs": c["diffs"]})
    print("-" * len(header))
    p = tot["pairs"] or 1
    print(
        f"{tot['feeds']} feeds, {tot['feeds'] - tot['refused']} read by veille, {tot['refused']} refused; "
        f"items veille {tot['v_items']} / feedparser {tot['fp_items']}, same count on {tot['count_eq']} feeds; "
        f"over {tot['pairs']} item pairs: titles {tot['titles']} ({tot['titles'] / p:.1%}), "
        f"links {tot['links']} ({tot['links'] / p:.1%}), dates {tot['dates']} ({tot['dates'] / p:.1%}), "
        f"read by veille only {tot['v_only']}, by feedparser only {tot['fp_only']}; "
        f"feedparser empty entries left out {tot['fp_empty']}; "
        f"{tot['bad_dates']} unreadable dates; parse time veille {tot['v_seconds']:.3f} s, "
        f"feedparser {tot['fp_seconds']:.3f} s"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"feeds": rows, "totals": tot}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
