#!/usr/bin/env bash
# The main job: sets up .venv with the examples' libraries, then trains an MLP on handwritten digits
# (examples/train_mlp.py: on the GPU when one is usable, else the CPU). Options pass through, e.g.
#   bash scripts/train.sh --epochs 40 --out-dir runs/long
#   bash scripts/train.sh --data mnist --mnist-dir ~/data/mnist
source "$(dirname "$0")/setup.sh" examples
exec .venv/bin/python examples/train_mlp.py "$@"
