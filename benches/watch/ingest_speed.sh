#!/usr/bin/env bash
# Ingest-speed benchmark (issue 11, "What it must reach: Ingest speed"): 10,000 local HTML pages
# extracted, de-duplicated, classified and stored, wall time and peak RSS. Not part of
# `cargo test`. Run from the project root:
#
#     bash benches/watch/ingest_speed.sh [PAGES] [RUNS]        # defaults 10000 and 3
#
# 1. benches/watch/make_pages.py writes PAGES pages under target/ingest-bench/pages/ from the
#    real pages of ../shared/data/extraction/ (never copied into the project), repeated with
#    changes: copy 0 of each source page as it is; every tenth copy (c % 10 == 5) a light rewrite
#    of copy 0, a near-duplicate BY CONSTRUCTION; the others distinct articles (paragraphs
#    shuffled within their containers, 40 % of words replaced by words of other pages). For
#    10,000 pages from 207 sources that is 207 originals, about 1,035 near copies and 8,758
#    distinct ones (target/ingest-bench/pages.tsv says which page is which); the run's `copies`
#    should be about the near copies (the script prints both; the benchmark's own near-duplicate
#    pages and what the page furniture shares can add a few).
#    A page that gives no article would stop the run (the command has no --skip-bad): a warm-up
#    ingest finds the made pages that give none, and they are replaced (see below).
# 2. The release binary ingests the folder RUNS times, each on a fresh store, under
#    /usr/bin/time -v (Debian's `time` package: `apt-get install -y time` when it is missing,
#    which this script does): wall time and peak RSS, median of the runs; then once more on the
#    last store (nothing new: every page is read again, nothing is added).
set -euo pipefail
cd "$(dirname "$0")/../.."
PAGES=${1:-10000}
RUNS=${2:-3}
DATA=${DATA:-../shared/data}
OUT=target/ingest-bench
BIN=target/release/veille
MODEL=models/themes.veille

if [ ! -x /usr/bin/time ]; then
    echo "installing Debian's time (for /usr/bin/time -v)" >&2
    apt-get install -y time >/dev/null
fi
cargo build --release --bin veille >&2
mkdir -p "$OUT"

# PAGES + EXTRA pages are made; an untimed warm-up ingest (--skip-bad, no model; it also puts
# the pages in the page cache, as for every timed run) names the made pages that give no
# article (a rewrite can leave a short page with too little text); they are removed, then the
# pages past the first PAGES, so the timed runs read exactly PAGES pages, all with an article.
EXTRA=${EXTRA:-100}
python3 benches/watch/make_pages.py --data "$DATA" --out "$OUT/pages" --pages $((PAGES + EXTRA))
rm -f "$OUT"/warmup.db*
"$BIN" ingest "$OUT/pages" --store "$OUT/warmup.db" --skip-bad --json >/dev/null 2>"$OUT/warmup.err"
rm -f "$OUT"/warmup.db*
grep -o "skipped: [^ ]*\.html" "$OUT/warmup.err" | sed 's/^skipped: //' >"$OUT/bad.txt" || true
echo "made pages with no article, removed: $(wc -l <"$OUT/bad.txt")" >&2
xargs -r rm -f <"$OUT/bad.txt"
ls "$OUT/pages" | sort | tail -n +$((PAGES + 1)) | sed "s|^|$OUT/pages/|" | xargs -r rm -f
[ "$(ls "$OUT/pages" | wc -l)" -eq "$PAGES" ] || { echo "not $PAGES pages left" >&2; exit 1; }
MB=$(du -sb "$OUT/pages" | awk '{printf "%.1f", $1 / 1e6}')

run() { # $1: label, $2: store
    /usr/bin/time -v "$BIN" ingest "$OUT/pages" --store "$2" --model "$MODEL" --json --quiet \
        >"$OUT/$1.json" 2>"$OUT/$1.time"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$OUT/$1.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$OUT/$1.time")
    echo "$1 $wall $rss"
}

: >"$OUT/runs.txt"
for i in $(seq 1 "$RUNS"); do
    rm -f "$OUT"/watch.db*
    run "run$i" "$OUT/watch.db" | tee -a "$OUT/runs.txt"
done
run rerun "$OUT/watch.db" | tee "$OUT/rerun.txt"

python3 - "$OUT" "$PAGES" "$MB" <<'EOF'
import json, statistics, sys
out, pages, mb = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = [l.split() for l in open(f"{out}/runs.txt")]
walls = sorted(float(r[1]) for r in runs)
rss = [int(r[2]) for r in runs]
med = statistics.median(walls)
rep = json.load(open(f"{out}/run1.json"))
import os
kept = set(os.listdir(f"{out}/pages"))
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/pages.tsv")]
originals = {r[1] for r in rows if r[3] == "original" and r[0] in kept}
near = sum(1 for r in rows if r[3] == "near" and r[0] in kept and r[1] in originals)
rerun = open(f"{out}/rerun.txt").read().split()
again = json.load(open(f"{out}/rerun.json"))
print(f"pages {pages} ({mb} MB of HTML), runs {len(runs)}: wall median {med:.1f} s "
      f"(min {walls[0]:.1f}, max {walls[-1]:.1f}), {pages / med:.0f} pages/s, "
      f"peak RSS {max(rss)} MB (per run {rss})")
added = sum(s['added'] for s in rep['sources'])
print(f"stored {rep['articles']} articles (added {added}), stories {rep['stories']}, "
      f"copies {rep['copies']} (near copies by construction: {near})")
print(f"classified: {[(c['model'], c['classified']) for c in rep['classified']]}")
print(f"rerun on the same store: {float(rerun[1]):.1f} s, peak RSS {rerun[2]} MB, added "
      f"{sum(s['added'] for s in again['sources'])}, classified "
      f"{[c['classified'] for c in again['classified']]}")
EOF
