"""The benchmarks, each defined once: a Case per size, and how to build it on any backend.

Both the command (python -m minitorch.bench) and the pytest-benchmark suite (benchmarks/) take their
cases from `suite(name)`. minitorch and PyTorch run the same code (minitorch's API is PyTorch's); raw
NumPy runs a hand-written forward and backward over the same arrays: the floor of our CPU path.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .backends import NUMPY, Backend, Unavailable
from .cases_conv import build_cnn_step, build_conv2d, conv2d_flops, training_step
from .cases_rnn import RECURRENT_SIZES, STEP_SIZE, build_recurrent, recurrent_text

GFLOPS, GBPS, MS_PER_STEP, US_PER_OP = "GFLOP/s", "GB/s", "ms/step", "us/op"
"""Units: `work` is FLOPs for GFLOP/s, bytes moved for GB/s, samples for ms/step, nothing for us/op."""

SUITE_NAMES = ("smoke", "quick", "full")
Builder = Callable[[Backend], Callable[[], object]]
"""Prepares a benchmark's data on a backend and returns the call to time."""
LEARNING_RATE = 0.01
MOMENTUM = 0.9


@dataclass(frozen=True)
class Case:
    """One benchmark at one size: how to build the call on a backend, and how much work one call does."""

    benchmark: str  # e.g. "matmul"
    params: str  # e.g. "float32 1024x1024x1024"
    series: str  # the chart line it belongs to, e.g. "matmul float32 square"
    size: int  # its x in the chart, described by size_label
    unit: str  # GFLOPS, GBPS, MS_PER_STEP or US_PER_OP
    work: float  # per call: FLOPs (GFLOP/s), bytes read + written (GB/s), samples (ms/step)
    build: Builder
    flops: float = 0.0  # FLOPs per call, to compare a ms/step row with the peak (0: not counted)
    size_label: str = "size"

    @property
    def id(self) -> str:
        return f"{self.benchmark}[{self.params}]"


def _random(shape: tuple[int, ...], dtype: str = "float32", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.dtype(dtype).type)


def _uniform_init(fan_in: int, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """PyTorch's default Linear init range, U(±1/√fan_in), in float32."""
    bound = 1 / math.sqrt(fan_in)
    return np.random.default_rng(seed).uniform(-bound, bound, shape).astype(np.float32)


# ---- matmul and copy: the same expression on every backend ----
def build_matmul(backend: Backend, dtype: str, m: int, k: int, n: int) -> Callable[[], object]:
    """a (m, k) @ b (k, n), no autograd."""
    a = backend.array(_random((m, k), dtype, seed=0))
    b = backend.array(_random((k, n), dtype, seed=1))
    return lambda: a @ b


def build_copy(backend: Backend, elements: int) -> Callable[[], object]:
    """target[:] = source for float32 vectors: the machine's copy bandwidth."""
    source = backend.array(_random((elements,)))
    target = backend.array(np.empty(elements, np.float32))
    if backend.family == NUMPY:
        def numpy_copy() -> np.ndarray:
            np.copyto(target, source)
            return target

        return numpy_copy
    return lambda: target.copy_(source)


# ---- activations ----
def _numpy_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _numpy_silu_backward(x: np.ndarray, y: np.ndarray, grad: np.ndarray) -> np.ndarray:
    sigmoid = _numpy_sigmoid(x)
    return grad * sigmoid * (1 + x * (1 - sigmoid))


def _numpy_relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) the fastest way NumPy 2.4 has: clip runs 3.6x faster than maximum against a scalar."""
    return np.clip(x, 0, np.inf)


def _numpy_softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow, x itself above PyTorch's threshold 20."""
    return np.where(x > 20, x, np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0))


NUMPY_ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    # name: (forward(x) -> y, backward(x, y, grad_y) -> grad_x); PyTorch's default parameters; NumPy has no
    # erf, so no gelu
    "relu": (_numpy_relu, lambda x, y, grad: grad * (x > 0)),
    "sigmoid": (_numpy_sigmoid, lambda x, y, grad: grad * y * (1 - y)),
    "tanh": (np.tanh, lambda x, y, grad: grad * (1 - y * y)),
    "silu": (lambda x: x * _numpy_sigmoid(x), _numpy_silu_backward),
    "leaky_relu": (lambda x: np.where(x > 0, x, x * 0.01), lambda x, y, grad: grad * np.where(x > 0, 1, 0.01)),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), lambda x, y, grad: grad * np.where(x > 0, 1, y + 1)),
    "softplus": (_numpy_softplus, lambda x, y, grad: grad * np.where(x > 20, 1, _numpy_sigmoid(x))),
}
MLP_ACTIVATIONS = {"relu": "ReLU", "gelu": "GELU", "silu": "SiLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                   "leaky_relu": "LeakyReLU", "elu": "ELU", "softplus": "Softplus"}
"""The activations an MLP step is measured with: functional name -> nn module name."""


def build_activation(backend: Backend, name: str, elements: int, backward: bool) -> Callable[[], object]:
    """y = f(x) (forward) or grad_x = grad_y · f'(x) (backward, the graph kept) on a float32 vector."""
    x_values = _random((elements,))
    grad_values = _random((elements,), seed=1)
    if backend.family == NUMPY:
        numpy_forward, numpy_backward = NUMPY_ACTIVATIONS[name]
        if not backward:
            return lambda: numpy_forward(x_values)
        y_values = numpy_forward(x_values)
        return lambda: numpy_backward(x_values, y_values, grad_values)
    activation = backend.activation_function(name)
    x = backend.array(x_values, requires_grad=True)
    if not backward:
        return lambda: activation(x)
    y, grad_y = activation(x), backend.array(grad_values)
    grad = backend.library.autograd.grad
    return lambda: grad(y, x, grad_y, retain_graph=True)


# ---- Linear + activation, softmax cross-entropy ----
def build_linear_relu(backend: Backend, batch: int, inputs: int, outputs: int, backward: bool) -> Callable[[], object]:
    """y = relu(x @ Wᵀ + b), and with backward the gradients of x, W and b."""
    x_values = _random((batch, inputs))
    weight_values = _uniform_init(inputs, (outputs, inputs), seed=1)
    bias_values = _uniform_init(inputs, (outputs,), seed=2)
    grad_values = _random((batch, outputs), seed=3)
    if backend.family == NUMPY:
        def numpy_step() -> object:
            pre_activation = x_values @ weight_values.T + bias_values
            y = _numpy_relu(pre_activation)
            if not backward:
                return y
            grad_pre = grad_values * (pre_activation > 0)
            return grad_pre @ weight_values, grad_pre.T @ x_values, grad_pre.sum(0)

        return numpy_step
    linear_activation = backend.linear_activation_function("relu")
    x, weight, bias = (backend.array(values, requires_grad=True)
                       for values in (x_values, weight_values, bias_values))
    grad_y = backend.array(grad_values)
    if not backward:
        return lambda: linear_activation(x, weight, bias)
    grad = backend.library.autograd.grad
    return lambda: grad(linear_activation(x, weight, bias), (x, weight, bias), grad_y)


def _numpy_softmax_cross_entropy(logits: np.ndarray, target: np.ndarray, backward: bool) -> Any:
    """Mean cross-entropy of logits (N, C) against class indices (N,); with backward, d loss / d logits too."""
    rows = np.arange(len(target))
    shifted = logits - logits.max(1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(1)
    loss = (np.log(sums) - shifted[rows, target]).mean()
    if not backward:
        return loss
    grad = exps / sums[:, None]
    grad[rows, target] -= 1
    grad /= len(target)
    return loss, grad


def build_cross_entropy(backend: Backend, rows: int, classes: int, backward: bool) -> Callable[[], object]:
    """Mean softmax cross-entropy of float32 logits (rows, classes); with backward, its gradient."""
    logits_values = _random((rows, classes))
    target_values = np.random.default_rng(1).integers(0, classes, rows)
    if backend.family == NUMPY:  # with backward the result compared is the gradient, as autograd.grad's
        return lambda: _numpy_softmax_cross_entropy(logits_values, target_values, backward)[1 if backward else ...]
    cross_entropy = backend.cross_entropy_function()
    logits, target = backend.array(logits_values, requires_grad=True), backend.array(target_values)
    if not backward:
        return lambda: cross_entropy(logits, target)
    grad = backend.library.autograd.grad
    return lambda: grad(cross_entropy(logits, target), logits)


# ---- optimizers ----
def _layer_shapes(widths: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The parameter shapes of an MLP of these widths: (out, in) weights and (out,) biases."""
    shapes: list[tuple[int, ...]] = []
    for inputs, outputs in zip(widths, widths[1:]):
        shapes += [(outputs, inputs), (outputs,)]
    return shapes


def _numpy_sgd_momentum(parameters: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], list]:
    buffers = [np.zeros_like(parameter) for parameter in parameters]

    def step() -> list:
        for parameter, grad, buffer in zip(parameters, grads, buffers):
            buffer *= MOMENTUM
            buffer += grad
            parameter -= LEARNING_RATE * buffer
        return parameters

    return step


def _numpy_adam(parameters: list[np.ndarray], grads: list[np.ndarray], beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8) -> Callable[[], list]:
    exp_avgs = [np.zeros_like(parameter) for parameter in parameters]
    exp_avg_sqs = [np.zeros_like(parameter) for parameter in parameters]
    step_count = 0

    def step() -> list:
        nonlocal step_count
        step_count += 1
        bias_correction1 = 1 - beta1 ** step_count
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step_count)
        for parameter, grad, exp_avg, exp_avg_sq in zip(parameters, grads, exp_avgs, exp_avg_sqs):
            exp_avg *= beta1
            exp_avg += (1 - beta1) * grad
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            denominator = np.sqrt(exp_avg_sq)
            denominator /= bias_correction2_sqrt
            denominator += eps
            parameter -= (LEARNING_RATE / bias_correction1) * exp_avg / denominator
        return parameters

    return step


OPTIMIZERS = {
    # name: (torch.optim class name, its arguments, the NumPy reference, bytes moved per parameter element)
    "sgd_momentum": ("SGD", {"lr": LEARNING_RATE, "momentum": MOMENTUM}, _numpy_sgd_momentum, 5),
    "adam": ("Adam", {"lr": LEARNING_RATE}, _numpy_adam, 7),
}
"""SGD with momentum reads param, grad, buffer and writes param, buffer; Adam reads 4 arrays and writes 3."""


def build_optimizer_step(backend: Backend, optimizer: str, widths: tuple[int, ...]) -> Callable[[], object]:
    """One optimizer.step() over the parameters of an MLP of these widths, float32 gradients already set;
    the call returns the parameters."""
    class_name, arguments, numpy_reference, _ = OPTIMIZERS[optimizer]
    shapes = _layer_shapes(widths)
    parameter_values = [_random(shape, seed=index) for index, shape in enumerate(shapes)]
    grad_values = [_random(shape, seed=100 + index) * 1e-3 for index, shape in enumerate(shapes)]
    if backend.family == NUMPY:
        return numpy_reference(parameter_values, grad_values)
    optimizer_class = backend.attribute(f"optim.{class_name}")
    parameters = [backend.array(values, requires_grad=True) for values in parameter_values]
    for parameter, values in zip(parameters, grad_values):
        parameter.grad = backend.array(values)
    optimizer = optimizer_class(parameters, **arguments)

    def step() -> list:
        optimizer.step()
        return parameters

    return step


# ---- a full training step ----
def _mlp_initial_parameters(widths: tuple[int, ...]) -> list[np.ndarray]:
    """weight, bias, weight, ... of the relu MLP: PyTorch's default init range, the same on every backend."""
    parameters = []
    for index, (inputs, outputs) in enumerate(zip(widths, widths[1:])):
        parameters += [_uniform_init(inputs, (outputs, inputs), seed=2 * index),
                       _uniform_init(inputs, (outputs,), seed=2 * index + 1)]
    return parameters


def _numpy_mlp_step(widths: tuple[int, ...], features: np.ndarray, labels: np.ndarray, activation: str,
                    optimizer: str) -> Callable[[], object]:
    """A hand-written MLP step: forward, mean cross-entropy, backward, then plain SGD or Adam."""
    if activation not in NUMPY_ACTIVATIONS:
        raise Unavailable(f"NumPy has no {activation} (no erf)")
    activation_forward, activation_backward = NUMPY_ACTIVATIONS[activation]
    parameters = _mlp_initial_parameters(widths)
    weights, biases = parameters[::2], parameters[1::2]
    grads = [np.zeros_like(parameter) for parameter in parameters]
    update = _numpy_sgd(parameters, grads) if optimizer == "sgd" else _numpy_adam(parameters, grads)

    def step() -> object:
        pre_activations, layer_inputs = [], [features]
        for weight, bias in zip(weights[:-1], biases[:-1]):
            pre_activations.append(layer_inputs[-1] @ weight.T + bias)
            layer_inputs.append(activation_forward(pre_activations[-1]))
        logits = layer_inputs[-1] @ weights[-1].T + biases[-1]
        loss, grad = _numpy_softmax_cross_entropy(logits, labels, backward=True)
        for index in reversed(range(len(weights))):
            np.matmul(grad.T, layer_inputs[index], out=grads[2 * index])
            np.sum(grad, axis=0, out=grads[2 * index + 1])
            if index > 0:
                grad = activation_backward(pre_activations[index - 1], layer_inputs[index], grad @ weights[index])
        update()
        return loss

    return step


def _numpy_sgd(parameters: list[np.ndarray], grads: list[np.ndarray]) -> Callable[[], list]:
    def step() -> list:
        for parameter, grad in zip(parameters, grads):
            parameter -= LEARNING_RATE * grad
        return parameters

    return step


def mlp_batch(widths: tuple[int, ...], batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The MLP step's float32 features (batch, widths[0]) and class labels (batch,)."""
    return _random((batch, widths[0])), np.random.default_rng(1).integers(0, widths[-1], batch)


def build_mlp(backend: Backend, widths: tuple[int, ...], activation: str = "relu") -> Any:
    """The Sequential MLP of these widths on the backend's device, from _mlp_initial_parameters."""
    linear, activation_module, sequential = (backend.attribute(f"nn.{name}")
                                             for name in ("Linear", MLP_ACTIVATIONS[activation], "Sequential"))
    layers: list[Any] = []
    for inputs, outputs in zip(widths, widths[1:]):
        layers += [linear(inputs, outputs), activation_module()]
    model = sequential(*layers[:-1]).to(backend.device)
    with backend.attribute("no_grad")():
        for parameter, values in zip(model.parameters(), _mlp_initial_parameters(widths)):
            parameter.copy_(backend.array(values))
    return model


def build_mlp_step(backend: Backend, widths: tuple[int, ...], batch: int, activation: str = "relu",
                   optimizer: str = "sgd") -> Callable[[], object]:
    """zero_grad, MLP forward, cross_entropy, backward, SGD or Adam step (lr 0.01), float32."""
    features_values, label_values = mlp_batch(widths, batch)
    if backend.family == NUMPY:
        return _numpy_mlp_step(widths, features_values, label_values, activation, optimizer)
    optimizer_class = backend.attribute("optim.SGD" if optimizer == "sgd" else "optim.Adam")
    model = build_mlp(backend, widths, activation)
    optimizer_instance = optimizer_class(model.parameters(), lr=LEARNING_RATE)
    return training_step(model, optimizer_instance, backend.cross_entropy_function(), backend.array(features_values),
                         backend.array(label_values))


# ---- max pooling (issue 13, pool) ----
MAX_POOL2D_SHAPES = ((64, 32, 28, 28, 2),)
"""(batch, channels, height, width, kernel = stride) of the max_pool2d cases, the same in every suite."""


def _numpy_max_pool2d_step(x: np.ndarray, kernel: int, grad: np.ndarray) -> Callable[[], object]:
    """The NumPy floor for non-overlapping windows: the max as np.maximum over the kernel's strided slices, and a
    backward that writes each slice its gradient where it is the window's first max (no indices kept)."""
    slices = [(Ellipsis, slice(i, None, kernel), slice(j, None, kernel)) for i in range(kernel) for j in range(kernel)]

    def step() -> np.ndarray:
        out = x[slices[0]].copy()
        for window in slices[1:]:
            np.maximum(out, x[window], out=out)
        grad_x = np.empty_like(x)
        unclaimed = np.ones(out.shape, dtype=bool)
        for window in slices:
            first = (x[window] == out) & unclaimed
            unclaimed ^= first
            np.multiply(first, grad, out=grad_x[window])
        return grad_x

    return step


def build_max_pool2d(backend: Backend, batch: int, channels: int, size: int, kernel: int) -> Callable[[], object]:
    """y = max_pool2d(x, kernel) on float32 images and the gradient of x for a given grad_y."""
    x_values = _random((batch, channels, size, size))
    grad_values = _random((batch, channels, size // kernel, size // kernel), seed=1)
    if backend.family == NUMPY:
        return _numpy_max_pool2d_step(x_values, kernel, grad_values)
    max_pool2d = backend.attribute("nn.functional.max_pool2d")
    x, grad_y = backend.array(x_values, requires_grad=True), backend.array(grad_values)
    grad = backend.library.autograd.grad
    return lambda: grad(max_pool2d(x, kernel), x, grad_y)


def max_pool2d_cases() -> list[Case]:
    """max_pool2d forward+backward, timed per step of a batch."""
    return [Case("max_pool2d.forward+backward", f"float32 {batch}x{channels}x{height}x{width} {kernel}x{kernel}",
                 "max_pool2d forward+backward", batch, MS_PER_STEP, float(batch),
                 functools.partial(build_max_pool2d, batch=batch, channels=channels, size=height, kernel=kernel),
                 size_label="batch")
            for batch, channels, height, width, kernel in MAX_POOL2D_SHAPES]


# ---- per-op overhead ----
def build_op_overhead(backend: Backend) -> Callable[[], object]:
    """y = x * 2 on a 1x16 tensor and its backward into x.grad: the framework's fixed cost per op."""
    x_values, grad_values = _random((1, 16)), np.ones((1, 16), np.float32)
    if backend.family == NUMPY:
        x_grad = np.zeros_like(x_values)

        def numpy_step() -> np.ndarray:
            x_values * 2.0  # the forward, computed and dropped as the framework's output is
            x_grad[...] += grad_values * 2.0
            return x_grad

        return numpy_step
    x, grad_y = backend.array(x_values, requires_grad=True), backend.array(grad_values)

    def step() -> object:
        (x * 2.0).backward(grad_y)
        return x.grad

    return step


# ---- the suites ----
@dataclass(frozen=True)
class Sizes:
    """What a suite measures."""

    square: dict[str, tuple[int, ...]]  # dtype: matrix sides
    mlp_shaped: tuple[tuple[int, int, int], ...]  # (batch, in, out) matmuls, float32
    copy_elements: int
    activations: tuple[str, ...]
    activation_elements: tuple[int, ...]
    linear: tuple[tuple[int, int, int], ...]  # (batch, in, out)
    cross_entropy: tuple[tuple[int, int], ...]  # (rows, classes)
    optimizer_widths: tuple[tuple[int, ...], ...]  # MLPs whose parameters the optimizers update
    mlp_steps: tuple[tuple[tuple[int, ...], int], ...]  # (widths, batch)
    activation_steps: tuple[tuple[tuple[int, ...], int], ...]  # (widths, batch): an Adam step per activation
    conv2d: tuple[tuple[int, int, int, int, bool], ...] = ()  # (batch, in, out, side, input grad), 3x3 kernels
    cnn_steps: tuple[tuple[int, int], ...] = ((64, 28),)  # (batch, side): examples/train_cnn.py's net on MNIST


MLP_STEPS = (((64, 128, 10), 64), ((784, 512, 512, 10), 256))
MNIST_CNN_CONVS = ((64, 1, 32, 28, False), (64, 32, 64, 28, True))
"""The MNIST CNN's two 3x3 layers; the first one's input is the data (no gradient)."""
SIZES = {
    "smoke": Sizes(square={"float32": (64,), "float64": (64,)}, mlp_shaped=((64, 128, 10),),
                   copy_elements=100_000, activations=("relu",), activation_elements=(10_000,),
                   linear=((64, 128, 128),), cross_entropy=((64, 10),), optimizer_widths=((64, 128, 10),),
                   mlp_steps=MLP_STEPS, activation_steps=MLP_STEPS[:1], conv2d=((4, 1, 4, 8, False), (4, 4, 8, 8, True)),
                   cnn_steps=((4, 8),)),
    "quick": Sizes(square={"float32": (64, 256, 1024, 2048), "float64": (64, 256, 1024)},
                   mlp_shaped=((64, 784, 512), (256, 784, 512), (256, 512, 10)),
                   copy_elements=25_000_000, activations=("relu", "tanh"),
                   activation_elements=(10_000, 1_000_000, 10_000_000),
                   linear=((256, 784, 512),), cross_entropy=((256, 10), (4096, 1000)),
                   optimizer_widths=((784, 512, 512, 10),), mlp_steps=MLP_STEPS,
                   activation_steps=MLP_STEPS[-1:], conv2d=MNIST_CNN_CONVS),
    "full": Sizes(square={dtype: (64, 128, 256, 512, 1024, 2048, 4096) for dtype in ("float32", "float64")},
                  mlp_shaped=((64, 784, 512), (256, 784, 512), (256, 512, 512), (256, 512, 10),
                              (1024, 4096, 4096)),
                  copy_elements=100_000_000, activations=("relu", "sigmoid", "tanh", "silu"),
                  activation_elements=(10_000, 100_000, 1_000_000, 10_000_000, 100_000_000),
                  linear=((64, 128, 128), (256, 784, 512), (1024, 1024, 1024)),
                  cross_entropy=((256, 10), (4096, 1000), (65_536, 1000)),
                  optimizer_widths=((784, 512, 512, 10), (4096, 4096)), mlp_steps=MLP_STEPS,
                  activation_steps=MLP_STEPS[-1:], conv2d=MNIST_CNN_CONVS),
}


def _mlp_step_flops(widths: tuple[int, ...], batch: int) -> float:
    """Forward 2, weight gradient 2, input gradient 2 FLOPs per multiply-add, but no layer computes the
    gradient of the network's input (the features do not require grad)."""
    flops = 6.0 * batch * sum(inputs * outputs for inputs, outputs in zip(widths, widths[1:]))
    return flops - 2.0 * batch * widths[0] * widths[1]


def _widths_text(widths: tuple[int, ...]) -> str:
    return "-".join(map(str, widths))


def suite(name: str) -> list[Case]:
    """Every case of the smoke, quick or full suite, in the order they run."""
    if name not in SIZES:
        raise ValueError(f"suite must be one of {', '.join(SUITE_NAMES)}, got {name!r}")
    sizes = SIZES[name]
    bytes_per_float = 4
    cases = [Case("copy", f"float32 {sizes.copy_elements:.0e}", "copy", sizes.copy_elements, GBPS,
                  2 * bytes_per_float * sizes.copy_elements,
                  functools.partial(build_copy, elements=sizes.copy_elements))]
    for dtype, sides in sizes.square.items():
        cases += [Case("matmul", f"{dtype} {n}x{n}x{n}", f"matmul {dtype} square", n, GFLOPS, 2.0 * n ** 3,
                       functools.partial(build_matmul, dtype=dtype, m=n, k=n, n=n), size_label="n (n x n @ n x n)")
                  for n in sides]
    cases += [Case("matmul", f"float32 {batch}x{inputs}x{outputs}", "matmul float32 MLP-shaped", batch * inputs * outputs,
                   GFLOPS, 2.0 * batch * inputs * outputs,
                   functools.partial(build_matmul, dtype="float32", m=batch, k=inputs, n=outputs),
                   size_label="batch x in x out")
              for batch, inputs, outputs in sizes.mlp_shaped]
    for activation in sizes.activations:
        # bytes: forward reads x and writes y; backward reads grad_y and x (or y) and writes grad_x
        for backward, passes, bytes_per_element in ((False, "forward", 2), (True, "backward", 3)):
            cases += [Case(f"activation.{passes}", f"{activation} float32 {elements:.0e}", f"{activation} {passes}",
                           elements, GBPS, bytes_per_element * bytes_per_float * elements,
                           functools.partial(build_activation, name=activation, elements=elements,
                                             backward=backward), size_label="elements")
                      for elements in sizes.activation_elements]
    for backward, passes, flops_per_mac in ((False, "forward", 2), (True, "forward+backward", 6)):
        cases += [Case(f"linear_relu.{passes}", f"float32 {batch}x{inputs}x{outputs}", f"linear_relu {passes}",
                       batch, GFLOPS, float(flops_per_mac * batch * inputs * outputs),
                       functools.partial(build_linear_relu, batch=batch, inputs=inputs, outputs=outputs,
                                         backward=backward), size_label="batch")
                  for batch, inputs, outputs in sizes.linear]
        # bytes: the logits read by each pass, and the gradient written by backward
        cases += [Case(f"cross_entropy.{passes}", f"float32 {rows}x{classes}", f"cross_entropy {passes}",
                       rows * classes, GBPS, (3 if backward else 1) * bytes_per_float * rows * classes,
                       functools.partial(build_cross_entropy, rows=rows, classes=classes, backward=backward),
                       size_label="rows x classes")
                  for rows, classes in sizes.cross_entropy]
    for optimizer, (_, _, _, bytes_per_element) in OPTIMIZERS.items():
        for widths in sizes.optimizer_widths:
            count = sum(math.prod(shape) for shape in _layer_shapes(widths))
            cases.append(Case(f"optimizer.{optimizer}", f"float32 {_widths_text(widths)} ({count:,} params)",
                              f"{optimizer} step", count, GBPS, float(bytes_per_element * bytes_per_float * count),
                              functools.partial(build_optimizer_step, optimizer=optimizer, widths=widths),
                              size_label="parameters"))
    for widths, batch in sizes.mlp_steps:
        cases.append(Case("mlp_step", f"float32 {_widths_text(widths)} batch {batch}", "mlp_step", batch,
                          MS_PER_STEP, float(batch), functools.partial(build_mlp_step, widths=widths, batch=batch),
                          flops=_mlp_step_flops(widths, batch)))
    for widths, batch in sizes.activation_steps:
        cases += [Case(f"mlp_step.{activation}", f"float32 {_widths_text(widths)} batch {batch} adam",
                       f"mlp_step {activation} adam", batch, MS_PER_STEP, float(batch),
                       functools.partial(build_mlp_step, widths=widths, batch=batch, activation=activation,
                                         optimizer="adam"), flops=_mlp_step_flops(widths, batch))
                  for activation in MLP_ACTIVATIONS]
    for backward, passes in ((False, "forward"), (True, "forward+backward")):  # convolution (issue 13, conv)
        for batch, inputs, outputs, side, input_grad in sizes.conv2d:
            shape = dict(batch=batch, in_channels=inputs, out_channels=outputs, size=side, kernel=3,
                         backward=backward, input_grad=input_grad)
            flops = conv2d_flops(**shape)
            cases.append(Case(f"conv2d.{passes}", f"float32 batch {batch} {inputs}->{outputs} 3x3 {side}x{side}",
                              f"conv2d {passes}", inputs * outputs, GFLOPS, flops,
                              functools.partial(build_conv2d, **shape), size_label="in x out channels"))
    cases += max_pool2d_cases()  # issue 13, pool
    cases += [Case("cnn_step", f"float32 batch {batch} {side}x{side} adam", "cnn_step", batch, MS_PER_STEP,
                   float(batch), functools.partial(build_cnn_step, batch=batch, side=side))
              for batch, side in sizes.cnn_steps]
    cases.append(Case("op_overhead", "mul 1x16 forward+backward", "op_overhead", 16, US_PER_OP, 1.0,
                      build_op_overhead))
    # recurrent networks (issue 14): whole sequences forward+backward, and one step of a small LSTM
    recurrent = RECURRENT_SIZES[name]
    cases += [Case(f"{mode.lower()}_step", recurrent_text(mode, recurrent), f"{mode.lower()} forward+backward",
                   recurrent[4], MS_PER_STEP, float(recurrent[4]),
                   functools.partial(build_recurrent, mode=mode, sizes=recurrent), size_label="batch")
              for mode in ("LSTM", "GRU")]
    cases.append(Case("lstm_single_step", recurrent_text("LSTM", STEP_SIZE), "lstm single step", 1, US_PER_OP, 1.0,
                      functools.partial(build_recurrent, mode="LSTM", sizes=STEP_SIZE)))
    return cases
