"""Tensor's operators and op methods, bound onto the class in this one place, as DeZero's setup_variable does:
tensor.py is the data structure and its autograd fields and imports no op; bind_tensor_methods() (called
once by minitorch/__init__.py) makes x + y, x @ w, x[i], x.sum(), x.to("cuda") and the legacy constructor
Tensor(data) call the functions of this package.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import creation, dtypes, random
from ..autograd.broadcast import sum_to_shape
from ..tensor import Tensor
from . import activation, arithmetic, cumulative, indexing, linalg, pointwise, reduction, shape, special
from . import comparison, construction, rearrange, selection

TENSOR_METHODS = {
    # arithmetic
    "add": arithmetic.add, "sub": arithmetic.sub, "mul": arithmetic.mul, "div": arithmetic.div,
    "neg": arithmetic.neg, "remainder": arithmetic.remainder, "floor_divide": arithmetic.floor_divide, "pow": arithmetic.pow, "exp": arithmetic.exp, "log": arithmetic.log,
    "sqrt": arithmetic.sqrt, "sin": arithmetic.sin, "cos": arithmetic.cos, "expm1": arithmetic.expm1, "log1p": arithmetic.log1p, "erf": special.erf, "erfc": special.erfc, "abs": arithmetic.abs, "clamp": arithmetic.clamp,
    "clip": arithmetic.clamp,
    "eq": arithmetic.eq, "ne": arithmetic.ne, "lt": arithmetic.lt, "le": arithmetic.le,
    "gt": arithmetic.gt, "ge": arithmetic.ge,
    "logical_and": arithmetic.logical_and, "logical_or": arithmetic.logical_or,
    "logical_not": arithmetic.logical_not,
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "var": reduction.var, "std": reduction.std,
    "max": reduction.max, "min": reduction.min, "maximum": reduction.maximum, "minimum": reduction.minimum,
    "any": reduction.any, "all": reduction.all, "argmax": reduction.argmax, "argmin": reduction.argmin, "sum_to_size": sum_to_shape,
    # shape
    "reshape": shape.reshape, "view": shape.view, "flatten": shape.flatten, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "permute": shape.permute, "transpose": shape.transpose, "t": shape.t,
    "expand": shape.expand, "clone": shape.clone, "to": shape.to,
    # indexing and linear algebra
    "gather": indexing.gather, "matmul": linalg.matmul,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    # tensor math (issue 12): more elementwise math, products, reductions and their in-place forms
    "log10": pointwise.log10, "log2": pointwise.log2, "exp2": pointwise.exp2, "sinh": pointwise.sinh,
    "cosh": pointwise.cosh, "tan": pointwise.tan, "asin": pointwise.asin, "acos": pointwise.acos,
    "atan": pointwise.atan, "atan2": pointwise.atan2, "arcsin": pointwise.arcsin, "arccos": pointwise.arccos,
    "arctan": pointwise.arctan, "arctan2": pointwise.arctan2, "reciprocal": pointwise.reciprocal,
    "rsqrt": pointwise.rsqrt, "square": pointwise.square, "sign": pointwise.sign, "floor": pointwise.floor,
    "ceil": pointwise.ceil, "round": pointwise.round, "trunc": pointwise.trunc, "fix": pointwise.fix,
    "frac": pointwise.frac,
    "mm": linalg.mm, "bmm": linalg.bmm, "mv": linalg.mv, "dot": linalg.dot, "outer": linalg.outer,
    "addmm": linalg.addmm,
    "logsumexp": reduction.logsumexp, "norm": reduction.norm, "prod": cumulative.prod,
    "cumsum": cumulative.cumsum, "cumprod": cumulative.cumprod,
    # selection, rearranging, construction and comparison (issue 12, tensor-select)
    "topk": selection.topk, "sort": selection.sort, "argsort": selection.argsort, "unique": selection.unique,
    "bincount": selection.bincount, "histc": selection.histc, "histogram": selection.histogram,
    "nonzero": selection.nonzero, "argwhere": selection.argwhere,
    "chunk": rearrange.chunk, "split": rearrange.split, "unbind": rearrange.unbind, "flip": rearrange.flip,
    "roll": rearrange.roll, "tril": rearrange.tril, "triu": rearrange.triu, "masked_fill": rearrange.masked_fill,
    "masked_fill_": rearrange.masked_fill_, "repeat": rearrange.repeat, "tile": rearrange.tile,
    "repeat_interleave": rearrange.repeat_interleave,
    "new_zeros": construction.new_zeros, "new_ones": construction.new_ones, "new_full": construction.new_full,
    "new_tensor": construction.new_tensor, "new_empty": construction.new_empty,
    "type": construction.tensor_type,
    "isclose": comparison.isclose, "allclose": comparison.allclose, "equal": comparison.equal,
}
"""The functions that are also Tensor methods (x.sum(), x.exp(), ...), by method name."""


def _reflected(function: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    """other OP self, for the __rOP__ methods whose op does not commute."""
    def reflected(self: Tensor, other: Any) -> Tensor:
        return function(other, self)
    reflected.__name__ = reflected.__qualname__ = f"reflected_{function.__name__}"
    return reflected


def _positive(self: Tensor) -> Tensor:
    """+x is x itself, as in PyTorch."""
    return self


def _construct(self: Tensor, data: Any = ()) -> None:
    """The legacy constructor torch.Tensor(data): a tensor of the default float dtype."""
    made = creation.tensor(data, dtype=dtypes.get_default_dtype())
    Tensor._init_fields(self, made._data, made._backend)


OPERATORS: dict[str, Callable[..., Any]] = {
    "__init__": _construct,
    "__add__": arithmetic.add, "__radd__": arithmetic.add,
    "__sub__": arithmetic.sub, "__rsub__": _reflected(arithmetic.sub),
    "__mul__": arithmetic.mul, "__rmul__": arithmetic.mul,
    "__truediv__": arithmetic.div, "__rtruediv__": _reflected(arithmetic.div),
    "__floordiv__": arithmetic.floor_divide, "__rfloordiv__": _reflected(arithmetic.floor_divide),
    "__mod__": arithmetic.remainder, "__rmod__": _reflected(arithmetic.remainder),
    "__pow__": arithmetic.pow, "__rpow__": _reflected(arithmetic.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": arithmetic.neg, "__pos__": _positive, "__abs__": arithmetic.abs,
    "__eq__": arithmetic.eq, "__ne__": arithmetic.ne, "__lt__": arithmetic.lt, "__le__": arithmetic.le,
    "__gt__": arithmetic.gt, "__ge__": arithmetic.ge,
    "__invert__": arithmetic.logical_not, "__and__": arithmetic.logical_and, "__or__": arithmetic.logical_or,
    "__getitem__": indexing.getitem, "__setitem__": indexing.setitem,
}
"""Python's operators on tensors (commuting ops take self first for the reflected form too, as before)."""


# random numbers (issue 12, random-api): samplers and in-place fills, not ops (no gradient, no op table row)
RANDOM_METHODS = {
    "uniform_": random.uniform_, "normal_": random.normal_, "random_": random.random_,
    "bernoulli": random.bernoulli, "multinomial": random.multinomial,
}
"""The random functions that are also Tensor methods (x.uniform_(-1, 1), x.multinomial(3), ...)."""


# tensor math (issue 12, tensor-math): the in-place forms of the math ops, through Tensor._apply_inplace
def _in_place(function: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """x.exp_() and friends: function(x, ...) written into x's storage by Tensor._apply_inplace."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._apply_inplace(lambda tensor, _: function(tensor, *args, **kwargs), None)
    method.__name__ = method.__qualname__ = f"{function.__name__}_"
    return method


IN_PLACE = {f"{name}_": _in_place(TENSOR_METHODS[name]) for name in (
    "exp", "log", "sqrt", "abs", "neg", "sin", "cos", "expm1", "log1p", "clamp", "clip", "pow", "log10", "log2",
    "exp2", "sinh", "cosh", "tan", "asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "arctan2",
    "reciprocal", "rsqrt", "square", "sign", "floor", "ceil", "round", "trunc", "fix", "frac", "cumsum", "cumprod",
    "sigmoid", "tanh", "relu", "addmm")}
"""The in-place forms PyTorch has of these methods (tensor math, issue 12)."""


def bind_tensor_methods() -> None:
    """Make the ops Tensor's methods and operators."""
    for name, function in {**TENSOR_METHODS, **IN_PLACE, **OPERATORS, **RANDOM_METHODS}.items():
        setattr(Tensor, name, function)
