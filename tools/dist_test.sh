#!/usr/bin/env bash
# Distributed testing with torchrun: one process per GPU (per CPU worker without CUDA,
# communicating over gloo).
#   bash tools/dist_test.sh CONFIG GPUS [test.py options, e.g. --checkpoint CKPT]
# Environment: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1),
#              PYTHON (python) to pick the interpreter.
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $(basename "$0") CONFIG GPUS [test.py options, e.g. --checkpoint CKPT]" >&2
  exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS_DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS_DIR/test.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
