#!/usr/bin/env bash
# The test command: sets up .venv with the test extras (pytest, NVRTC for the kernels, the examples'
# libraries), runs the test suite (options pass through, e.g. `bash scripts/test.sh -m gpu -rs`), then
# the benchmarks in smoke mode (tiny sizes, one round) so that they cannot rot.
source "$(dirname "$0")/setup.sh" test,kernel-tests,examples
.venv/bin/python -m pytest "$@"
MINITORCH_BENCH_SMOKE=1 .venv/bin/python -m pytest benchmarks --benchmark-disable -q
smoke_dir=$(mktemp -d)
.venv/bin/python -m minitorch.bench --smoke --json "$smoke_dir/bench.json" > "$smoke_dir/bench.log" 2>&1 \
  || { cat "$smoke_dir/bench.log"; exit 1; }
echo "benchmark smoke run (python -m minitorch.bench --smoke): ok"
