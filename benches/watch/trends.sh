#!/usr/bin/env bash
# Trends on the dated real corpora of ../shared/data (issue 11, "Trends"): for each, a store
# built by `veille ingest`, themes by month with their rising terms and the emerging subjects,
# as JSON (target/trends-bench/NAME.json), a table and an HTML report (NAME.html).
#   - lemonde_2017_dated (French): the shipped themes model (models/themes.veille);
#   - huffpost_2018_2022, reddit_news_2021_2022 (English): a model trained on the corpus's own
#     categories (`label`), on the articles with an even line number (the odd ones are never
#     trained on), then every article counted.
# Usage: benches/watch/trends.sh [release binary]   (from the project root)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-target/release/veille}
DATA=../shared/data
OUT=target/trends-bench
mkdir -p "$OUT"
[ -x "$BIN" ] || cargo build --release --quiet

report() { # name model
  local name=$1 model=$2
  rm -f "$OUT/$name.db"
  /usr/bin/time -f "$name ingest: %e s, %M KB peak" "$BIN" ingest --quiet --store "$OUT/$name.db" \
    --model "$name=$model" "$DATA/$name.jsonl"
  /usr/bin/time -f "$name trends: %e s, %M KB peak" "$BIN" trends --quiet --store "$OUT/$name.db" \
    --model "$name=$model" --by month --json > "$OUT/$name.json"
  if "$BIN" trends --help | grep -q -- --report; then
    "$BIN" trends --quiet --store "$OUT/$name.db" --model "$name=$model" --by month \
      --report "$OUT/$name.html" > "$OUT/$name.txt"
  else
    "$BIN" trends --quiet --store "$OUT/$name.db" --model "$name=$model" --by month > "$OUT/$name.txt"
  fi
  python3 - "$OUT/$name.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
p = t["periods"]
print(f"{sys.argv[1]}: {len(p)} months {p[0]}..{p[-1]}, {sum(t['totals'])} stories, "
      f"{t['undated']} undated, {len(t['themes'])} themes")
rising = [(p[i], s["theme"]) for s in t["themes"] for i, r in enumerate(s["rising"]) if r]
print(f"  rising theme-months: {len(rising)}; last month: "
      + ", ".join(th for m, th in rising if m == p[-1]))
for s in sorted(t["themes"], key=lambda s: -len(s["rising_terms"]))[:4]:
    if s["rising_terms"]:
        print(f"  {s['theme']} in {p[-1]}: " + ", ".join(
            f"{r['term']} ({r['z']:.1f})" for r in s["rising_terms"][:6]))
e = t["emerging"]
rising_e = [f"{s['name']} ({s['counts'][-1]})" for s in e if s["rising"]]
print(f"  emerging subjects: {len(e)}; rising in {p[-1]}: " + "; ".join(rising_e[:6]))
PY
}

report lemonde_2017_dated models/themes.veille
for name in huffpost_2018_2022 reddit_news_2021_2022; do
  python3 -c "
import sys
with open('$DATA/$name.jsonl') as f, open('$OUT/$name.train.jsonl', 'w') as o:
    for i, line in enumerate(f):
        if i % 2 == 0: o.write(line)
"
  /usr/bin/time -f "$name train: %e s, %M KB peak" "$BIN" train --quiet \
    --data "$OUT/$name.train.jsonl" --out "$OUT/$name.veille"
  report "$name" "$OUT/$name.veille"
done
