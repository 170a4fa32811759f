#!/usr/bin/env bash
# Creates .venv with Python 3.10 and the pinned packages, once. Safe to run again: it only
# reinstalls when requirements/*.txt changed. Used by `make run`, `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for candidate in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
    if "$candidate" -c 'import venv' 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! PY=$(find_python310); then
    cat >&2 <<'MSG'
error: Python 3.10 was not found.
  Rasa 3.6 runs on Python 3.8-3.10 only, and this project pins 3.10.
  Install it and run the command again, for example:
    with pyenv:       pyenv install 3.10.13
    on Debian/Ubuntu: sudo apt-get install python3.10 python3.10-venv
  Or point to one:   PYTHON310=/path/to/python3.10 make run
MSG
    exit 1
  fi
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

want=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned packages into $VENV (first time: about 3 minutes, 2.7 GB)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r requirements/dev.txt -c requirements/constraints.txt
  echo "$want" > "$STAMP"
fi

# Rasa telemetry off for every Rasa command run with this venv, also plain `rasa train`.
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import os; os.environ.setdefault('RASA_TELEMETRY_ENABLED', 'false')" > "$site/zz_project_no_telemetry.pth"
