"""Write the articles of a JSON Lines corpus as Parquet (and as JSON Lines), optionally
repeated to reach a number of articles (copies get ids ID~2, ID~3, ...), for the scaling
benchmarks.

    python benches/scale/make_parquet.py IN.jsonl OUT.parquet [--articles N] [--jsonl OUT.jsonl]

Keeps `id` and `text` (labels are dropped: classify ignores them).
"""

from __future__ import annotations

import argparse
import json

import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--articles", type=int, default=0, help="repeat the corpus up to N articles")
    ap.add_argument("--jsonl", help="also write the same articles as JSON Lines")
    args = ap.parse_args()
    with open(args.src, encoding="utf-8") as f:
        base = [json.loads(line) for line in f if line.strip()]
    base = [(str(r.get("id", i)), r["text"]) for i, r in enumerate(base)]
    n = args.articles or len(base)
    ids, texts = [], []
    for k in range(n):
        i, t = base[k % len(base)]
        copy = k // len(base)
        ids.append(i if copy == 0 else f"{i}~{copy + 1}")
        texts.append(t)
    table = pa.table({"id": ids, "text": texts})
    pq.write_table(table, args.out, row_group_size=65536, compression="snappy")
    if args.jsonl:
        with open(args.jsonl, "w", encoding="utf-8") as f:
            for i, t in zip(ids, texts):
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
    print(f"{args.out}: {n} articles, {sum(len(t.encode()) for t in texts) / 1e6:.1f} MB of text")


if __name__ == "__main__":
    main()
