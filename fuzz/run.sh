#!/usr/bin/env bash
# Run each fuzz target for a bounded time, one after the other, one worker each, and record
# executions, time, corpus size and crashes.
#
#   fuzz/run.sh                    # every target, 600 s each
#   fuzz/run.sh 60                 # every target, 60 s each
#   fuzz/run.sh 600 csv jsonl      # these targets only
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Targets are built by
# `cargo +nightly fuzz build -a`: optimised, AddressSanitizer, and `-a` (debug assertions, which
# turn rustc's overflow checks on: an integer overflow is a panic, so a crash). Each target is
# then run as libFuzzer directly, which is what `cargo fuzz run TARGET` does:
#   fuzz/target/x86_64-unknown-linux-gnu/release/TARGET fuzz/corpus/TARGET \
#     -max_total_time=S -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
#     -artifact_prefix=fuzz/artifacts/TARGET/ -print_final_stats=1
# (equivalently: cd fuzz && cargo +nightly fuzz run -a TARGET -- -max_total_time=S -jobs=1 -workers=1).
# Corpora grow in fuzz/corpus/TARGET (seeded by fuzz/seed.sh when missing); crashes, timeouts
# and out-of-memory inputs land in fuzz/artifacts/TARGET/; the libFuzzer log of each run and
# a summary line (fuzz/runs/summary.tsv) in fuzz/runs/. The script exits 1 when a target
# found anything. Reproduce one artifact: the binary above with the artifact path as argument,
# or `cargo +nightly fuzz run -a TARGET fuzz/artifacts/TARGET/crash-...`.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
cd "$fuzz"
secs=${1:-600}
shift || true
all=(model_classifier model_classifier_fixed model_clustering model_clustering_fixed jsonl csv analyzer)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] && [ -n "$(ls -A "corpus/$t")" ] || { ./seed.sh; break; }
done
cargo +nightly fuzz build -a
bin="$fuzz/target/x86_64-unknown-linux-gnu/release"
mkdir -p runs
stamp=$(date -u +%Y%m%dT%H%M%SZ)
printf 'target\tseconds\texecutions\texec_per_s\tcorpus_files\tnew_artifacts\tcommit\tstarted\n' \
  > "runs/$stamp.tsv"
found=0
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t" "runs/$stamp-$t"
  before=$(ls "artifacts/$t" | wc -l)
  echo "== $t: ${secs}s"
  start=$(date +%s)
  # -jobs=1 runs the fuzzer in a child process logging to fuzz-0.log in the current folder.
  (cd "runs/$stamp-$t" && "$bin/$t" "$fuzz/corpus/$t" -max_total_time="$secs" -jobs=1 -workers=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$fuzz/artifacts/$t/" -print_final_stats=1 \
    > runner.log 2>&1) || true
  took=$(($(date +%s) - start))
  log="runs/$stamp-$t/fuzz-0.log"
  [ -f "$log" ] || log="runs/$stamp-$t/runner.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || echo '?')
  files=$(ls "corpus/$t" | wc -l)
  new=$(($(ls "artifacts/$t" | wc -l) - before))
  [ "$new" -eq 0 ] || found=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$took" "$execs" "$rate" "$files" "$new" \
    "$(git -C "$fuzz" rev-parse --short HEAD)" "$stamp" | tee -a "runs/$stamp.tsv"
  grep -h -m3 -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" || true
done
tail -n +2 "runs/$stamp.tsv" >> runs/summary.tsv
column -t -s $'\t' "runs/$stamp.tsv"
exit $found
