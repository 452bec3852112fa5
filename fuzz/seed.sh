#!/usr/bin/env bash
# Build the seed corpora of the fuzz targets under fuzz/corpus/<target>/ from the project's own
# small data (tests/fixtures, data/themes, data/samples): real model files written by the
# release binary (small on purpose: a fuzzer mutates faster on kilobytes than on megabytes),
# real JSON Lines and CSV lines, real article texts. Nothing here is checked in: run it again
# on a fresh checkout (fuzz/run.sh calls it when a corpus is missing).
#
#   fuzz/seed.sh            # from anywhere
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
veille=target/release/veille
if [ ! -x "$veille" ]; then
  cargo build --release --locked
fi
corpus=fuzz/corpus
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$corpus"/{model_classifier,model_classifier_fixed,model_clustering,model_clustering_fixed,jsonl,csv,analyzer}

# Classifiers: single-label (each estimator), multi-label, n-grams, CSV input, with --cv.
train() {
  local name=$1
  shift
  "$veille" train --quiet --threads 1 "$@" --out "$tmp/$name.veille" > /dev/null
  cp "$tmp/$name.veille" "$corpus/model_classifier/$name.veille"
  cp "$tmp/$name.veille" "$corpus/model_classifier_fixed/$name.veille"
}
train svm --data tests/fixtures/single.jsonl --algo svm --max-features 60
train cnb --data tests/fixtures/single.jsonl --algo cnb --max-features 60
train mnb --data tests/fixtures/single.csv --algo mnb --max-features 60
train lsa-logreg --data tests/fixtures/single.jsonl --algo lsa-logreg --lsa-dims 4 --max-features 60
train multi --data tests/fixtures/multi.jsonl --algo svm --max-features 60
train auto-cv --data tests/fixtures/single.jsonl --max-features 80 --ngrams 1-2 --cv 3
train themes-en --data data/themes/train.en.jsonl --algo auto --min-df 8 --max-features 150

# Clusterings: every kind, from one small corpus of the project's (English theme texts).
cluster() {
  local name=$1
  shift
  "$veille" cluster --quiet --threads 1 --data data/themes/train.en.jsonl --min-df 12 \
    --n-init 1 --terms 3 "$@" --out "$tmp/$name.veille" > /dev/null
  cp "$tmp/$name.veille" "$corpus/model_clustering/$name.veille"
  cp "$tmp/$name.veille" "$corpus/model_clustering_fixed/$name.veille"
}
cluster spherical-kmeans --algo spherical-kmeans --k 3
cluster spherical-kmeans-auto --algo spherical-kmeans --k auto:2-4
cluster lsa-kmeans --algo lsa-kmeans --k 3 --lsa-dims 6
cluster lsa-gmm --algo lsa-gmm --k 3 --lsa-dims 4
cluster lsa-dbscan --algo lsa-dbscan --lsa-dims 6 --eps 0.6 --min-points 4

# JSON Lines: the fixtures, a few lines of each theme file, and odd but valid shapes.
cp tests/fixtures/single.jsonl tests/fixtures/multi.jsonl "$corpus/jsonl/"
for f in data/themes/*.jsonl; do
  head -n 2 "$f" | cut -c 1-600 > "$corpus/jsonl/$(basename "$f" .jsonl).head.jsonl"
done
printf '\xef\xbb\xbf{"id": 1, "label": "a", "text": "x y", "title": "T"}\r\n\n{"labels": ["b", "a"], "text": "z"}\n' \
  > "$corpus/jsonl/bom-crlf.jsonl"
printf '{"id": 123456789012345678901234567890, "labels": [], "text": "big id", "extra": {"a": [1, 2.5e300, null, true]}}\n{"text": "\\u00e9t\\u00e9 \\ud83d\\ude00"}\n' \
  > "$corpus/jsonl/numbers-escapes.jsonl"

# CSV: the fixture and a few shapes (labels column, quotes, BOM, CRLF).
cp tests/fixtures/single.csv "$corpus/csv/"
printf 'id,text,labels,source\n1,"Hello, ""world""",a|b,wire\n2,second,,blog\n' > "$corpus/csv/labels.csv"
printf '\xef\xbb\xbfid,text,label\r\n1,"multi\r\nline",x\r\n' > "$corpus/csv/bom-crlf.csv"

# Texts: the sample articles and the article fixtures, whole and cut short.
for f in data/samples/*.txt tests/fixtures/articles/*; do
  cp "$f" "$corpus/analyzer/$(basename "$f")"
  head -c 700 "$f" > "$corpus/analyzer/short-$(basename "$f")"
done

for d in "$corpus"/*/; do
  printf '%-26s %3d files %8d bytes\n' "$(basename "$d")" "$(ls "$d" | wc -l)" "$(cat "$d"/* | wc -c)"
done
