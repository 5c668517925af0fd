#!/usr/bin/env bash
# The test command: sets up .venv with the test extras (pytest, NVRTC for the kernels, the examples'
# libraries), then runs the whole suite.
source "$(dirname "$0")/setup.sh" test,kernel-tests,examples
exec .venv/bin/python -m pytest "$@"
