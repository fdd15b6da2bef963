#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv at .venv and install mmtrack into it.
# Idempotent: a stamp of the requirement files skips the install when nothing changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating virtualenv at $root/.venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.mmtrack-stamp
want="$(cat requirements/*.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing requirements (torch from local disk; takes about 2 minutes)"
  .venv/bin/python -m pip install -q --disable-pip-version-check \
    -r requirements/runtime.txt -r requirements/tests.txt -r requirements/optional.txt 2>&1 \
    | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
    | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import mmtrack, torch, torchvision, mmengine, mmcv" \
    || { echo "[setup] install failed: mmtrack or a dependency does not import" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
