#!/usr/bin/env bash
# The main job: sets up .venv, then trains a small network (examples/train_small.py).
source "$(dirname "$0")/setup.sh" ""
exec .venv/bin/python examples/train_small.py "$@"
