#!/usr/bin/env bash
# Set everything up (virtualenv at .venv) and run the main job on the embedded demo data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup_venv.sh
exec .venv/bin/python demo/quickstart.py "$@"
