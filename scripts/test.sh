#!/usr/bin/env bash
# The test command: sets up .venv with the test extras (pytest, NVRTC for the kernels, the examples'
# libraries), runs the test suite (options pass through, e.g. `bash scripts/test.sh -m gpu -rs`), then
# the benchmarks in smoke mode (tiny sizes, one round) so that they cannot rot. Under CI=true (or with
# MINITORCH_MUTATIONS=1) it also runs the kernel mutation check (scripts/kernel_mutations.py --quick, about
# three minutes): each of its reviewer-missable changes to the GPU path must make a test fail.
#
# The PyTorch parity tests need the parity extra (PyTorch, about 2.5 GB from PyPI on Linux with its CUDA
# libraries, two minutes from a nearby mirror): installed under CI=true, where those tests may not skip,
# or when asked with MINITORCH_PARITY=1; otherwise they skip, saying so. An installed torch satisfies the
# extra, so PyTorch's 200 MB CPU-only build, installed first from PyTorch's own wheel index, does too.
#
# The distributed extra (mpi4py and MPICH's wheel, a few MB) gives tests/distributed its mpiexec: two ranks on
# this machine; those tests skip without it, but not under CI=true.
extras=test,kernel-tests,examples,distributed
if [ "${CI:-}" = true ] || [ "${MINITORCH_PARITY:-}" = 1 ]; then
  extras=$extras,parity
fi
source "$(dirname "$0")/setup.sh" "$extras"
.venv/bin/python -m pytest "$@"
MINITORCH_BENCH_SMOKE=1 .venv/bin/python -m pytest benchmarks --benchmark-disable -q
smoke_dir=$(mktemp -d)
.venv/bin/python -m minitorch.bench --smoke --json "$smoke_dir/bench.json" > "$smoke_dir/bench.log" 2>&1 \
  || { cat "$smoke_dir/bench.log"; exit 1; }
echo "benchmark smoke run (python -m minitorch.bench --smoke): ok"
if [ "${CI:-}" = true ] || [ "${MINITORCH_MUTATIONS:-}" = 1 ]; then
  .venv/bin/python scripts/kernel_mutations.py --quick
fi
