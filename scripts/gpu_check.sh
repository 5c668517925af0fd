#!/usr/bin/env bash
# The checks for a lent CUDA machine, in under 8 minutes, from this checkout (PYTHONPATH=.), installing nothing:
#   1. the tests marked gpu (pytest -m gpu -rs): junit XML and log
#   2. the quick benchmark suite, minitorch:cuda beside minitorch:cpu, NumPy and PyTorch: JSON, PNG and log
#   3. examples/train_mlp.py --device cuda --quick: its log, checkpoint and plot
# then a short summary. Every output goes under OUT_DIR. A failed step does not stop the later ones; the exit
# code is 0 only when all three passed.
#
#   bash scripts/gpu_check.sh [--dry-run] [OUT_DIR]     OUT_DIR defaults to ./gpu_check_out
#   PYTHON=/path/to/python bash scripts/gpu_check.sh     the interpreter (default python3) with CuPy, NumPy,
#                                                        pytest and pytest-benchmark (PyTorch where present)
# --dry-run prints the steps' commands and runs none. Each step has a time limit (seconds; override with
# GPU_CHECK_TEST_S, GPU_CHECK_BENCH_S, GPU_CHECK_TRAIN_S) that keeps the whole under 8 minutes.
set -u

dry_run=0
if [ "${1:-}" = "--dry-run" ]; then
    dry_run=1
    shift
fi
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT_DIR=${1:-gpu_check_out}
TEST_S=${GPU_CHECK_TEST_S:-210}
BENCH_S=${GPU_CHECK_BENCH_S:-180}
TRAIN_S=${GPU_CHECK_TRAIN_S:-60}
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg

failed=()
# step NAME LIMIT_S COMMAND...: run COMMAND under a time limit, its stdout and stderr into OUT_DIR/NAME.log
step() {
    local name=$1 limit=$2
    shift 2
    if [ "$dry_run" = 1 ]; then
        echo "$name (limit ${limit}s): $*"
        return
    fi
    echo "== $name (limit ${limit}s): $*"
    local started=$SECONDS
    timeout --kill-after=10 "$limit" "$@" >"$OUT_DIR/$name.log" 2>&1
    local rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "   $name: TIMED OUT after ${limit}s (see $OUT_DIR/$name.log)"
    elif [ "$rc" != 0 ]; then
        echo "   $name: FAILED, exit $rc (see $OUT_DIR/$name.log)"
    fi
    [ "$rc" = 0 ] || failed+=("$name")
    echo "   $name: $((SECONDS - started)) s"
}

[ "$dry_run" = 1 ] || mkdir -p "$OUT_DIR"
step gpu_tests "$TEST_S" "$PYTHON" -m pytest -m gpu -rs -q -p no:cacheprovider --junitxml="$OUT_DIR/gpu_tests.xml" tests
step bench "$BENCH_S" "$PYTHON" -m minitorch.bench \
    --backends minitorch:cpu,minitorch:cuda,numpy,torch:cpu,torch:cuda \
    --json "$OUT_DIR/bench.json" --plot "$OUT_DIR/bench.png" --quiet
step train_mlp "$TRAIN_S" "$PYTHON" examples/train_mlp.py --device cuda --quick --no-progress \
    --out-dir "$OUT_DIR/train_mlp"
[ "$dry_run" = 0 ] || exit 0

echo
echo "== summary ($OUT_DIR)"
"$PYTHON" - "$OUT_DIR" <<'SUMMARY'
"""Counts from the junit XML, the minitorch:cuda rows of the benchmark JSON, the accuracy line of the training log."""
import json
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

out = Path(sys.argv[1])
try:
    import minitorch
    reason = minitorch.cuda.unavailable_reason()
    usable = f"usable, {minitorch.cuda.device_count()} device(s)"
    print(f"GPU: {usable if reason is None else 'NOT usable: ' + reason}")
except Exception as error:  # the summary must report, whatever state the checkout is in
    print(f"GPU: minitorch did not import ({type(error).__name__}: {error})")

try:
    root = ElementTree.parse(out / "gpu_tests.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    print(f"gpu tests: {passed} passed, {counts['failures']} failed, {counts['errors']} errors, "
          f"{counts['skipped']} skipped (reasons in gpu_tests.log)")
except Exception as error:
    print(f"gpu tests: no junit XML ({type(error).__name__}: {error})")

try:
    rows = [row for row in json.loads((out / "bench.json").read_text())["results"]
            if row["backend"] == "minitorch:cuda"]
    measured = [row for row in rows if row["status"] == "ok"]
    print(f"bench minitorch:cuda: {len(measured)} of {len(rows)} rows measured")
    for row in measured:
        ratio = row.get("time_vs_torch")
        print(f"  {row['benchmark']:<28} {row['params']:<34} {row['median_s'] * 1e6:10.1f} us  "
              f"{row['value']:.4g} {row['unit']}" + (f"  t/torch {ratio:.2f}" if ratio else ""))
    reasons = sorted({row["reason"] for row in rows if row["status"] != "ok"})
    for reason in reasons:
        print(f"  n/a: {reason}")
except Exception as error:
    print(f"bench: no JSON ({type(error).__name__}: {error})")

log = out / "train_mlp.log"
lines = log.read_text(errors="replace").splitlines() if log.exists() else []
accuracy = [line for line in lines if line.startswith("test accuracy")]
print(f"train_mlp: {(accuracy or lines or ['no output'])[-1]}")
SUMMARY

if [ "${#failed[@]}" = 0 ]; then
    echo "all steps passed"
    exit 0
fi
echo "failed: ${failed[*]}"
exit 1
