#!/usr/bin/env bash
# Set everything up (virtualenv at .venv) and run the test suite on CPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup_venv.sh
.venv/bin/python -m ruff check mmtrack tools tests demo
exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -q -p no:cacheprovider "$@"
