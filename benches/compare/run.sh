#!/usr/bin/env bash
# Side-by-side comparison of veille, scikit-learn and fastText.
#
# Usage: bash benches/compare/run.sh [--data DIR] [--only NAME,...]
#            [--skip-veille] [--skip-sklearn] [--skip-fasttext] [--repeats N]
#            [--veille PATH] [--bench NAME,...] [--scaling NAME,...]
#            [--quality-only]
#
# --only takes corpora and groups: all (default: the 10 corpora and their
# -small and -short variants), tuned (what the defaults were chosen on),
# unseen (never used to choose them), classic (20ng,agnews,lemonde,reuters:
# the old default), base, small, short.
#
# Steps: (1) create target/compare/venv once and install the pinned
# requirements; (2) make the splits (target/compare/splits); (3) sklearn
# baselines -> target/compare/sklearn.json; (4) fastText baselines ->
# target/compare/fasttext.json; (5) cargo build --release and veille runs
# -> target/compare/veille.json, plus `veille bench` on the --bench corpora
# (default 20ng) and `veille bench --scaling auto` on the --scaling corpora
# (default 20ng, 120k articles) -> target/compare/bench.json and bench-*.html;
# (6) target/compare/report.md.
# --quality-only: (3) in sklearn_baselines.py's --quality-only mode, no (4),
# (5) is quality.py (veille train on every corpus against the best sklearn
# row -> target/compare/quality.json), no (6).
# All outputs live under target/ (git-ignored); nothing is written to the
# source tree.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/target/compare"
VENV="$OUT/venv"

DATA="$ROOT/../shared/data"
ONLY="all"
SKIP_VEILLE=0
SKIP_SKLEARN=0
SKIP_FASTTEXT=0
BENCH="20ng"
SCALING="20ng"
REPEATS=3
VEILLE=""
QUALITY_ONLY=0

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --data) DATA="${2:?--data needs a value}"; shift 2 ;;
        --data=*) DATA="${1#*=}"; shift ;;
        --only) ONLY="${2:?--only needs a value}"; shift 2 ;;
        --only=*) ONLY="${1#*=}"; shift ;;
        --repeats) REPEATS="${2:?--repeats needs a value}"; shift 2 ;;
        --repeats=*) REPEATS="${1#*=}"; shift ;;
        --veille) VEILLE="${2:?--veille needs a value}"; shift 2 ;;
        --veille=*) VEILLE="${1#*=}"; shift ;;
        --skip-veille) SKIP_VEILLE=1; shift ;;
        --skip-sklearn) SKIP_SKLEARN=1; shift ;;
        --skip-fasttext) SKIP_FASTTEXT=1; shift ;;
        --quality-only) QUALITY_ONLY=1; SKIP_FASTTEXT=1; shift ;;
        --bench) BENCH="${2?--bench needs a value}"; shift 2 ;;
        --bench=*) BENCH="${1#*=}"; shift ;;
        --scaling) SCALING="${2?--scaling needs a value}"; shift 2 ;;
        --scaling=*) SCALING="${1#*=}"; shift ;;
        -h|--help) usage 0 ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage 2 >&2 ;;
    esac
done

case "$REPEATS" in
    ''|*[!0-9]*|0) echo "run.sh: --repeats must be a positive integer" >&2
                   exit 2 ;;
esac
if [ ! -d "$DATA" ]; then
    echo "run.sh: data folder not found: $DATA (use --data DIR)" >&2
    exit 2
fi
DATA="$(cd "$DATA" && pwd)"
mkdir -p "$OUT"

# --- 1. virtual environment (benches/compare/venv.sh) -----------------------
# shellcheck source=venv.sh
. "$HERE/venv.sh"

# --- 2. splits ---------------------------------------------------------------
echo "== splits ($ONLY) from $DATA"
"$PY" "$HERE/make_splits.py" --data "$DATA" --only "$ONLY"

# --- 3. scikit-learn baselines -----------------------------------------------
if [ "$SKIP_SKLEARN" = 0 ]; then
    if [ "$QUALITY_ONLY" = 1 ]; then
        echo "== scikit-learn baselines (quality only)"
        "$PY" "$HERE/sklearn_baselines.py" --only "$ONLY" --quality-only
    else
        echo "== scikit-learn baselines (repeats: $REPEATS)"
        "$PY" "$HERE/sklearn_baselines.py" --only "$ONLY" --repeats "$REPEATS"
    fi
fi

# --- 4. fastText baselines ----------------------------------------------------
if [ "$SKIP_FASTTEXT" = 0 ]; then
    echo "== fastText baselines (repeats: $REPEATS)"
    "$PY" "$HERE/fasttext_baselines.py" --only "$ONLY" --repeats "$REPEATS"
fi

# --- 5. veille -----------------------------------------------------------------
if [ "$SKIP_VEILLE" = 0 ]; then
    if [ -z "$VEILLE" ]; then
        echo "== cargo build --release"
        (cd "$ROOT" && cargo build --release)
        TARGET_DIR="${CARGO_TARGET_DIR:-target}"
        case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
        VEILLE="$TARGET_DIR/release/veille"
    fi
    if [ "$QUALITY_ONLY" = 1 ]; then
        echo "== veille quality ($VEILLE)"
        "$PY" "$HERE/quality.py" --veille "$VEILLE" --only "$ONLY"
        exit 0
    fi
    echo "== veille runs ($VEILLE, repeats: $REPEATS)"
    "$PY" "$HERE/veille_runs.py" --veille "$VEILLE" --only "$ONLY" \
        --repeats "$REPEATS" --bench "$BENCH" --scaling "$SCALING"
fi
if [ "$QUALITY_ONLY" = 1 ]; then
    exit 0
fi

# --- 6. report -----------------------------------------------------------------
if [ -f "$OUT/sklearn.json" ] || [ -f "$OUT/fasttext.json" ] \
        || [ -f "$OUT/veille.json" ]; then
    echo "== report"
    "$PY" "$HERE/report.py" > /dev/null
    echo "wrote $OUT/report.md"
fi
