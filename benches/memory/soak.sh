#!/usr/bin/env bash
# Soak benchmarks of issue 9: classify 1,000,000 articles from a stream, real-looking text
# (AG News lines cycled, ids made unique) and random tokens (every word new), with a model
# trained on AG News; RSS sampled every second and the peak (VmHWM) by rss.py.
#
#   benches/memory/soak.sh [VEILLE_BINARY...]     (default: target/release/veille)
#
# Needs ../shared/data/ag_news.test.jsonl. Inputs and models go under ${SOAK_DIR:-/tmp/veille-soak}.
# Each run is bounded (SOAK_TIMEOUT seconds, default 900). Prints one line per binary and stream.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${DATA:-$root/../shared/data}"
dir="${SOAK_DIR:-/tmp/veille-soak}"
n="${SOAK_ARTICLES:-1000000}"
timeout="${SOAK_TIMEOUT:-900}"
mkdir -p "$dir"
bins=("$@")
[ ${#bins[@]} -eq 0 ] && bins=("$root/target/release/veille")

[ -s "$dir/stream.jsonl" ] || python3 "$here/gen.py" stream "$data/ag_news.test.jsonl" "$n" > "$dir/stream.jsonl"
[ -s "$dir/random.jsonl" ] || python3 "$here/gen.py" random "$n" > "$dir/random.jsonl"

for bin in "${bins[@]}"; do
  name="$(basename "$bin")"
  model="$dir/ag.$name.veille"
  "$bin" train --quiet --data "$data/ag_news.test.jsonl" --out "$model"
  for input in stream random; do
    csv="$dir/$name.$input.rss.csv"
    # rss.py's JSON line: peak_hwm_mb is veille's VmHWM, the figure `/usr/bin/time -v` gives.
    summary=$(python3 "$here/rss.py" --timeout "$timeout" --csv "$csv" \
        --stdin "$dir/$input.jsonl" -- \
        "$bin" classify --quiet --model "$model" --stdin-format jsonl --format jsonl 2>&1 || true)
    json=$(grep '^{' <<<"$summary" | tail -1)
    echo "$name $input $(du -m "$dir/$input.jsonl" | cut -f1)MB $json"
  done
done
