#!/usr/bin/env bash
# Load test of `veille serve` (issue 10): starts the release server on loopback and drives it
# from another process with wrk (Debian package `wrk`), bounded in time:
#   1. single ~2 KB articles (POST /v1/classify, one JSON object each), SINGLE_SECS;
#   2. 100-article batches (a JSON array each), BATCH_SECS;
#   3. a soak of single articles for SOAK_SECS (default 300), with the server's RSS read at
#      start, after 30 s and at the end.
# Reports requests/s, article MB/s, p50/p99/max latency, errors, RSS; writes
# target/serve-load/results.json. Usage: benches/serve/load.sh [CORPUS.jsonl] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${1:-../shared/data/thehackernews.jsonl}
MODEL=${2:-models/themes.veille}
SINGLE_SECS=${SINGLE_SECS:-30}
BATCH_SECS=${BATCH_SECS:-30}
SOAK_SECS=${SOAK_SECS:-300}
CONNS=${CONNS:-16}
BATCH_CONNS=${BATCH_CONNS:-4}
PORT=${PORT:-18181}
OUT=target/serve-load
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 2; }
mkdir -p "$OUT"
cargo build --release --locked --quiet
python3 benches/serve/payloads.py "$CORPUS" "$OUT" > "$OUT/payloads.json"
# Logs at info, one line per request, as a deployment would keep them (to a file here).
target/release/veille serve --model "$MODEL" --addr "127.0.0.1:$PORT" 2> "$OUT/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
URL="http://127.0.0.1:$PORT/v1/classify"
run() { # name secs conns file
  wrk -t1 -c"$3" -d"$2"s --timeout 10s -s benches/serve/wrk.lua "$URL" -- "$4" \
    | sed -n 's/^WRK_JSON //p' > "$OUT/$1.json"
}
RSS_START=$(rss)
run single "$SINGLE_SECS" "$CONNS" "$OUT/single.lines"
run batch "$BATCH_SECS" "$BATCH_CONNS" "$OUT/batch.lines"
# Soak: RSS after the first 30 s and at the end of SOAK_SECS under load.
wrk -t1 -c"$CONNS" -d"$SOAK_SECS"s --timeout 10s -s benches/serve/wrk.lua "$URL" -- "$OUT/single.lines" \
  | sed -n 's/^WRK_JSON //p' > "$OUT/soak.json" &
WRK=$!
sleep 30
RSS_30=$(rss)
wait $WRK
RSS_END=$(rss)
kill -TERM $PID; wait $PID || true
python3 - "$OUT" "$RSS_START" "$RSS_30" "$RSS_END" <<'PY'
import json, sys, os, subprocess
out, rss0, rss30, rss_end = sys.argv[1], *map(int, sys.argv[2:5])
pay = json.load(open(f"{out}/payloads.json"))
res = {"nproc": os.cpu_count(), "payloads": pay, "rss_kb": {"start": rss0, "after_30s": rss30, "end": rss_end}}
print(f"nproc {os.cpu_count()}, articles of {pay['mean_text_bytes']} bytes on average")
print("| run | requests/s | article MB/s | p50 ms | p99 ms | max ms | errors |")
print("|---|---|---|---|---|---|---|")
for name, per in [("single", 1), ("batch", 100), ("soak", 1)]:
    w = json.load(open(f"{out}/{name}.json"))
    secs = w["duration_us"] / 1e6
    rps = w["requests"] / secs
    mbs = rps * per * pay["mean_text_bytes"] / 1e6
    errors = sum(w["errors"].values())
    res[name] = {**w, "requests_per_s": rps, "article_mb_per_s": mbs, "error_count": errors}
    print(f"| {name} | {rps:,.0f} | {mbs:.1f} | {w['p50_us']/1e3:.2f} | {w['p99_us']/1e3:.2f} | {w['max_us']/1e3:.1f} | {errors} |")
growth = (rss_end - rss30) / rss30 * 100
res["rss_growth_after_30s_pct"] = growth
print(f"RSS: start {rss0/1024:.1f} MB, after 30 s {rss30/1024:.1f} MB, end {rss_end/1024:.1f} MB ({growth:+.1f}% after the first 30 s)")
json.dump(res, open(f"{out}/results.json", "w"), indent=2)
PY
