# Sourced by run.sh and cluster_run.sh: the virtual environment at $VENV, created once and
# reinstalled when the pinned requirements change. Sets PY to its interpreter.
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
REQ="$HERE/requirements.txt"
STAMP="$VENV/.requirements.sha256"
REQ_SUM="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$REQ_SUM" ]; then
    echo "== installing pinned requirements into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$REQ"
    echo "$REQ_SUM" > "$STAMP"
fi
PY="$VENV/bin/python"
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the source tree
