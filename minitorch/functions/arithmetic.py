"""Elementwise arithmetic: + - * / ** and the unary math functions, with comparisons (no grad)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..dtypes import dtype as DType
from ..tensor import Tensor

Number = (bool, int, float, np.number, np.bool_)


def broadcast_shapes(shape_a: tuple, shape_b: tuple) -> tuple:
    """The broadcast shape of two shapes; RuntimeError naming the sizes that clash."""
    result = []
    for dim in range(1, max(len(shape_a), len(shape_b)) + 1):
        size_a = shape_a[-dim] if dim <= len(shape_a) else 1
        size_b = shape_b[-dim] if dim <= len(shape_b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            position = max(len(shape_a), len(shape_b)) - dim
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at non-singleton "
                f"dimension {position} (shapes {tuple(shape_a)} and {tuple(shape_b)})"
            )
        result.append(max(size_a, size_b) if size_a != 0 and size_b != 0 else 0)
    return tuple(reversed(result))


def _operand(value: Any, dtype: DType) -> Any:
    """A tensor cast to `dtype`, or a number as a NumPy scalar of `dtype`."""
    if isinstance(value, Tensor):
        return value if value.dtype is dtype else Cast.apply(value, dtype)
    return dtype.numpy.type(value)


def check_tensor(value: Any, argument: str, function: str) -> None:
    """PyTorch's TypeError for a non-tensor argument: "linear(): argument 'input' must be Tensor, not list"."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{argument}' must be Tensor, not {type(value).__name__}")


def _check_number(value: Any, op_name: str, other: Any) -> None:
    if not isinstance(value, (Tensor,) + Number):
        raise TypeError(
            f"unsupported operand type(s) for {op_name}: '{type(other).__name__}' and '{type(value).__name__}'"
        )


def binary(function: type[Function], a: Any, b: Any, op_name: str, result_dtype: DType | None = None) -> Tensor:
    """Apply a binary Function after PyTorch's type promotion, with a clear broadcasting error."""
    if result_dtype is None and type(a) is Tensor and type(b) is Tensor and a._data.dtype == b._data.dtype:
        left, right = a, b  # the common case: nothing to promote
    elif result_dtype is None and type(a) is Tensor and type(b) in (float, int) and a._data.dtype.kind == "f":
        left, right = a, a._data.dtype.type(b)  # a float tensor and a Python number: the tensor's dtype
    elif result_dtype is None and type(b) is Tensor and type(a) in (float, int) and b._data.dtype.kind == "f":
        left, right = b._data.dtype.type(a), b
    else:
        _check_number(a, op_name, b)
        _check_number(b, op_name, a)
        dtype = result_dtype or dtypes.result_type(a, b)
        left, right = _operand(a, dtype), _operand(b, dtype)
    try:
        return function.apply(left, right)
    except ValueError:
        broadcast_shapes(np.shape(left._data if isinstance(left, Tensor) else left),
                         np.shape(right._data if isinstance(right, Tensor) else right))
        raise


def _float_result(*operands: Any) -> DType:
    """The promoted dtype, made floating (int / int is float, as PyTorch's true division)."""
    dtype = dtypes.result_type(*operands)
    return dtype if dtype.is_floating_point else dtypes.get_default_dtype()


def _as_float(x: Tensor) -> Tensor:
    """Integer inputs of exp, log, sqrt... compute in the default float dtype, as PyTorch."""
    return x if x.dtype.is_floating_point else Cast.apply(x, dtypes.get_default_dtype())


class Cast(Function):
    """y = x as another dtype; the gradient is cast back by the engine."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dtype: DType) -> Any:
        with np.errstate(all="ignore"):  # a float64 too large for float32 becomes inf, as in PyTorch
            return x.astype(dtype.numpy)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output, None


class Add(Function):
    """y = a + b."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        with np.errstate(all="ignore"):  # inf + -inf is nan and overflow is inf, without NumPy's warnings
            return a + b

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output, grad_output


class Sub(Function):
    """y = a - b."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        with np.errstate(all="ignore"):
            return a - b

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output, -grad_output if ctx.needs_input_grad[1] else None


class Mul(Function):
    """y = a * b; da = grad * b, db = grad * a."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):  # inf * 0 is nan, as in PyTorch, without NumPy's warning
            return a * b

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return (grad_output * b if ctx.needs_input_grad[0] else None,
                grad_output * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """y = a / b; da = grad / b, db = -grad * a / b²."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or nan, as in PyTorch
            return a / b

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return (grad_output / b if ctx.needs_input_grad[0] else None,
                -grad_output * a / (b * b) if ctx.needs_input_grad[1] else None)


class Remainder(Function):
    """y = a mod b with the sign of b (Python's %); da = grad, db = -grad · floor(a / b)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.remainder(a, b)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        if not ctx.needs_input_grad[1]:
            return grad_output, None
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = Tensor._make(ctx.xp.floor(a._data / b._data), ctx._backend)  # piecewise constant
        return grad_output, -grad_output * quotient


class Neg(Function):
    """y = -x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        return -grad_output


class Pow(Function):
    """y = a ** b; da = grad * b * a^(b-1) (0 where b = 0), db = grad * y * log(a) (0 where a = 0, b >= 0)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = a ** b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b, y = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output * b * a ** (b - 1)
            if (b._data == 0).any():  # d/da a^0 is 0 everywhere, a = 0 included
                grad_a = where(b == 0, 0.0, grad_a)
        if ctx.needs_input_grad[1]:
            grad_b = grad_output * y * log(a)
            if (a._data == 0).any():  # the limit of a^b log a at a = 0 is 0 for b >= 0
                grad_b = where((a == 0) & (b >= 0), 0.0, grad_b)
        return grad_a, grad_b


class Exp(Function):
    """y = e^x; dx = grad * y."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(over="ignore"):
            y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * y


class Log(Function):
    """y = ln x; dx = grad / x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan
            return ctx.xp.log(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / x


class Expm1(Function):
    """y = e^x - 1, exact near 0; dx = grad * (y + 1)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(over="ignore"):
            y = ctx.xp.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * (y + 1)


class Log1p(Function):
    """y = ln(1 + x), exact near 0; dx = grad / (1 + x)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / (x + 1)


class Sin(Function):
    """y = sin x; dx = grad * cos x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * cos(x)


class Cos(Function):
    """y = cos x; dx = -grad * sin x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad_output * sin(x)


class Sqrt(Function):
    """y = √x; dx = grad / (2y)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(invalid="ignore"):
            y = ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output / (2 * y)


class Abs(Function):
    """y = |x|; dx = grad * sign(x) (0 at x = 0, as PyTorch)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * x.sign()


class Clamp(Function):
    """y = min(max(x, low), high); the gradient passes where low <= x <= high."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, low: Any, high: Any) -> Any:
        inside = ctx.xp.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.save_for_backward(inside)
        return ctx.xp.clip(x, low, high)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        inside, = ctx.saved_tensors
        return grad_output * inside, None, None


# ---- the functional API ----
def add(input: Any, other: Any, alpha: float = 1) -> Tensor:
    """input + alpha * other, broadcasting."""
    return binary(Add, input, other if alpha == 1 else other * alpha, "+")


def sub(input: Any, other: Any, alpha: float = 1) -> Tensor:
    """input - alpha * other, broadcasting."""
    if dtypes.result_type(input, other) is dtypes.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return binary(Sub, input, other if alpha == 1 else other * alpha, "-")


def mul(input: Any, other: Any) -> Tensor:
    """input * other, broadcasting."""
    return binary(Mul, input, other, "*")


def div(input: Any, other: Any) -> Tensor:
    """input / other: true division, so integers give the default float dtype."""
    return binary(Div, input, other, "/", result_dtype=_float_result(input, other))


def _check_integer_divisor(dividend: Any, divisor: Any) -> None:
    """Integer division by zero raises, as in PyTorch (NumPy would warn and return 0)."""
    if dtypes.result_type(dividend, divisor).is_floating_point:
        return
    if isinstance(divisor, Tensor):
        with divisor._backend.context():
            zero = bool((divisor._data == 0).any())
    else:
        zero = divisor == 0
    if zero:
        raise RuntimeError("ZeroDivisionError")


def remainder(input: Any, other: Any) -> Tensor:
    """input mod other, with the sign of other (Python's %, torch.remainder)."""
    _check_integer_divisor(input, other)
    return binary(Remainder, input, other, "%")


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other) (Python's //); no gradient flows through it (PyTorch has none either)."""
    _check_integer_divisor(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _compare(np.floor_divide, input, other, "//")


def neg(input: Tensor) -> Tensor:
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(input)


def pow(input: Any, exponent: Any) -> Tensor:
    """input ** exponent (either may be a number)."""
    dtype = dtypes.result_type(input, exponent)
    if isinstance(exponent, Number):
        negative = exponent < 0
    else:
        with exponent._backend.context():
            negative = bool((exponent._data < 0).any())
    if not dtype.is_floating_point and negative:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return binary(Pow, input, exponent, "**", result_dtype=dtype)


def exp(input: Tensor) -> Tensor:
    return Exp.apply(_as_float(input))


def log(input: Tensor) -> Tensor:
    return Log.apply(_as_float(input))


def expm1(input: Tensor) -> Tensor:
    return Expm1.apply(_as_float(input))


def log1p(input: Tensor) -> Tensor:
    return Log1p.apply(_as_float(input))


def sin(input: Tensor) -> Tensor:
    return Sin.apply(_as_float(input))


def cos(input: Tensor) -> Tensor:
    return Cos.apply(_as_float(input))


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(_as_float(input))


def abs(input: Tensor) -> Tensor:
    return Abs.apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Each element limited to [min, max]; either bound may be None."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [bound for bound in (min, max) if bound is not None]
    for bound in bounds:
        if not isinstance(bound, Number):
            raise TypeError(f"clamp(): min and max must be numbers, got {type(bound).__name__}")
    dtype = dtypes.result_type(input, *bounds)
    low = None if min is None else dtype.numpy.type(min)
    high = None if max is None else dtype.numpy.type(max)
    return Clamp.apply(_operand(input, dtype), low, high)


class Where(Function):
    """y = a where condition else b; da = grad where condition, db = grad elsewhere."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, condition: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, a, b)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        condition, = ctx.saved_tensors
        zero = grad_output.dtype.numpy.type(0)
        return (None,
                Where.apply(condition, grad_output, zero) if ctx.needs_input_grad[1] else None,
                Where.apply(condition, zero, grad_output) if ctx.needs_input_grad[2] else None)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """Elements of input where condition is true, of other elsewhere (broadcasting all three)."""
    if not isinstance(condition, Tensor) or condition.dtype is not dtypes.bool_:
        got = condition.dtype if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {got}")
    _check_number(input, "where", other)
    _check_number(other, "where", input)
    dtype = dtypes.result_type(input, other)
    left, right = _operand(input, dtype), _operand(other, dtype)
    try:
        return Where.apply(condition, left, right)
    except ValueError:
        shape = broadcast_shapes(condition.shape, np.shape(left._data if isinstance(left, Tensor) else left))
        broadcast_shapes(shape, np.shape(right._data if isinstance(right, Tensor) else right))
        raise


def _compare(numpy_function: Any, a: Any, b: Any, op_name: str) -> Tensor:
    """An op without gradient (a comparison, floor division): computed in the promoted dtype, never recorded."""
    _check_number(a, op_name, b)
    _check_number(b, op_name, a)
    backend = (a if isinstance(a, Tensor) else b)._backend
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._backend is not b._backend:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                           f"{a.device} and {b.device}!")
    dtype = dtypes.result_type(a, b)
    with backend.context():
        left = a._data.astype(dtype.numpy, copy=False) if isinstance(a, Tensor) else dtype.numpy.type(a)
        right = b._data.astype(dtype.numpy, copy=False) if isinstance(b, Tensor) else dtype.numpy.type(b)
        try:
            result = numpy_function(left, right)
        except ValueError:
            broadcast_shapes(np.shape(left), np.shape(right))
            raise
        return Tensor._make(backend.xp.asarray(result), backend)


def eq(input: Any, other: Any) -> Tensor:
    return _compare(np.equal, input, other, "==")


def ne(input: Any, other: Any) -> Tensor:
    return _compare(np.not_equal, input, other, "!=")


def lt(input: Any, other: Any) -> Tensor:
    return _compare(np.less, input, other, "<")


def le(input: Any, other: Any) -> Tensor:
    return _compare(np.less_equal, input, other, "<=")


def gt(input: Any, other: Any) -> Tensor:
    return _compare(np.greater, input, other, ">")


def ge(input: Any, other: Any) -> Tensor:
    return _compare(np.greater_equal, input, other, ">=")


def logical_and(input: Any, other: Any) -> Tensor:
    return _compare(np.logical_and, input, other, "&")


def logical_or(input: Any, other: Any) -> Tensor:
    return _compare(np.logical_or, input, other, "|")


def logical_not(input: Tensor) -> Tensor:
    with input._backend.context():
        return Tensor._make(input._backend.xp.logical_not(input._data), input._backend)
