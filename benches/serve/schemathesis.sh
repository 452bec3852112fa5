#!/usr/bin/env bash
# Property-based test of `veille serve` against its OpenAPI document (issue 10): schemathesis
# (PyPI) generates requests from docs/openapi.json, valid and invalid, and checks every answer
# against the document (status codes, content types, schemas) and for server errors.
# Installs schemathesis in target/schemathesis-venv on first use.
# Usage: benches/serve/schemathesis.sh [MAX_EXAMPLES]   (default 100 per operation)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100}
PORT=${PORT:-18182}
VENV=target/schemathesis-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'schemathesis>=4,<5'
fi
BIN=${VEILLE_BIN:-target/debug/veille}
[ -x "$BIN" ] || cargo build --locked --quiet
mkdir -p target/schemathesis
"$BIN" serve --model models/themes.veille --model tests/fixtures/compat/v2/spherical.veille \
  --addr "127.0.0.1:$PORT" 2> target/schemathesis/server.log &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
  --checks all --max-examples "$N" --seed 42 --generation-deterministic \
  --request-timeout 30 --suppress-health-check too_slow,filter_too_much \
  --report junit --report-dir target/schemathesis
# No worker panicked, and the server still answers.
if grep -q panicked target/schemathesis/server.log; then
  echo "the server panicked: see target/schemathesis/server.log" >&2; exit 1
fi
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null
echo "schemathesis: passed; the server still serves"
