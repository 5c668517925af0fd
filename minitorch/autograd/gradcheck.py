"""gradcheck: backprop's Jacobian against central differences (the numerical gradient)."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from ..random import randn_like
from ..tensor import Tensor
from .engine import grad


class GradcheckError(RuntimeError):
    """The analytical and numerical gradients disagree."""


def _as_tuple(values: Any) -> tuple:
    return (values,) if isinstance(values, Tensor) else tuple(values)


def _host_values(tensor: Any) -> np.ndarray:
    """A tensor's values as a flat float64 NumPy array, from any device."""
    return tensor._backend.to_numpy(tensor._data).astype(np.float64).reshape(-1)


def _differentiable_outputs(function: Callable, inputs: tuple) -> tuple:
    return tuple(output for output in _as_tuple(function(*inputs)) if output.requires_grad)


def _all_outputs(function: Callable, inputs: tuple) -> tuple:
    return _as_tuple(function(*inputs))


def _numerical_jacobian(function: Callable, inputs: tuple, input_index: int, output_index: int, eps: float,
                        outputs_of: Callable[[Callable, tuple], tuple] = _differentiable_outputs) -> np.ndarray:
    """J[i, j] = (f(x + eps e_j) - f(x - eps e_j))_i / 2 eps, nudging the input's storage in place.

    output_index counts among outputs_of(function, inputs): the differentiable outputs unless told otherwise.
    """
    def evaluate() -> np.ndarray:
        return _host_values(outputs_of(function, inputs)[output_index])

    flat = inputs[input_index]._data.reshape(-1)  # a view: writing it nudges the input itself
    columns = []
    for j in range(flat.size):
        original = flat[j].item()
        flat[j] = original + eps
        plus = evaluate()
        flat[j] = original - eps
        minus = evaluate()
        flat[j] = original
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1) if columns else np.zeros((evaluate().size, 0))


def _analytical_jacobian(outputs: tuple, output_index: int, inputs: tuple, input_index: int,
                         create_graph: bool = False) -> np.ndarray:
    """J[i, j] = d output_i / d input_j, one backward pass (a vector-Jacobian product) per output element."""
    output = outputs[output_index]
    target = inputs[input_index]
    rows = []
    for i in range(output.numel()):
        unit = np.zeros(output.numel(), dtype=output._data.dtype)
        unit[i] = 1
        grad_output = Tensor._make(output._backend.asarray(unit.reshape(output._data.shape)), output._backend)
        result, = grad(output, target, grad_output, retain_graph=True, allow_unused=True)
        rows.append(np.zeros(target.numel()) if result is None else _host_values(result))
    return np.stack(rows) if rows else np.zeros((0, target.numel()))


def _check_no_differentiable_outputs(function: Callable, inputs: tuple, eps: float, raise_exception: bool) -> bool:
    """True if no output moves when an input that requires grad is nudged (PyTorch's check for this case)."""
    for output_index, output in enumerate(_all_outputs(function, inputs)):
        if not output.dtype.is_floating_point:
            continue  # an integer or bool output has no gradient to check
        for input_index, tensor in enumerate(inputs):
            if getattr(tensor, "requires_grad", False) and np.any(
                    _numerical_jacobian(function, inputs, input_index, output_index, eps, _all_outputs) != 0):
                if raise_exception:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
                return False
    return True


def gradcheck(function: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """Check the gradients of `function` at `inputs` against central differences.

    Every input that requires grad should be float64, and at least one must require grad (ValueError
    otherwise, as PyTorch). Returns True, or raises GradcheckError naming the worst element (False instead
    if raise_exception=False). Without a differentiable output, as in PyTorch, the numerical gradient must
    be zero: a function that detaches what depends on its inputs fails rather than passing unchecked.
    """
    inputs = _as_tuple(inputs)
    if not any(getattr(tensor, "requires_grad", False) for tensor in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")
    for index, tensor in enumerate(inputs):
        if hasattr(tensor, "requires_grad") and tensor.requires_grad and tensor.dtype.name != "float64":
            warnings.warn(f"Input #{index} requires gradient and is not a double precision floating point "
                          f"({tensor.dtype}); gradcheck is likely to fail", UserWarning, stacklevel=2)
    outputs = _differentiable_outputs(function, inputs)
    if not outputs:
        return _check_no_differentiable_outputs(function, inputs, eps, raise_exception)
    for output_index in range(len(outputs)):
        for input_index, tensor in enumerate(inputs):
            if not getattr(tensor, "requires_grad", False):
                continue
            analytical = _analytical_jacobian(outputs, output_index, inputs, input_index)
            numerical = _numerical_jacobian(function, inputs, input_index, output_index, eps)
            mismatch = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
            if mismatch.size and not (mismatch <= 0).all():
                worst = np.unravel_index(np.nanargmax(np.where(np.isnan(mismatch), np.inf, mismatch)),
                                         mismatch.shape)
                message = (
                    f"Jacobian mismatch for output {output_index} with respect to input {input_index}: worst at "
                    f"output element {worst[0]}, input element {worst[1]}: numerical {numerical[worst]:.8g}, "
                    f"analytical {analytical[worst]:.8g} (atol={atol}, rtol={rtol}).\n"
                    f"numerical:\n{numerical}\nanalytical:\n{analytical}"
                )
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(function: Callable, inputs: Any, grad_outputs: Sequence | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: gradcheck of the (recorded) backward pass of `function`.

    grad_outputs default to random float64 tensors that themselves require grad.
    """
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(function, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(output, dtype=output.dtype, requires_grad=True) for output in outputs)
    grad_outputs = _as_tuple(grad_outputs)

    def first_derivatives(*values: Any) -> tuple:
        given, vectors = values[:len(inputs)], values[len(inputs):]
        results = _differentiable_outputs(function, given)
        targets = [tensor for tensor in given if getattr(tensor, "requires_grad", False)]
        grads = grad(results, targets, vectors, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps, atol, rtol, raise_exception)
