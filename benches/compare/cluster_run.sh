#!/usr/bin/env bash
# Clustering comparison: `veille cluster` vs scikit-learn (LSA + k-means).
#
# Usage: bash benches/compare/cluster_run.sh [--data DIR] [--veille PATH]
#            [--build] [cluster_compare.py options: --only 20ng,lemonde,scale
#            --seeds 0-4 --scale-repeats N --force-scale --quiet-wait S
#            --quiet-threshold CORES]
#
# Steps: (1) the venv of run.sh (target/compare/venv, pinned requirements);
# (2) the 20ng split (make_splits.py --only 20ng, reused when present);
# (3) the veille binary: --veille PATH, else target/release/veille, built
# with `cargo build --release` only when missing (or when --build is given);
# (4) cluster_compare.py -> target/compare/cluster.json + cluster_report.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/compare"
VENV="$OUT/venv"

DATA="$ROOT/../shared/data"
VEILLE=""
BUILD=0
PASS=()

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --data) DATA="${2:?--data needs a value}"; shift 2 ;;
        --data=*) DATA="${1#*=}"; shift ;;
        --veille) VEILLE="${2:?--veille needs a value}"; shift 2 ;;
        --veille=*) VEILLE="${1#*=}"; shift ;;
        --build) BUILD=1; shift ;;
        -h|--help) usage 0 ;;
        --only|--seeds|--scale-repeats|--quiet-wait|--quiet-threshold)
            PASS+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
        --only=*|--seeds=*|--scale-repeats=*|--quiet-wait=*|--quiet-threshold=*|--force-scale)
            PASS+=("$1"); shift ;;
        *) echo "cluster_run.sh: unknown argument: $1" >&2; usage 2 >&2 ;;
    esac
done

if [ ! -d "$DATA" ]; then
    echo "cluster_run.sh: data folder not found: $DATA (use --data DIR)" >&2
    exit 2
fi
DATA="$(cd "$DATA" && pwd)"
mkdir -p "$OUT"

# --- 1. virtual environment (benches/compare/venv.sh) -----------------------
# shellcheck source=venv.sh
. "$HERE/venv.sh"

# --- 2. the 20ng split (the scale corpus is built from train + test) ---------
echo "== splits (20ng) from $DATA"
"$PY" "$HERE/make_splits.py" --data "$DATA" --only 20ng

# --- 3. veille binary ----------------------------------------------------------
if [ -z "$VEILLE" ]; then
    TARGET_DIR="${CARGO_TARGET_DIR:-target}"
    case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
    VEILLE="$TARGET_DIR/release/veille"
    if [ "$BUILD" = 1 ] || [ ! -x "$VEILLE" ]; then
        echo "== cargo build --release"
        (cd "$ROOT" && cargo build --release)
    fi
fi
if [ ! -x "$VEILLE" ]; then
    echo "cluster_run.sh: veille binary not found or not executable:" \
         "$VEILLE (build with cargo build --release, or pass --veille)" >&2
    exit 2
fi

# --- 4. the comparison ---------------------------------------------------------
echo "== clustering comparison ($VEILLE)"
"$PY" "$HERE/cluster_compare.py" --veille "$VEILLE" --data "$DATA" \
    ${PASS[@]+"${PASS[@]}"}
