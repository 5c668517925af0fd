"""The convolution benchmark: conv2d forward (and backward) at MNIST-CNN shapes on minitorch, PyTorch, and a raw
NumPy floor (im2col through a strided view, one batched matmul, col2im by kh·kw slice sums: the same algorithm
as minitorch's CPU path, without the framework)."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .backends import NUMPY, Backend, Unavailable


def _float32(shape: tuple[int, ...], seed: int, bound: float | None = None) -> np.ndarray:
    """Standard normal values, or U(±bound) (PyTorch's default conv init range) when a bound is given."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) if bound is None else rng.uniform(-bound, bound, shape)
    return values.astype(np.float32)


def _numpy_im2col(x: np.ndarray, kernel: int) -> np.ndarray:
    """(N, C·k·k, OH·OW) columns of x (N, C, H, W), stride 1, no padding: one strided view, copied once."""
    batch, channels, height, width = x.shape
    out_h, out_w = height - kernel + 1, width - kernel + 1
    batch_stride, channel_stride, row_stride, column_stride = x.strides
    windows = as_strided(x, (batch, channels, kernel, kernel, out_h, out_w),
                         (batch_stride, channel_stride, row_stride, column_stride, row_stride, column_stride))
    return np.ascontiguousarray(windows).reshape(batch, channels * kernel * kernel, out_h * out_w)


def _numpy_col2im(cols: np.ndarray, shape: tuple[int, ...], kernel: int) -> np.ndarray:
    """The adjoint of _numpy_im2col: the k·k slices of cols added into an (N, C, H, W) buffer."""
    batch, channels, height, width = shape
    out_h, out_w = height - kernel + 1, width - kernel + 1
    windows = cols.reshape(batch, channels, kernel, kernel, out_h, out_w)
    grad = np.zeros(shape, cols.dtype)
    for i in range(kernel):
        for j in range(kernel):
            grad[:, :, i:i + out_h, j:j + out_w] += windows[:, :, i, j]
    return grad


def _numpy_conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, grad_output: np.ndarray, backward: bool,
                  input_grad: bool) -> Callable[[], object]:
    out_channels, _, kernel, _ = weight.shape
    matrix = weight.reshape(out_channels, -1)
    grad_rows = grad_output.reshape(grad_output.shape[0], out_channels, -1)

    def step() -> object:
        cols = _numpy_im2col(x, kernel)
        output = matrix @ cols
        output += bias[:, None]  # in place: no second output-sized array, as minitorch
        if not backward:
            return output.reshape(grad_output.shape)
        grad_weight = (grad_rows @ cols.transpose(0, 2, 1)).sum(0).reshape(weight.shape)
        grad_bias = grad_rows.sum((0, 2))
        if not input_grad:
            return grad_weight, grad_bias
        return _numpy_col2im(matrix.T @ grad_rows, x.shape, kernel), grad_weight, grad_bias

    return step


def build_conv2d(backend: Backend, batch: int, in_channels: int, out_channels: int, size: int, kernel: int,
                 backward: bool, input_grad: bool) -> Callable[[], object]:
    """y = conv2d(x, W, b) for float32 x (batch, in, size, size), W (out, in, k, k); with backward the gradients
    of W, b and (input_grad: a layer inside the network) x."""
    bound = 1 / math.sqrt(in_channels * kernel * kernel)
    x_values = _float32((batch, in_channels, size, size), seed=0)
    weight_values = _float32((out_channels, in_channels, kernel, kernel), seed=1, bound=bound)
    bias_values = _float32((out_channels,), seed=2, bound=bound)
    out_size = size - kernel + 1
    grad_values = _float32((batch, out_channels, out_size, out_size), seed=3)
    if backend.family == NUMPY:
        return _numpy_conv2d(x_values, weight_values, bias_values, grad_values, backward, input_grad)
    conv2d = backend.attribute("nn.functional.conv2d")
    x = backend.array(x_values, requires_grad=input_grad)
    weight, bias = (backend.array(values, requires_grad=True) for values in (weight_values, bias_values))
    if not backward:
        return lambda: conv2d(x, weight, bias)
    grad_y, grad = backend.array(grad_values), backend.library.autograd.grad
    inputs = (x, weight, bias) if input_grad else (weight, bias)
    return lambda: grad(conv2d(x, weight, bias), inputs, grad_y)


def conv2d_flops(batch: int, in_channels: int, out_channels: int, size: int, kernel: int, backward: bool,
                 input_grad: bool) -> float:
    """2 FLOPs per multiply-add of each product: the forward, and with backward the weight's and the input's."""
    out_size = size - kernel + 1
    products = 1 + (1 + input_grad if backward else 0)
    return 2.0 * products * batch * out_channels * in_channels * kernel * kernel * out_size * out_size


def build_cnn_step(backend: Backend, batch: int, side: int) -> Callable[[], object]:
    """zero_grad, examples/train_cnn.py's network (conv 1->32, BatchNorm2d, ReLU, conv 32->64, ReLU, 2x2 max pool,
    linear to 10) on float32 (batch, 1, side, side) images, cross_entropy, backward, an Adam step. The example's
    dropout is left out: its random masks differ between libraries, and every library must give the same loss."""
    if backend.family == NUMPY:
        raise Unavailable("NumPy has no CNN step written by hand (the conv2d rows have the NumPy floor)")
    nn = {name: backend.attribute(f"nn.{name}") for name in ("Sequential", "Conv2d", "BatchNorm2d", "ReLU",
                                                             "MaxPool2d", "Flatten", "Linear")}
    model = nn["Sequential"](nn["Conv2d"](1, 32, 3, padding=1), nn["BatchNorm2d"](32), nn["ReLU"](),
                             nn["Conv2d"](32, 64, 3, padding=1), nn["ReLU"](), nn["MaxPool2d"](2),
                             nn["Flatten"](), nn["Linear"](64 * (side // 2) ** 2, 10)).to(backend.device)
    with backend.attribute("no_grad")():  # the same start on every backend: U(±1/√fan_in) for every parameter
        for seed, parameter in enumerate(model.parameters()):
            fan_in = math.prod(parameter.shape[1:]) if parameter.ndim > 1 else parameter.shape[0]
            values = _float32(tuple(parameter.shape), seed=10 + seed, bound=1 / math.sqrt(fan_in))
            parameter.copy_(backend.array(values))
    optimizer = backend.attribute("optim.Adam")(model.parameters(), lr=1e-3)
    features = backend.array(_float32((batch, 1, side, side), seed=0))
    labels = backend.array(np.random.default_rng(1).integers(0, 10, batch))
    return training_step(model, optimizer, backend.cross_entropy_function(), features, labels)


def training_step(model: Any, optimizer: Any, loss_function: Callable, features: Any,
                  labels: Any) -> Callable[[], object]:
    """One step of training as every library spells it: zero_grad, forward, loss, backward, step; returns the loss."""

    def step() -> object:
        optimizer.zero_grad()
        loss = loss_function(model(features), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step
