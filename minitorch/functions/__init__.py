"""The differentiable ops, one Function class each, grouped by kind.

TENSOR_METHODS lists the functions that are also Tensor methods (x.sum(), x.exp(), ...).
"""
from . import activation, arithmetic, indexing, linalg, reduction, shape, special

TENSOR_METHODS = {
    # arithmetic
    "add": arithmetic.add, "sub": arithmetic.sub, "mul": arithmetic.mul, "div": arithmetic.div,
    "neg": arithmetic.neg, "remainder": arithmetic.remainder, "floor_divide": arithmetic.floor_divide, "pow": arithmetic.pow, "exp": arithmetic.exp, "log": arithmetic.log,
    "sqrt": arithmetic.sqrt, "sin": arithmetic.sin, "cos": arithmetic.cos, "expm1": arithmetic.expm1, "log1p": arithmetic.log1p, "erf": special.erf, "erfc": special.erfc, "abs": arithmetic.abs, "sign": arithmetic.sign, "clamp": arithmetic.clamp,
    "clip": arithmetic.clamp,
    "eq": arithmetic.eq, "ne": arithmetic.ne, "lt": arithmetic.lt, "le": arithmetic.le,
    "gt": arithmetic.gt, "ge": arithmetic.ge,
    "logical_and": arithmetic.logical_and, "logical_or": arithmetic.logical_or,
    "logical_not": arithmetic.logical_not,
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "var": reduction.var, "std": reduction.std,
    "max": reduction.max, "min": reduction.min, "maximum": reduction.maximum, "minimum": reduction.minimum,
    "any": reduction.any, "all": reduction.all, "argmax": reduction.argmax, "argmin": reduction.argmin, "sum_to_size": reduction.sum_to_shape,
    # shape
    "reshape": shape.reshape, "view": shape.view, "flatten": shape.flatten, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "permute": shape.permute, "transpose": shape.transpose, "t": shape.t,
    "expand": shape.expand,
    # indexing and linear algebra
    "gather": indexing.gather, "matmul": linalg.matmul,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
}
