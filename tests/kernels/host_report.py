"""Prints the host-execution table: for every kernel family and dtype, the worst error of our kernels (built
for the host and launched through CudaKernels, as the tests do) against float64 references, as Markdown.

    .venv/bin/python tests/kernels/host_report.py

Activations are measured by the mixed error of reference.py (relative to the terms the formula rounds, what
the tests bound; the tests allow RTOL); the other kernels in units in the last place, of the result's dtype,
at the largest term the kernel rounds (an exact value near 0 after cancellation would make any rounding of
the terms look like thousands of ulp of the result).
"""
from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
from host_runtime import HostRuntime, build  # this script's directory is on sys.path
from reference import RTOL, expected, mixed_error, parameters, sample_inputs

import conv_reference

from minitorch.backends.cuda_kernels import CudaKernels
from minitorch.backends.activations import ACTIVATIONS

DTYPES = [np.float16, np.float32, np.float64]


def ulps(got: np.ndarray, exact: np.ndarray, *terms: np.ndarray | float) -> float:
    """The worst |got - exact| in steps of got's dtype at max(|exact|, |terms|...), over finite exact values."""
    scale = np.abs(exact)
    for term in terms:
        scale = np.maximum(scale, np.abs(term))
    finite = np.isfinite(exact)
    step = np.spacing(scale[finite].astype(got.dtype)).astype(np.float64)
    return float((np.abs(got[finite].astype(np.float64) - exact[finite]) / step).max(initial=0.0))


def activation_errors(kernels: CudaKernels, name: str, dtype: type) -> tuple[float, float, float]:
    """Worst mixed error of the forward, the fused backward and the bias + activation forward."""
    spec, x = ACTIVATIONS[name], sample_inputs(dtype)
    grad_output = np.random.default_rng(1).uniform(0.5, 2, x.size).astype(dtype)
    worst = [0.0, 0.0, 0.0]
    for params in parameters(name):
        y = kernels.activation_forward(spec, x, params)
        worst[0] = max(worst[0], float(mixed_error(y, expected(name, "forward", x, *params)).max()))
        saved = y if spec.from_output else x
        derivative = expected(name, "derivative", saved, *params)
        got = kernels.activation_backward(spec, grad_output, saved, params)
        scaled = derivative._replace(value=grad_output * derivative.value, scale=grad_output * derivative.scale)
        worst[1] = max(worst[1], float(mixed_error(got, scaled).max()))
        z = x[np.isfinite(x)][:2400].reshape(40, 60)
        bias = np.random.default_rng(2).normal(0, 1, 60).astype(dtype)
        pre = (z + bias).astype(dtype)
        _, y = kernels.bias_activation_forward(spec, z, bias, params)
        worst[2] = max(worst[2], float(mixed_error(y.reshape(-1), expected(name, "forward", pre.reshape(-1),
                                                                           *params)).max()))
    return worst[0], worst[1], worst[2]


def row_kernel_errors(kernels: CudaKernels, dtype: type) -> dict[str, float]:
    """Worst ulp of softmax, log_softmax, cross-entropy loss and gradient on random rows of several widths."""
    worst = {"softmax": 0.0, "log_softmax": 0.0, "cross_entropy_forward": 0.0, "cross_entropy_backward": 0.0}
    random = np.random.default_rng(0)
    for rows, cols in ((64, 10), (16, 300), (4, 1000), (8, 37)):
        x = random.normal(0, 4, (rows, cols)).astype(dtype)
        work = x.astype(np.float64)
        shifted = work - work.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        worst["softmax"] = max(worst["softmax"], ulps(kernels.softmax(x, 1, False), np.exp(shifted - log_sum), 1.0))
        worst["log_softmax"] = max(worst["log_softmax"], ulps(kernels.softmax(x, 1, True), shifted - log_sum, shifted, 1.0,
                                                                        log_sum))
        target = random.integers(0, cols, rows)
        loss, row_max, row_log_sum = kernels.cross_entropy_forward(x, target, -100)
        exact_loss = (log_sum[:, 0] - shifted[np.arange(rows), target])
        worst["cross_entropy_forward"] = max(worst["cross_entropy_forward"], ulps(loss, exact_loss, row_log_sum,
                                                                                      shifted[np.arange(rows), target]))
        grad = kernels.cross_entropy_backward(x, target, row_max, row_log_sum, np.ones(rows, dtype), -100)
        exact_grad = np.exp((work - row_max.astype(np.float64)[:, None]) - row_log_sum.astype(np.float64)[:, None])
        exact_grad[np.arange(rows), target] -= 1
        worst["cross_entropy_backward"] = max(worst["cross_entropy_backward"], ulps(grad, exact_grad, 1.0))
    return worst


def optimizer_errors(kernels: CudaKernels, dtype: type) -> dict[str, float]:
    """Worst ulp of the parameter after one SGD (momentum, dampening, nesterov, weight decay) and one Adam step
    at steps 1 and 1000, from random state, against torch.optim's formulas in float64."""
    random = np.random.default_rng(0)
    param, grad, buffer = (random.normal(0, 1, 4096).astype(dtype) for _ in range(3))
    p, g, b = (array.astype(np.float64) for array in (param, grad, buffer))
    step = g + 0.01 * p
    new_buffer = 0.9 * b + 0.8 * step
    exact = p - 0.05 * (step + 0.9 * new_buffer)
    kernels.sgd_update(param, grad, buffer, 0.05, 0.9, 0.2, 0.01, True)
    worst = {"sgd_update": ulps(param, exact, p, 0.05 * step, 0.05 * 0.9 * new_buffer)}
    worst["adam_update"] = 0.0
    for step_number in (1, 1000):
        param, grad, exp_avg = (random.normal(0, 1, 4096).astype(dtype) for _ in range(3))
        exp_avg_sq = random.uniform(0.01, 1, 4096).astype(dtype)
        p, g, m, v = (array.astype(np.float64) for array in (param, grad, exp_avg, exp_avg_sq))
        m = m + (g - m) * 0.1
        v = 0.999 * v + 0.001 * g * g
        denominator = np.sqrt(v) / math.sqrt(1 - 0.999 ** step_number) + 1e-8
        exact = p * (1 - 0.1 * 0.01) - 0.1 / (1 - 0.9 ** step_number) * m / denominator
        kernels.adam_update(param, grad, exp_avg, exp_avg_sq, step_number, 0.1, 0.9, 0.999, 1e-8, 0.01, True)
        worst["adam_update"] = max(worst["adam_update"], ulps(param, exact, p, exact - p))
    return worst


def convolution_errors(kernels: CudaKernels, dtype: type) -> dict[str, float]:
    """Worst ulp of im2col, col2im and the pools (forward and backward) over the cases of the host tests, each
    sum measured at its largest term: the same loop nests over |input| (the pools' forward values and indices
    must match exactly: their rows count the mismatches instead)."""
    random = np.random.default_rng(0)
    worst = dict.fromkeys(("im2col", "col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
                           "avg_pool2d_backward"), 0.0)
    for case in conv_reference.CONV_CASES:
        x = random.normal(0, 3, case.shape).astype(dtype)
        cols = kernels.im2col(x, case.kernel, case.stride, case.padding, case.dilation)
        worst["im2col"] += float(np.count_nonzero(cols != conv_reference.im2col(x.astype(np.float64), case)))
        work = random.normal(0, 3, cols.shape).astype(dtype)
        got = kernels.col2im(work, case.shape[2:], case.kernel, case.stride, case.padding, case.dilation)
        exact = work.astype(np.float64)
        worst["col2im"] = max(worst["col2im"], ulps(got, conv_reference.col2im(exact, case),
                                                    conv_reference.col2im(np.abs(exact), case)))
    for case in conv_reference.MAX_POOL_CASES:
        x = random.normal(0, 3, case.shape).astype(dtype)
        out, indices = kernels.max_pool2d_forward(x, case.kernel, case.stride, case.padding, case.dilation,
                                                  case.ceil_mode)
        exact_out, exact_indices = conv_reference.max_pool2d(x.astype(np.float64), case)
        worst["max_pool2d_forward"] += float(np.count_nonzero((out != exact_out) | (indices != exact_indices)))
        grad = random.normal(0, 3, out.shape).astype(dtype)
        exact = grad.astype(np.float64)
        got = kernels.max_pool2d_backward(grad, indices, case.shape[2:])
        worst["max_pool2d_backward"] = max(worst["max_pool2d_backward"], ulps(
            got, conv_reference.max_pool2d_backward(exact, exact_indices, case.shape[2:]),
            conv_reference.max_pool2d_backward(np.abs(exact), exact_indices, case.shape[2:])))
    for case in conv_reference.AVG_POOL_CASES:
        x = random.normal(0, 3, case.shape).astype(dtype)
        out = kernels.avg_pool2d_forward(x, case.kernel, case.stride, case.padding, case.ceil_mode,
                                         case.count_include_pad, case.divisor_override)
        exact = x.astype(np.float64)
        worst["avg_pool2d_forward"] = max(worst["avg_pool2d_forward"], ulps(
            out, conv_reference.avg_pool2d(exact, case), conv_reference.avg_pool2d(np.abs(exact), case)))
        grad = random.normal(0, 3, out.shape).astype(dtype)
        exact = grad.astype(np.float64)
        got = kernels.avg_pool2d_backward(grad, case.shape[2:], case.kernel, case.stride, case.padding, case.ceil_mode,
                                          case.count_include_pad, case.divisor_override)
        worst["avg_pool2d_backward"] = max(worst["avg_pool2d_backward"], ulps(
            got, conv_reference.avg_pool2d_backward(exact, case), conv_reference.avg_pool2d_backward(np.abs(exact),
                                                                                                   case)))
    return worst


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        kernels = CudaKernels(HostRuntime(build(Path(directory))))
        names = [np.dtype(dtype).name for dtype in DTYPES]
        print("Activations: worst mixed error (the tests allow " +
              ", ".join(f"{RTOL[np.dtype(dtype)]:.2g} in {np.dtype(dtype).name}" for dtype in DTYPES) + ")\n")
        print("| activation | " + " | ".join(f"{name} forward / backward / bias forward" for name in names) + " |")
        print("|---|" + "---|" * len(names))
        for name in ACTIVATIONS:
            cells = [" / ".join(f"{error:.2g}" for error in activation_errors(kernels, name, dtype)) for dtype in DTYPES]
            print(f"| {name} | " + " | ".join(cells) + " |")
        rows = {np.dtype(dtype).name: {**row_kernel_errors(kernels, dtype), **optimizer_errors(kernels, dtype),
                                       **convolution_errors(kernels, dtype)}
                for dtype in DTYPES}
        print("\nOther kernels: worst error in ulp of the result's dtype (im2col, max_pool2d_forward: elements "
              "that differ from the reference at all)\n")
        print("| kernel | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for kernel in rows[names[0]]:
            print(f"| {kernel} | " + " | ".join(f"{rows[name][kernel]:.2f}" for name in names) + " |")


if __name__ == "__main__":
    main()
