"""Matrix products: matmul (1-D, 2-D, batched with broadcasting) and einsum (any valid equation)."""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .arithmetic import broadcast_shapes, check_tensor, where
from .shape import Permute


class MatMul(Function):
    """y = a @ b for a (..., n, k) and b (..., k, m); da = grad @ bᵀ, db = aᵀ @ grad (batch dims summed back)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        if a.dtype == np.float16:  # accumulate in float32, as PyTorch does
            return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
        return a @ b

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return (MatMul.apply(grad_output, _swap_last_dims(b)) if ctx.needs_input_grad[0] else None,
                MatMul.apply(_swap_last_dims(a), grad_output) if ctx.needs_input_grad[1] else None)


def _swap_last_dims(matrices: Tensor) -> Tensor:
    order = list(range(matrices.ndim))
    order[-2:] = order[-1], order[-2]
    return Permute.apply(matrices, tuple(order))


class Linear(Function):
    """y = x Wᵀ + b for x (*, in), W (out, in), b (out,) or None: one node for nn.Linear.

    dx = grad W, dW = gradᵀ x and db = Σ grad over the leading dims.
    """

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, weight: Any, bias: Any) -> Any:
        ctx.save_for_backward(x, weight)
        y = matmul_transposed(x, weight)
        if bias is not None:
            y += bias  # y is a fresh array: no second one for the sum
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: tensor ops, so that the gradients can be differentiated
            return linear_gradients(grad_output, x, weight, ctx.needs_input_grad)
        grads = linear_gradients(grad_output._data, x._data, weight._data, ctx.needs_input_grad)
        return tuple(None if grad is None else Tensor._make(grad, ctx._backend) for grad in grads)


def matmul_transposed(x: Any, weight: Any) -> Any:
    """x Wᵀ on arrays, accumulated in float32 for float16 as PyTorch does."""
    if x.dtype == np.float16:
        return (x.astype(np.float32) @ weight.T.astype(np.float32)).astype(np.float16)
    return x @ weight.T


def linear_gradients(grad_output: Any, x: Any, weight: Any, needs_input_grad: tuple) -> tuple:
    """(dx, dW, db) of y = x Wᵀ + b (dx = grad when W is None), written once for arrays and tensors alike."""
    rows = grad_output.reshape(-1, grad_output.shape[-1])
    grad_x = None
    if needs_input_grad[0]:  # the first layer's input (the data) needs none: skip its whole matmul
        grad_x = grad_output if weight is None else grad_output @ weight
    return (grad_x,
            rows.T @ x.reshape(-1, x.shape[-1]) if needs_input_grad[1] else None,
            _column_sums(rows) if needs_input_grad[2] else None)


def _column_sums(rows: Any) -> Any:
    """Σ over rows; float16 arrays accumulate in float32, as the Sum op (used for tensors) does."""
    if not isinstance(rows, Tensor) and rows.dtype == np.float16:
        return rows.sum(0, dtype=np.float32).astype(np.float16)
    return rows.sum(0)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b. Shapes: input (*, in_features), weight (out_features, in_features), bias (out_features)."""
    check_linear_arguments(input, weight, bias)
    return Linear.apply(input, weight, bias)


def check_linear_arguments(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's errors for x Wᵀ + b with arguments that do not fit (read off the arrays: this runs every step)."""
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    if bias is not None:
        check_tensor(bias, "bias", "linear")
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim != 2 or x.shape[-1] != w.shape[1]:
        rows = int(np.prod(x.shape[:-1])) if x.ndim else 1  # PyTorch names the inputs as a matrix
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1] if x.ndim else 1} "
                           f"and {_shape_text(tuple(reversed(w.shape)))})")
    if x.dtype != w.dtype or (bias is not None and bias._data.dtype != x.dtype):
        raise RuntimeError(f"linear: expected input, weight and bias of one dtype, got {input.dtype.name}, "
                           f"{weight.dtype.name}" + ("" if bias is None else f" and {bias.dtype.name}"))
    if bias is not None and bias._data.shape != (w.shape[0],):
        raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} does not match out_features {w.shape[0]}")


def _shape_text(shape: tuple) -> str:
    return "x".join(str(size) for size in shape)


def _matmul_mismatch(a: tuple, b: tuple) -> str:
    """PyTorch's message for operands whose inner sizes differ, by their dims; each names both shapes."""
    if len(a) == 1 and len(b) == 1:
        return (f"inconsistent tensor size, expected tensor {list(a)} and src {list(b)} to have the same number of "
                f"elements, but got {a[0]} and {b[0]} elements respectively")
    if len(a) == 2 and len(b) == 1:
        return f"size mismatch, got input ({a[0]}), mat ({_shape_text(a)}), vec ({b[0]})"
    rows = (1,) + a if len(a) == 1 else a  # a vector on the left is a row, as PyTorch writes it
    return f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(rows)} and {_shape_text(b)})"


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with NumPy's rules: 1-D operands are vectors, leading dims broadcast."""
    check_tensor(input, "input", "matmul")
    check_tensor(other, "other", "matmul")
    a, b = input._data, other._data  # checked on the arrays: big products should pay nothing for the framework
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != "
                           f"{other.dtype.name}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise RuntimeError(_matmul_mismatch(a.shape, b.shape))
    if a.ndim == 2 and b.ndim == 2:  # two matrices: nothing to broadcast or squeeze
        return MatMul.apply(input, other)
    broadcast_shapes(a.shape[:-2], b.shape[:-2])
    result = MatMul.apply(input.unsqueeze(0) if a.ndim == 1 else input, other.unsqueeze(-1) if b.ndim == 1 else other)
    if b.ndim == 1:
        result = result.squeeze(-1)
    if a.ndim == 1:
        result = result.squeeze(-2 if b.ndim > 1 else -1)
    return result



# ---- mm, bmm, mv, dot, outer, addmm: matmul with PyTorch's stricter shapes ----
def _check_tensors(function: str, **arguments: Any) -> None:
    for argument, value in arguments.items():
        check_tensor(value, argument, function)


def _check_same_dtype(input: Tensor, other: Tensor) -> None:
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != "
                           f"{other.dtype.name}")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (n, k) @ (k, m); no broadcasting."""
    _check_tensors("mm", input=input, mat2=mat2)
    if input.ndim != 2:
        raise RuntimeError(f"self must be a matrix, got {input.ndim}-D tensor")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix products (b, n, k) @ (b, k, m); no broadcasting."""
    _check_tensors("bmm", input=input, mat2=mat2)
    for name, tensor in (("batch1", input), ("batch2", mat2)):
        if tensor.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor, got {tensor.ndim}-D")
    if tuple(mat2.shape[:2]) != (input.shape[0], input.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """The product of a matrix (n, m) and a vector (m,)."""
    _check_tensors("mv", input=input, vec=vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({_shape_text(input.shape)}), "
                           f"vec ({vec.shape[0]})")
    return matmul(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two vectors of one length and dtype."""
    _check_tensors("dot", input=input, tensor=tensor)
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{tensor.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                           f"and {tensor.shape[0]} elements respectively")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {input.dtype.name} and "
                           f"{tensor.dtype.name}")
    return matmul(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: result[i, j] = input[i] * vec2[j] (dtypes promote)."""
    _check_tensors("outer", input=input, vec2=vec2)
    for name, tensor in (("self", input), ("vec2", vec2)):
        if tensor.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {tensor.ndim}-D")
    return input.unsqueeze(1) * vec2


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product; beta = 0 ignores input (nan too)."""
    check_tensor(input, "input", "addmm")
    product = mm(mat1, mat2)
    _check_same_dtype(input, product)
    input = input.expand(tuple(product.shape))
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:  # input only reaches the result (and its gradient) as zeros, even where it is inf or nan
        return scaled + where(input * 0 == 0, input, 0.0) * 0
    return scaled + (input if beta == 1 else input * beta)

# ---- einsum ----
class Einsum(Function):
    """y = einsum(equation, *operands), operands already broadcast; each gradient is another einsum."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, *operands: Any, inputs: list[str], output: str) -> Any:
        ctx.inputs, ctx.output = inputs, output
        ctx.save_for_backward(*operands)
        equation = ",".join(inputs) + "->" + output
        return ctx.xp.einsum(equation, *operands, optimize=len(operands) > 1)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        operands = ctx.saved_tensors
        return tuple(
            _einsum_grad(grad_output, operands, ctx.inputs, ctx.output, position)
            if ctx.needs_input_grad[position] else None
            for position in range(len(operands))
        )


class DiagonalEmbed(Function):
    """y = zeros(shape) holding x on the diagonal its repeated subscripts name ('i' -> 'ii'); dx = the diagonal."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, subscripts: str, unique: str, shape: tuple) -> Any:
        ctx.subscripts, ctx.unique = subscripts, unique
        xp = ctx.xp
        grids = {}
        for position, letter in enumerate(unique):
            grid_shape = [1] * len(unique)
            grid_shape[position] = x.shape[position]
            grids[letter] = xp.arange(x.shape[position]).reshape(grid_shape)
        result = xp.zeros(shape, dtype=x.dtype)
        result[tuple(grids[letter] for letter in subscripts)] = x
        return result

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Einsum.apply(grad_output, inputs=[ctx.subscripts], output=ctx.unique), None, None, None


def _einsum_grad(grad_output: Tensor, operands: tuple, inputs: list[str], output: str, position: int) -> Tensor:
    """d einsum / d operands[position]: contract grad with the other operands back onto its subscripts."""
    subscripts = inputs[position]
    unique = "".join(dict.fromkeys(subscripts))
    others = [(inputs[k], operands[k]) for k in range(len(operands)) if k != position]
    available = set(output).union(*(set(sub) for sub, _ in others))
    reached = "".join(letter for letter in unique if letter in available)
    grad = Einsum.apply(grad_output, *(operand for _, operand in others),
                        inputs=[output] + [sub for sub, _ in others], output=reached)
    # letters summed over this operand alone: the gradient is the same all along them
    sizes = dict(zip(subscripts, operands[position].shape))
    if reached != unique:
        grad = grad.reshape(tuple(sizes[letter] if letter in reached else 1 for letter in unique))
        grad = grad.expand(tuple(sizes[letter] for letter in unique))
    if unique != subscripts:
        grad = DiagonalEmbed.apply(grad, subscripts, unique, tuple(operands[position].shape))
    return grad


def _parse_einsum(equation: str, operands: tuple) -> tuple[list[str], str]:
    """Explicit subscripts for every operand and the output, with '...' spelled out as letters."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        raise ValueError("einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(inputs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    for part in inputs + [right]:
        stripped = part.replace("...", "")
        if not all(letter in string.ascii_letters for letter in stripped):
            raise ValueError(f"einsum(): invalid subscript given in equation '{equation}'")
    used = set(left + right)
    spare = [letter for letter in string.ascii_letters if letter not in used]
    ellipsis_dims = 0
    for part, operand in zip(inputs, operands):
        if "..." in part:
            ellipsis_dims = max(ellipsis_dims, operand.ndim - (len(part) - 3))
    ellipsis_letters = "".join(spare[:ellipsis_dims])
    explicit = []
    for index, (part, operand) in enumerate(zip(inputs, operands)):
        if "..." in part:
            count = operand.ndim - (len(part) - 3)
            if count < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(part) - 3}) is more "
                                   f"than the number of dimensions ({operand.ndim}) for operand {index}")
            part = part.replace("...", ellipsis_letters[ellipsis_dims - count:])
        elif len(part) != operand.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(part)}) does not match the number of "
                f"dimensions ({operand.ndim}) for operand {index} and no ellipsis was given"
            )
        explicit.append(part)
    if arrow:
        output = right.replace("...", ellipsis_letters)
        for letter in output:
            if output.count(letter) > 1:
                raise ValueError(f"einsum(): output subscript {letter} appears more than once in the output")
            if not any(letter in part for part in explicit):
                raise ValueError(f"einsum(): output subscript {letter} does not appear in the equation for any "
                                 "input operand")
    else:
        counts = "".join(explicit)
        output = ellipsis_letters + "".join(sorted(letter for letter in set(counts)
                                                   if counts.count(letter) == 1 and letter not in ellipsis_letters))
    return explicit, output


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over the operands, e.g. einsum('bij,bjk->bik', a, b); size-1 dims broadcast."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse_einsum(equation, operands)
    sizes: dict[str, int] = {}
    for index, (subscripts, operand) in enumerate(zip(inputs, operands)):
        for letter, size in zip(subscripts, operand.shape):
            seen = sizes.get(letter, 1)
            if size != 1 and seen != 1 and size != seen:
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand {index} which does "
                                   f"not broadcast with previously seen size {seen}")
            sizes[letter] = max(seen, size)
    broadcast = []
    for subscripts, operand in zip(inputs, operands):
        target = tuple(sizes[letter] for letter in subscripts)
        broadcast.append(operand.expand(target) if target != tuple(operand.shape) else operand)
    dtypes_seen = {operand.dtype for operand in broadcast}
    if len(dtypes_seen) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got {sorted(d.name for d in dtypes_seen)}")
    return Einsum.apply(*broadcast, inputs=inputs, output=output)
