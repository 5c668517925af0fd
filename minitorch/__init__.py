"""minitorch: a small, readable deep-learning framework with PyTorch's API.

Five one-way layers (README, "How it is built"): dtypes/devices/dims/errors, backends, the core (tensor,
creation, autograd), functions (the ops, bound onto Tensor by functions/methods.py), then nn, optim,
utils, serialization and cuda; this module gathers the public names.

    import minitorch as mt
    x = mt.randn(3, requires_grad=True)
    (x * x).sum().backward()
"""
from . import autograd, cuda
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .devices import device
from .creation import (arange, empty, empty_like, eye, from_dlpack, from_numpy, full, full_like, linspace,
                       ones, ones_like, tensor, zeros, zeros_like)
from .errors import OutOfMemoryError
from .dtypes import (bool_ as bool, double, dtype, float16, float32, float64, get_default_dtype, half, int32,
                     int64, long, promote_types, result_type, set_default_dtype)
from .dtypes import float_ as float
from .dtypes import int_ as int
from .functions import bind_tensor_methods
from .functions.activation import log_softmax, relu, sigmoid, softmax, tanh
from .functions.arithmetic import (abs, add, clamp, cos, div, eq, exp, expm1, floor_divide, ge, gt, le, log, log1p,
                                   logical_and,
                                   logical_not, logical_or, lt, mul, ne, neg, pow, remainder, sin, sqrt, sub, where)
from .functions.indexing import gather
from .functions.linalg import einsum, matmul
from .functions.reduction import all, any, argmax, argmin, max, maximum, mean, min, minimum, std, sum, var
from .functions.special import erf, erfc
from .functions.shape import cat, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from .tensor import Size, Tensor
# tensor math (issue 12)
from .functions.cumulative import cumprod, cumsum, prod
from .functions.linalg import addmm, bmm, dot, mm, mv, outer
from .functions.pointwise import (acos, arccos, arcsin, arctan, arctan2, asin, atan, atan2, ceil, cosh, exp2, fix,
                                  floor, frac, log2, log10, reciprocal, round, rsqrt, sign, sinh, square, tan, trunc)
from .functions.reduction import logsumexp, norm
# selection, rearranging, construction and comparison (issue 12, tensor-select)
from .functions.comparison import allclose, equal, isclose
from .functions.construction import is_tensor, numel
from .functions.rearrange import (chunk, flip, masked_fill, meshgrid, repeat_interleave, roll, split, tile, tril,
                                  triu, unbind)
from .functions.selection import argsort, argwhere, bincount, histc, histogram, nonzero, sort, topk, unique

clip = clamp
bind_tensor_methods()
del bind_tensor_methods  # run once, here; not part of the API

__version__ = "0.1.0"

# nn, optim, data loading and checkpoints (issue 4)
from . import nn, optim, utils
from .serialization import load, save

# random numbers: generators, seeds and sampling (issue 12, random-api)
from . import random
from .dtypes import uint8
from .generator import Generator, default_generator, initial_seed, manual_seed, seed
from .random import (bernoulli, multinomial, normal, rand, rand_like, randint, randint_like, randn, randn_like,
                     randperm)

# module-level API: default device, accelerator, print options, backends flags (issue 12, module-api)
from . import accelerator, backends
from ._tensor_str import set_printoptions
from .backends import get_default_device, set_default_device

# torch.distributed's process group and collectives over MPI, CPU tensors (issue 15, dist)
from . import distributed


def is_floating_point(input: Tensor) -> bool:
    """True if input's dtype is a floating-point type (float16, float32, float64)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.dtype.is_floating_point
