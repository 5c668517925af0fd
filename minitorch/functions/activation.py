"""Activations as ops: one Function per activation of the registry (minitorch/backends/activations.py), whose
forward and backward are one backend kernel each, Linear + activation as one node, and softmax / log_softmax.

A double backward evaluates the registry's derivative formula on tensors (TENSOR_MATH), so it can be
differentiated again.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .. import creation, dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backends.activations import ACTIVATIONS, ActivationSpec
from ..dims import normalize_dim
from ..tensor import Tensor
from . import arithmetic, special
from .linalg import check_linear_arguments, linear_gradients, matmul_transposed



class Activation(Function):
    """y = f(x), dx = grad · f'(x) for a registered activation; each pass is one backend kernel."""

    forward_on_arrays = True
    spec: ActivationSpec

    @staticmethod
    def forward(ctx: Function, x: Any, p0: float, p1: float) -> Any:
        if _keeps(ctx._backend, ctx.spec):
            y, ctx.kept = ctx._backend.activation_forward(ctx.spec, x, (p0, p1), keep=True)
        else:
            y = ctx._backend.activation_forward(ctx.spec, x, (p0, p1))
        ctx.params = (p0, p1)
        ctx.save_for_backward(y if ctx.spec.from_output else x)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        saved, = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: the derivative as tensor ops, so it can be differentiated again
            derivative = ctx.spec.derivative(TENSOR_MATH, saved, *ctx.params)
            return grad_output * derivative.to(saved.dtype), None, None
        grad_input = _activation_backward(ctx, grad_output, saved)
        return Tensor._make(grad_input, ctx._backend), None, None


def _keeps(backend: Any, spec: ActivationSpec) -> bool:
    """Whether the forward keeps the spec's intermediate for the backward (see ActivationSpec.intermediate)."""
    return spec.intermediate is not None and backend.keeps_intermediates


def _activation_backward(ctx: Function, grad_output: Tensor, saved: Tensor) -> Any:
    """grad_output · f'(saved) by the backend, from what the forward kept where it kept something."""
    if _keeps(ctx._backend, ctx.spec):
        return ctx._backend.activation_backward(ctx.spec, grad_output._data, saved._data, ctx.params, kept=ctx.kept)
    return ctx._backend.activation_backward(ctx.spec, grad_output._data, saved._data, ctx.params)


class LinearActivation(Function):
    """y = f(x Wᵀ + b) as one node: nn.Linear (W may be None: y = f(x + b)) followed by an activation.

    The bias-add and f are one backend kernel. Backward: g = grad · f' (one kernel), then dx = g W,
    dW = gᵀ x and db = Σ g, as Linear's.
    """

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, weight: Any, bias: Any, spec: ActivationSpec, p0: float, p1: float) -> Any:
        product = x if weight is None else matmul_transposed(x, weight)
        ctx.spec, ctx.params = spec, (p0, p1)
        if _keeps(ctx._backend, spec):
            pre_activation, y, ctx.kept = ctx._backend.bias_activation_forward(
                spec, product, bias, (p0, p1), overwrite_x=weight is not None, keep=True)
        else:
            pre_activation, y = ctx._backend.bias_activation_forward(spec, product, bias, (p0, p1),
                                                                     overwrite_x=weight is not None)
        ctx.save_for_backward(x, weight, bias, y if spec.from_output else pre_activation)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, weight, bias, saved = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if is_grad_enabled():  # create_graph: tensor ops, so that the gradients can be differentiated
            if not ctx.spec.from_output:  # the pre-activation again, this time as a function of x, W and b
                saved = (x if weight is None else x @ weight.T) + bias
            grad = grad_output * ctx.spec.derivative(TENSOR_MATH, saved, *ctx.params).to(saved.dtype)
            return (*linear_gradients(grad, x, weight, needs), None, None, None)
        grad = _activation_backward(ctx, grad_output, saved)
        grads = linear_gradients(grad, x._data, None if weight is None else weight._data, needs)
        return (*(None if g is None else Tensor._make(g, ctx._backend) for g in grads), None, None, None)


def _node_name(name: str) -> str:
    """The Function class name of a registered activation, e.g. gelu_tanh -> GeluTanh."""
    return "".join(part.capitalize() for part in name.split("_"))


ACTIVATION_FUNCTIONS: dict[str, type[Function]] = {
    name: type(_node_name(name), (Activation,), {"spec": spec, "__doc__": f"The {name} activation."})
    for name, spec in ACTIVATIONS.items()}
"""One Function class per registered activation (named like PyTorch's node, e.g. SigmoidBackward0)."""


def _tensor_sigmoid(x: Tensor) -> Tensor:
    return activation(x, "sigmoid")


def _tensor_where(condition: Tensor, a: Any, b: Any) -> Tensor:
    """where() on tensors; two constants are made float64, so that a float64 derivative is not rounded to float32."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = creation.tensor(a, dtype=dtypes.float64, device=condition.device)
    return arithmetic.where(condition, a, b)


TENSOR_MATH = SimpleNamespace(
    exp=arithmetic.exp, expm1=arithmetic.expm1, log1p=arithmetic.log1p, erf=special.erf, erfc=special.erfc,
    abs=arithmetic.abs, where=_tensor_where,
    maximum=lambda a, b: a.maximum(b) if isinstance(a, Tensor) else b.maximum(a),
    tanh=lambda x: activation(x, "tanh"), sigmoid=_tensor_sigmoid,
    zeros_like=creation.zeros_like, ones_like=creation.ones_like,
)
"""The math namespace of the formulas, on tensors (for double backward)."""


def _check_floating(input: Tensor, name: str) -> None:
    arithmetic.check_tensor(input, "input", name)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{name}\" not implemented for '{input.dtype.name}' (use a floating dtype)")


def activation(input: Tensor, name: str, p0: float = 0.0, p1: float = 0.0) -> Tensor:
    """Apply the registered activation `name` with its parameters (see ACTIVATIONS)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation '{name}'; registered: {', '.join(ACTIVATIONS)}")
    _check_floating(input, name)
    return ACTIVATION_FUNCTIONS[name].apply(input, float(p0), float(p1))


def bias_activation(input: Tensor, bias: Tensor, name: str, p0: float = 0.0, p1: float = 0.0) -> Tensor:
    """activation(input + bias) as one fused pass; bias (features,) broadcasts over input (..., features)."""
    _check_floating(input, name)
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation '{name}'; registered: {', '.join(ACTIVATIONS)}")
    if bias.ndim != 1 or input.ndim == 0 or bias.shape[0] != input.shape[-1]:
        raise RuntimeError(f"bias_activation: bias of shape {tuple(bias.shape)} does not match the last dim of "
                           f"input {tuple(input.shape)}")
    if bias.dtype is not input.dtype:
        raise RuntimeError(f"bias_activation: input is {input.dtype.name} but bias is {bias.dtype.name}")
    return LinearActivation.apply(input.contiguous(), None, bias, ACTIVATIONS[name], float(p0), float(p1))


def linear_activation(input: Tensor, weight: Tensor, bias: Tensor, name: str, p0: float = 0.0,
                      p1: float = 0.0) -> Tensor:
    """activation(input Wᵀ + bias) as one node (Sequential runs Linear + an activation this way)."""
    check_linear_arguments(input, weight, bias)
    return bias_activation(input, bias, name, p0, p1) if weight is None else LinearActivation.apply(
        input, weight, bias, ACTIVATIONS[name], float(p0), float(p1))


def relu(input: Tensor) -> Tensor:
    """max(x, 0); NaN stays NaN."""
    return activation(input, "relu")


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x), without overflow for any x."""
    return activation(input, "sigmoid")


def tanh(input: Tensor) -> Tensor:
    return activation(input, "tanh")


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return activation(input, "leaky_relu", negative_slope)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (e^x - 1) otherwise."""
    return activation(input, "elu", alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x) (approximate='none', as x erfc(-x/√2) / 2: exact in the tails) or its tanh approximation
    (approximate='tanh')."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return activation(input, "gelu" if approximate == "none" else "gelu_tanh")


def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return activation(input, "silu")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""
    return activation(input, "softplus", beta, threshold)


# ---- softmax ----
class Softmax(Function):
    """y = e^(x - max) / Σ e^(x - max) along dim; dx = y * (grad - Σ grad * y)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        y = ctx._backend.softmax(x, dim, log=False)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        y, = ctx.saved_tensors
        return y * (grad_output - (grad_output * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - max - log Σ e^(x - max) along dim; dx = grad - e^y * Σ grad."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        y = ctx._backend.softmax(x, dim, log=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        y, = ctx.saved_tensors
        return grad_output - y.exp() * grad_output.sum(ctx.dim, keepdim=True), None


def _along_dim(function: type[Function], input: Tensor, dim: int, dtype: dtypes.dtype | None, name: str) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    _check_floating(input, name)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return function.apply(input.reshape(1), 0).reshape(())
    return function.apply(input, normalize_dim(dim, input.ndim))


def softmax(input: Tensor, dim: int, dtype: dtypes.dtype | None = None) -> Tensor:
    """Probabilities along dim: exp(x) / sum(exp(x)), shifted by the max so it never overflows."""
    return _along_dim(Softmax, input, dim, dtype, "softmax")


def log_softmax(input: Tensor, dim: int, dtype: dtypes.dtype | None = None) -> Tensor:
    """log(softmax(x)) along dim, computed as x - logsumexp(x) for stability."""
    return _along_dim(LogSoftmax, input, dim, dtype, "log_softmax")
