#!/usr/bin/env python3
"""Near-duplicate benchmark (issue 11, part 3): veille's MinHash LSH beside datasketch's.

Run from the project root, after `cargo build --release --example dedup`:

    python3 benches/watch/dedup.py [--data ../shared/data] [--only uci,perturbed,grid,scale]

It reads the real corpora in ../shared/data (never copied into the project) and writes its
derived sets and results under target/dedup-bench/. datasketch (PyPI) is installed in a venv
under target/ the first time.

1. uci: the 6,366 headlines of uci_news_aggregator_2014_head.jsonl, pairwise precision and
   recall of the groups against the aggregator's story ids, veille beside datasketch
   MinHashLSH at the same threshold and num_perm, on the same word shingles.
2. perturbed: 2,000 distinct articles of thehackernews.jsonl (English) and of lemonde_2017
   (French), each with four copies: 5 % of words dropped, sentences reordered, a boilerplate
   line added, and the three at once. Pairwise precision and recall, recall per kind.
3. grid: threshold, shingle size and bands x rows on the perturbed sets (and uci).
4. scale: 100,000 articles (every article of eight real corpora plus perturbed copies),
   de-duplication time.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "dedup-bench"
VENV = ROOT / "target" / "dedup-venv"
BIN = ROOT / "target" / "release" / "examples" / "dedup"
BOILERPLATE = [
    "Subscribe to our newsletter to get the latest stories delivered to your inbox.",
    "Found this article interesting? Follow us on Twitter and LinkedIn to read more.",
    "Lire aussi : les autres articles de notre dossier.",
    "Cet article est réservé aux abonnés. Abonnez-vous pour lire la suite.",
]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def pairwise(pred, true):
    """Pairwise precision and recall of the partition `pred` against `true` (same order)."""
    pairs = lambda c: sum(n * (n - 1) // 2 for n in c.values())
    tp = pairs(Counter(zip(pred, true)))
    pp, tt = pairs(Counter(pred)), pairs(Counter(true))
    return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)


def run_veille(path, field="text", **cfg):
    args = [str(BIN), str(path), "--field", field]
    for k, v in cfg.items():
        args += ["--" + k.replace("_", "-")] + ([] if v is True else [str(v)])
    t = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    group_of = {}
    for line in p.stdout.splitlines():
        g = json.loads(line)
        for m in g["members"]:
            group_of[m] = g["canonical"]
    summary = json.loads(p.stderr.strip().splitlines()[-1])
    summary["wall_s"] = wall
    return group_of, summary


# --- datasketch side: the same shingles, approximately veille's tokens -------------------

ELISIONS = {"c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
WORD = re.compile(r"\w+(?:['.]\w+)*")


def tokens(text):
    """NFC, lowercase, \\w+ words (with inner apostrophes and dots, as UAX #29 keeps them),
    French elisions split off: close to veille's tokenizer, not identical."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u202f", " ")
    out = []
    for w in WORD.findall(text.lower()):
        if "'" in w:
            head, rest = w.split("'", 1)
            if head in ELISIONS:
                w = rest
        out.append(w)
    return out


def shingles(text, w):
    t = tokens(text)
    w = min(w, len(t))
    if w == 0:
        return set()
    return {" ".join(t[i : i + w]).encode("utf-8") for i in range(len(t) - w + 1)}


def ensure_venv():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "datasketch==2.0.0"], check=True)
    return py


DATASKETCH = r"""
import json, sys, time
from datasketch import MinHash, MinHashLSH
cfg = json.loads(sys.argv[1])
sets = [[s.encode('utf-8') for s in row] for row in map(json.loads, open(sys.argv[2]))]
t = time.perf_counter()
mh = MinHash.bulk(sets, num_perm=cfg['num_perm'], seed=1)
sig_s = time.perf_counter() - t
lsh = MinHashLSH(threshold=cfg['threshold'], num_perm=cfg['num_perm'])
parent = list(range(len(sets)))
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
groups = {}
for verify in (False, True):
    parent = list(range(len(sets)))
    lsh = MinHashLSH(threshold=cfg['threshold'], num_perm=cfg['num_perm'])
    t = time.perf_counter()
    for i, m in enumerate(mh):
        if not sets[i]:
            continue
        for j in lsh.query(m):
            if verify and m.jaccard(mh[j]) < cfg['threshold']:
                continue
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, m)
    groups['verified' if verify else 'lsh'] = [find(i) for i in range(len(sets))]
    groups['lsh_s' if not verify else 'verified_s'] = time.perf_counter() - t
groups['signature_s'] = sig_s
groups['b'], groups['r'] = lsh.b, lsh.r
print(json.dumps(groups))
"""


def run_datasketch(texts, shingle, threshold, num_perm, name):
    py = ensure_venv()
    path = OUT / f"{name}.shingles.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(sorted(s.decode("utf-8") for s in shingles(t, shingle))) + "\n")
    cfg = json.dumps({"threshold": threshold, "num_perm": num_perm})
    p = subprocess.run([str(py), "-c", DATASKETCH, cfg, str(path)], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


# --- sets ----------------------------------------------------------------------------

SENT = re.compile(r"(?<=[.!?])\s+")


def perturb(text, kind, rng):
    if kind == "drop":
        words = text.split(" ")
        return " ".join(w for w in words if rng.random() >= 0.05)
    if kind == "reorder":
        sents = SENT.split(text)
        rng.shuffle(sents)
        return " ".join(sents)
    if kind == "boilerplate":
        return text + "\n" + rng.choice(BOILERPLATE)
    if kind == "all":
        return perturb(perturb(perturb(text, "drop", rng), "reorder", rng), "boilerplate", rng)
    raise ValueError(kind)


KINDS = ["drop", "reorder", "boilerplate", "all"]


def perturbed_set(data, corpus, n=2000, seed=11):
    rows = read_jsonl(data / corpus)
    seen, distinct = set(), []
    for r in rows:
        key = " ".join(r["text"].split())
        if key not in seen:
            seen.add(key)
            distinct.append(r["text"])
    rng = random.Random(seed)
    originals = rng.sample(distinct, n)
    out = []
    for s, text in enumerate(originals):
        out.append({"id": f"{s}/orig", "story": s, "kind": "orig", "text": text})
        for kind in KINDS:
            out.append({"id": f"{s}/{kind}", "story": s, "kind": kind, "text": perturb(text, kind, rng)})
    rng.shuffle(out)
    name = corpus.split(".")[0]
    path = OUT / f"perturbed_{name}.jsonl"
    write_jsonl(path, out)
    return path, out


def score_perturbed(rows, group_of):
    pred = [group_of[r["id"]] for r in rows]
    p, r = pairwise(pred, [row["story"] for row in rows])
    by_id = {row["id"]: row for row in rows}
    per_kind = {}
    for kind in KINDS:
        stories = {row["story"] for row in rows}
        found = sum(group_of[f"{s}/{kind}"] == group_of[f"{s}/orig"] for s in stories)
        per_kind[kind] = found / len(stories)
    del by_id
    return {"precision": p, "recall": r, "recall_by_kind": per_kind}


def uci(data, results, cfgs):
    path = data / "uci_news_aggregator_2014_head.jsonl"
    rows = read_jsonl(path)
    true = [r["story"] for r in rows]
    for cfg in cfgs:
        group_of, summary = run_veille(path, **cfg)
        p, r = pairwise([group_of[row["id"]] for row in rows], true)
        results.append({"set": "uci", "tool": "veille", "cfg": cfg, "precision": p, "recall": r,
                        "groups": summary["groups"], "dedup_s": summary["dedup_s"]})
        print(json.dumps(results[-1]), flush=True)
    for cfg in cfgs:
        if cfg.get("bands"):
            continue  # datasketch picks its own bands x rows from the threshold
        sh, th, npm = cfg.get("shingle", 3), cfg.get("threshold", 0.5), cfg.get("num_perm", 128)
        ds = run_datasketch([row["text"] for row in rows], sh, th, npm, "uci")
        for mode in ("lsh", "verified"):
            p, r = pairwise(ds[mode], true)
            results.append({"set": "uci", "tool": f"datasketch ({mode}, b={ds['b']} r={ds['r']})",
                            "cfg": {"shingle": sh, "threshold": th, "num_perm": npm},
                            "precision": p, "recall": r, "groups": len(set(ds[mode])),
                            "dedup_s": ds["signature_s"] + ds[mode + "_s"]})
            print(json.dumps(results[-1]), flush=True)


def perturbed(data, results, cfgs, with_datasketch=True):
    for corpus in ["thehackernews.jsonl", "lemonde_2017.jsonl"]:
        path, rows = perturbed_set(data, corpus)
        name = corpus.split(".")[0]
        for cfg in cfgs:
            group_of, summary = run_veille(path, **cfg)
            res = {"set": f"perturbed {name}", "tool": "veille", "cfg": cfg, **score_perturbed(rows, group_of),
                   "dedup_s": summary["dedup_s"], "docs": len(rows)}
            results.append(res)
            print(json.dumps(res), flush=True)
        if with_datasketch:
            ds = run_datasketch([r["text"] for r in rows], 3, 0.5, 128, f"perturbed_{name}")
            for mode in ("lsh", "verified"):
                group_of = {r["id"]: g for r, g in zip(rows, ds[mode])}
                res = {"set": f"perturbed {name}", "tool": f"datasketch ({mode}, b={ds['b']} r={ds['r']})",
                       "cfg": {"shingle": 3, "threshold": 0.5, "num_perm": 128},
                       **score_perturbed(rows, group_of), "dedup_s": ds["signature_s"] + ds[mode + "_s"]}
                results.append(res)
                print(json.dumps(res), flush=True)


def scale(data, results, n=100_000, seed=3):
    corpora = ["20news_bydate.train.jsonl", "20news_bydate.test.jsonl", "reuters21578_modapte.train.jsonl",
               "reuters21578_modapte.test.jsonl", "lemonde_2017.jsonl", "thehackernews.jsonl",
               "spamassassin.jsonl", "ag_news.test.jsonl", "huffpost_2018_2022.jsonl",
               "reddit_news_2021_2022.jsonl"]
    rows = []
    for c in corpora:
        for r in read_jsonl(data / c):
            rows.append({"id": f"{c.split('.')[0]}/{r['id']}", "text": r["text"]})
    rng = random.Random(seed)
    k = 0
    base = len(rows)
    while len(rows) < n:
        src = rows[rng.randrange(base)]
        rows.append({"id": f"copy{k}/{src['id']}", "text": perturb(src["text"], rng.choice(KINDS), rng)})
        k += 1
    rng.shuffle(rows)
    path = OUT / "scale_100k.jsonl"
    write_jsonl(path, rows)
    mb = sum(len(r["text"].encode("utf-8")) for r in rows) / 1e6
    for cfg in [{}, {"incremental": True}]:
        group_of, summary = run_veille(path, **cfg)
        res = {"set": f"scale {len(rows)} articles, {mb:.0f} MB text ({base} originals)", "tool": "veille",
               "cfg": cfg, "dedup_s": summary["dedup_s"], "read_s": summary["read_s"],
               "wall_s": summary["wall_s"], "groups": summary["groups"],
               "duplicate_groups": summary["duplicate_groups"], "threads": summary["threads"]}
        results.append(res)
        print(json.dumps(res), flush=True)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": cpu, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--only", default="uci,perturbed,grid,scale")
    args = ap.parse_args()
    data = Path(args.data)
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run `cargo build --release --example dedup` first")
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    results = []
    if "uci" in only:
        uci(data, results, [{"shingle": s, "threshold": t} for s in (1, 2, 3) for t in (0.3, 0.5)])
    if "perturbed" in only:
        perturbed(data, results, [{}])
    if "grid" in only:
        grid = [{"shingle": s, "threshold": t} for s in (2, 3, 4, 5) for t in (0.3, 0.4, 0.5, 0.6, 0.7)]
        grid += [{"bands": b, "rows": r} for b, r in [(64, 2), (42, 3), (32, 4), (25, 5), (16, 8), (9, 13)]]
        perturbed(data, results, grid, with_datasketch=False)
    if "scale" in only:
        scale(data, results)
    report = {"machine": machine(), "results": results}
    (OUT / "results.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(json.dumps(report["machine"]))


if __name__ == "__main__":
    main()
