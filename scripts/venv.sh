# Sourced by ./run-app and ./run-tests: make .venv with what the project needs, once per change of
# pyproject.toml. Needs only a Python 3.11+ on PATH (set PYTHON to choose another).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WORKBENCH_VENV:-$ROOT/.venv}"
EXTRAS="${1:-ui}"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Prompt Workbench needs Python 3.11 or newer on PATH (or PYTHON=/path/to/python3.11)." >&2
    return 1
}

ensure_venv() {
    local py stamp want
    if [ ! -x "$VENV/bin/python" ]; then
        py="$(find_python)"
        echo "Creating virtual environment in $VENV ..." >&2
        "$py" -m venv "$VENV"
    fi
    stamp="$VENV/.installed"
    want_hash="$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$ROOT/pyproject.toml")"
    # The stamp holds the pyproject hash and the extras installed; a superset of extras will do.
    if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want_hash" ] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(not set(sys.argv[1].split(",")) <= set(sys.argv[2].split(",")))' \
            "$EXTRAS" "$(sed -n 2p "$stamp")"; then
        return 0
    fi
    local extras="$EXTRAS"
    if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want_hash" ]; then
        extras="$(printf '%s,%s' "$EXTRAS" "$(sed -n 2p "$stamp")" | tr ',' '\n' | sort -u | paste -sd, -)"
    fi
    echo "Installing Prompt Workbench and its dependencies ($extras) ..." >&2
    # Build-backend chatter goes to a log; it is shown only when the install fails.
    if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip &&
           "$VENV/bin/python" -m pip install --quiet -e "$ROOT[$extras]"; } >"$VENV/install.log" 2>&1; then
        cat "$VENV/install.log" >&2
        echo "Installing failed; the log above is also in $VENV/install.log" >&2
        return 1
    fi
    printf '%s\n%s\n' "$want_hash" "$extras" >"$stamp"
}

ensure_venv
