#!/usr/bin/env bash
# The Python package's tests: build the wheel from this checkout (pip runs maturin), install
# it in a fresh virtual environment with pytest, pyarrow and scikit-learn, and run
# python/tests against the `veille` command line (target/release or target/debug; build one
# first, e.g. with `cargo build`). Usage: python/test.sh [pytest args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/python-test-venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# A real wheel, not an editable install: what a user of `pip install ./python` gets.
"$venv/bin/pip" install --quiet "$root/python[test]"
cd "$root/python/tests"
"$venv/bin/python" -m pytest -q "$@"
