"""Mutation check of the GPU path's tests: applies, one at a time, a change a careful reviewer could miss to
a copy of the checkout (a kernel's formula, a gate block, a grid-stride bound, a missing barrier, a window's
offset, a padding check, launch arguments swapped in CudaKernels), runs tests/kernels there, and prints which
tests caught it. Every mutation must be caught.

    .venv/bin/python scripts/kernel_mutations.py            # all, two at a time; exit 1 if one survives
    .venv/bin/python scripts/kernel_mutations.py --quick    # stop at the first failing host test (CI runs this)
    .venv/bin/python scripts/kernel_mutations.py --list
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Mutation(NamedTuple):
    name: str
    path: str
    before: str
    after: str


MUTATIONS = [
    Mutation("SGD: (1 - dampening) written as dampening", "kernels/optimizers.cu",
             "C(1 - dampening) * step", "C(dampening) * step"),
    Mutation("Adam: (1 - beta1) written as beta1", "kernels/optimizers.cu",
             "(gradient - average) * C(1 - beta1)", "(gradient - average) * C(beta1)"),
    Mutation("sgd_update: lr and momentum swapped in the launch", "minitorch/backends/cuda_kernels.py",
             "np.float64(lr), np.float64(momentum)", "np.float64(momentum), np.float64(lr)"),
    Mutation("softmax: mt_exp replaced by the fast-math __expf", "kernels/softmax.cu",
             "log ? shifted - log_sum : mt_exp(shifted)", "log ? shifted - log_sum : __expf(shifted)"),
    Mutation("activation forward: grid-stride bound i <= n", "kernels/elementwise.cu",
             "for (long long i = mt_first_index(); i < n; i += mt_grid_stride()) {\n        mt_store(y + i, forward(",
             "for (long long i = mt_first_index(); i <= n; i += mt_grid_stride()) {\n        mt_store(y + i, forward("),
    Mutation("SGD: grid-stride bound i < n - 1", "kernels/optimizers.cu",
             "i < n; i += mt_grid_stride()) {\n        C value = mt_load(param[i]);\n        C step",
             "i < n - 1; i += mt_grid_stride()) {\n        C value = mt_load(param[i]);\n        C step"),
    Mutation("adam_update: beta1 and beta2 swapped in the launch", "minitorch/backends/cuda_kernels.py",
             "np.float64(beta1), np.float64(beta2)", "np.float64(beta2), np.float64(beta1)"),
    Mutation("adam_update: exp_avg and exp_avg_sq swapped in the launch", "minitorch/backends/cuda_kernels.py",
             "(work_param, grad, work_avg, work_avg_sq,", "(work_param, grad, work_avg_sq, work_avg,"),
    Mutation("adam_update: the two bias corrections swapped in the launch", "minitorch/backends/cuda_kernels.py",
             "np.float64(bias_correction1), np.float64(bias_correction2_sqrt)",
             "np.float64(bias_correction2_sqrt), np.float64(bias_correction1)"),
    Mutation("block reduction: the barrier before shared is reused removed", "kernels/softmax.cu",
             "    C result = shared[0];\n    __syncthreads();", "    C result = shared[0];"),
    Mutation("cross-entropy backward: + 1 at the target for - 1", "kernels/cross_entropy.cu",
             "probability - 1 : probability", "probability + 1 : probability"),
    Mutation("0-d arrays through ascontiguousarray (shape (1,))", "minitorch/backends/cuda_kernels.py",
             'return self.xp.asarray(array, dtype=dtype, order="C")',
             "return self.xp.ascontiguousarray(array, dtype=dtype)"),
    Mutation("non-contiguous parameters: the updated copy not written back", "minitorch/backends/cuda_kernels.py",
             "    if work is not array:\n        array[...] = work", "    pass"),
    # convolution and pooling (issue 13)
    Mutation("im2col: the top padding added, not subtracted", "kernels/convolution.cu",
             "i * dilation_h - pad_top;", "i * dilation_h + pad_top;"),
    Mutation("col2im: the stride check of the columns dropped", "kernels/convolution.cu",
             "ow_stride < 0 || ow_stride % stride_w != 0 ||", "ow_stride < 0 ||"),
    Mutation("im2col: top and left padding swapped in the launch", "minitorch/backends/cuda_kernels.py",
             "(x, cols, *_int64s(batch * channels, height, width, kh, kw, sh, sw, top, left,",
             "(x, cols, *_int64s(batch * channels, height, width, kh, kw, sh, sw, left, top,"),
    Mutation("max_pool2d: the top padding check dropped", "kernels/pooling.cu",
             "if (h < 0 || h >= height) {", "if (h >= height) {"),
    Mutation("max_pool2d: ties go to the last maximum", "kernels/pooling.cu",
             "value > best || value != value", "value >= best || value != value"),
    Mutation("max_pool2d backward: the plane not zeroed first", "kernels/pooling.cu",
             "k < plane_size; ++k) {\n            mt_store(target + k, C(0));",
             "k < 0; ++k) {\n            mt_store(target + k, C(0));"),
    Mutation("ceil_mode: a last window starting in the right padding kept", "minitorch/backends/cuda_kernels.py",
             "(out - 1) * stride >= size + padding", "(out - 1) * stride > size + padding"),
    Mutation("avg_pool2d: the window not cut at W + padding", "kernels/pooling.cu",
             "long long w1 = w0 + kernel_w < width + pad_w ? w0 + kernel_w : width + pad_w;",
             "long long w1 = w0 + kernel_w;"),
    Mutation("avg_pool2d backward: one window too many above each pixel", "kernels/pooling.cu",
             "(h + pad_h - kernel_h + 1 + stride_h - 1) / stride_h",
             "(h + pad_h - kernel_h + stride_h - 1) / stride_h"),
    Mutation("avg_pool2d_forward: count_include_pad not passed on", "minitorch/backends/cuda_kernels.py",
             "np.int32(count_include_pad), np.int64(divisor_override or 0)))\n            return out\n",
             "np.int32(True), np.int64(divisor_override or 0)))\n            return out\n"),
    # the LSTM and GRU cells (issue 14)
    Mutation("LSTM: the i and f gate blocks swapped", "kernels/rnn.cu",
             "{mt_load(gates[at]), mt_load(gates[at + hidden]),", "{mt_load(gates[at + hidden]), mt_load(gates[at]),"),
    Mutation("LSTM backward: tanh'(c) written 1 - tanh(c)", "kernels/rnn_cells.cuh",
             "grad_h * gate.o * (1 - tanh_c * tanh_c)", "grad_h * gate.o * (1 - tanh_c)"),
    Mutation("GRU: the (1 - z) of the new state dropped", "kernels/rnn_cells.cuh",
             "return (1 - gate.z) * gate.n + gate.z * h_prev;", "return gate.n + gate.z * h_prev;"),
    Mutation("GRU: b_hn outside the reset product", "kernels/rnn_cells.cuh",
             "mt_tanh(input.n + r * hidden.n)", "mt_tanh(r * (input.n + hidden.n))"),
    Mutation("GRU backward: the hidden n block without its factor r", "kernels/rnn_cells.cuh",
             "*grad_hidden_n = dn_pre * gate.r;", "*grad_hidden_n = dn_pre;"),
    Mutation("GRU forward: grid-stride bound e <= batch * hidden", "kernels/rnn.cu",
             "e < batch * hidden; e += mt_grid_stride()) {\n        long long at = mt_gate_offset(e, hidden, 3);\n"
             "        mt_gru_gates<C> input",
             "e <= batch * hidden; e += mt_grid_stride()) {\n        long long at = mt_gate_offset(e, hidden, 3);\n"
             "        mt_gru_gates<C> input"),
    Mutation("lstm_cell_forward: h and c swapped in the launch", "minitorch/backends/cuda_rnn.py",
             "(gates, c_prev, h, c, activated,", "(gates, c_prev, c, h, activated,"),
    Mutation("gru_cell_backward: batch and hidden swapped in the launch", "minitorch/backends/cuda_rnn.py",
             "grad_h_prev, np.int64(batch), np.int64(hidden)", "grad_h_prev, np.int64(hidden), np.int64(batch)"),
]


def _copy_checkout(destination: Path) -> None:
    """The tracked and untracked, not ignored, files of the checkout."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


QUICK_TESTS = ["tests/kernels/test_nvrtc_compile.py::test_no_fast_intrinsic_in_the_kernel_sources",
               "tests/kernels/test_host_kernels.py", "tests/kernels/test_host_optimizers.py",
               "tests/kernels/test_host_backend.py", "tests/kernels/test_host_convolution.py",
               "tests/kernels/test_host_rnn.py", "-x"]
"""What --quick runs: the source scan and the host execution, up to the first failure."""
OWN_TESTS = {"pooling": "test_host_convolution.py", "convolution": "test_host_convolution.py",
             "rnn": "test_host_rnn.py", "optimizers": "test_host_optimizers.py"}
"""The host tests of a kernel family (by a word of the mutated file's name), run first by --quick."""


def quick_tests(mutation: Mutation) -> list[str]:
    """QUICK_TESTS with the mutated family's own tests first, so that -x stops at once when they catch it."""
    own = [f"tests/kernels/{test}" for word, test in OWN_TESTS.items() if word in Path(mutation.path).name][:1]
    return own + [test for test in QUICK_TESTS if test not in own]


def run(mutation: Mutation, quick: bool = False) -> tuple[Mutation, list[str]]:
    """(mutation, the tests that failed: none if the mutation survived)."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as directory:
        copy = Path(directory)
        _copy_checkout(copy)
        target = copy / mutation.path
        text = target.read_text()
        assert text.count(mutation.before) == 1, f"{mutation.name}: the text to change is not there exactly once"
        target.write_text(text.replace(mutation.before, mutation.after))
        environment = {**os.environ, "PYTHONPATH": str(copy), "CI": "true"}
        tests = quick_tests(mutation) if quick else ["tests/kernels"]
        result = subprocess.run([sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider", "-m", "not gpu"],
                                cwd=copy, env=environment, capture_output=True, text=True)
        failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.M)
        if result.returncode not in (0, 1) or (result.returncode == 1) != bool(failed):
            raise RuntimeError(f"{mutation.name}: pytest exited {result.returncode} (not a test failure):\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return mutation, failed


def _summary(failed: list[str]) -> str:
    """How many tests failed, naming two, those that test a kernel directly first."""
    direct = sorted(failed, key=lambda test: "test_host_backend" in test)
    names = ", ".join(f"`{test.removeprefix('tests/kernels/')}`" for test in direct[:2])
    return f"{len(failed)}: {names}{', ...' if len(failed) > 2 else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("--quick", action="store_true", help="only the host tests, up to the first failure")
    arguments = parser.parse_args()
    if arguments.list:
        for mutation in MUTATIONS:
            print(f"{mutation.name} ({mutation.path})")
        return
    print("| mutation | file | tests that failed |\n|---|---|---|", flush=True)
    survivors = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for mutation, failed in pool.map(lambda mutation: run(mutation, arguments.quick), MUTATIONS):
            survivors += not failed
            print(f"| {mutation.name} | {mutation.path} | {_summary(failed) if failed else 'NONE: it survived'} |",
                  flush=True)
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
