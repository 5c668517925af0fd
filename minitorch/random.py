"""Random numbers, as PyTorch's: rand, randn, randint, randperm, normal, bernoulli, multinomial, the *_like forms
and the in-place fills uniform_, normal_ and random_ (Tensor methods).

Each draws from `generator` when one is given (a minitorch.Generator on the output's device), else from the
global stream of the output's device (minitorch.manual_seed repeats it). The numbers are minitorch's own:
the same seed gives the same numbers within minitorch, not the ones PyTorch draws.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import dtypes
from .autograd.function import Function
from .autograd.grad_mode import is_grad_enabled
from .backends import backend_for
from .creation import _allocate, _checked_size, _leaf, _like, as_dtype
from .dtypes import dtype as DType
from .generator import Generator, stream_for
from .tensor import Tensor


def _draw(backend: Any, generator: Generator | None, doing: str, shape: tuple, make: Callable[[Any], Any]) -> Any:
    """make(stream) on backend's device, stream being generator's or the device's global one."""
    stream = stream_for(generator, backend, doing)
    return _allocate(backend, f"{doing} of size {shape}", lambda: make(stream))


def _floating(target: DType, kernel: str) -> DType:
    if not target.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{target.name}'")
    return target


def _sampled(draw: Callable[..., Any], shape: tuple, target: DType) -> Any:
    """draw(shape, dtype=...) in target's dtype (NumPy's and CuPy's generators draw no float16: via float32)."""
    sample_dtype = np.float32 if target is dtypes.float16 else target.numpy
    return draw(shape, dtype=sample_dtype).astype(target.numpy, copy=False)


def _random_float(sample: str, size: tuple, generator: Generator | None, dtype: DType | None, device: Any,
                  requires_grad: bool) -> Tensor:
    backend = backend_for(device)
    target = _floating(dtypes.get_default_dtype() if dtype is None else as_dtype(dtype), sample)
    values = _draw(backend, generator, sample, size, lambda stream: _sampled(getattr(stream, sample), size, target))
    return _leaf(values, backend, requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: DType | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    return _random_float("random", _checked_size(size), generator, dtype, device, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: DType | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers."""
    return _random_float("standard_normal", _checked_size(size), generator, dtype, device, requires_grad)


def _integers(backend: Any, generator: Generator | None, low: int, high: int, shape: tuple, target: DType,
              doing: str) -> Any:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _draw(backend, generator, doing, shape, lambda stream: stream.integers(
        low, high, size=shape, dtype=np.int64).astype(target.numpy, copy=False))


def randint(low: int, high: int | Sequence[int] | None = None, size: Sequence[int] | None = None, *,
            generator: Generator | None = None, dtype: DType | None = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        if high is None or isinstance(high, int):
            raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    backend = backend_for(device)
    target = dtypes.int64 if dtype is None else as_dtype(dtype)
    shape = _checked_size((size,))
    values = _integers(backend, generator, low, high, shape, target, "randint")
    return _leaf(values, backend, requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: DType | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return rand(size, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: DType | None = None,
               device: Any = None, requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return randn(size, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high) of input's shape (and dtype): randint_like(x, high) or (x, low, high)."""
    if high is None:
        low, high = 0, low
    size, dtype, device = _like(input, dtype, device)
    return randint(low, high, size, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: DType = dtypes.int64, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """The integers 0..n-1 in a random order (the order that sorts n uniform draws)."""
    shape = _checked_size((n,))
    backend = backend_for(device)
    target = as_dtype(dtype)
    values = _draw(backend, generator, "randperm", shape, lambda stream: backend.xp.argsort(
        stream.random(shape)).astype(target.numpy, copy=False))
    return _leaf(values, backend, requires_grad)


# ---- distributions with parameters ----
def _parameter_backend(*parameters: Any) -> Any:
    """The backend of the tensor parameters (all on one device, as PyTorch requires)."""
    backends = {id(p._backend): p._backend for p in parameters if isinstance(p, Tensor)}
    if len(backends) > 1:
        devices = ", ".join(str(p.device) for p in parameters if isinstance(p, Tensor))
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{devices}!")
    return next(iter(backends.values()))


def _values(parameter: Any) -> Any:
    return parameter._data if isinstance(parameter, Tensor) else parameter


def normal(mean: Tensor | float, std: Tensor | float = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: DType | None = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal random numbers: normal(mean, std) with a tensor mean and/or std (broadcast against each other),
    or normal(mean, std, size) with numbers. The samples pass mean and std a zero gradient, as PyTorch's."""
    tensors = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a float mean and a "
                            "float std, size is required (normal(mean, std, size))")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = _checked_size((size,))
        backend = backend_for(device)
        target = _floating(dtypes.get_default_dtype() if dtype is None else as_dtype(dtype), "normal")
    else:
        if size is not None:
            raise TypeError("normal() received an invalid combination of arguments: size is only taken with a "
                            "float mean and a float std")
        backend = _parameter_backend(mean, std)
        target = _floating(dtypes.promote_types(*(t.dtype for t in tensors)) if len(tensors) == 2
                           else tensors[0].dtype, "normal")
        if isinstance(std, Tensor) and bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        if not isinstance(std, Tensor) and std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shapes = [tuple(t.shape) for t in tensors]
        try:
            shape = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            raise RuntimeError(f"normal: the shapes of mean {shapes[0]} and std {shapes[-1]} do not broadcast "
                               f"together") from None

    def sample(stream: Any) -> Any:
        noise = _sampled(stream.standard_normal, shape, target)
        return (noise * _values(std) + _values(mean)).astype(target.numpy, copy=False)

    values = _draw(backend, generator, "normal", shape, sample)
    if any(t.requires_grad for t in tensors) and is_grad_enabled():
        node = {(True, False): "NormalBackward1", (False, True): "NormalBackward2",
                (True, True): "NormalBackward3"}[isinstance(mean, Tensor), isinstance(std, Tensor)]
        return Sampled.apply(values, mean, std, node_name=node)
    return _leaf(values, backend, requires_grad)


class Sampled(Function):
    """Samples drawn from a distribution whose parameters require grad: as PyTorch's normal and bernoulli, the
    result is in the graph and passes the parameters a zero gradient (the draw is not reparameterised)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, values: Any, *parameters: Any, node_name: str) -> Any:
        ctx.node_name = node_name
        ctx.parameters = [(p.shape, p.dtype) if hasattr(p, "shape") else None for p in parameters]
        return values

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        zeros = [None if meta is None else Tensor._make(ctx.xp.zeros(*meta), ctx._backend) for meta in ctx.parameters]
        return (None, *zeros)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0s and 1s of input's shape and dtype, each 1 with probability input's value there (or p, when given)."""
    if p is None:
        _floating(input.dtype, "bernoulli_tensor_cpu_p_")
        if not bool(((input._data >= 0) & (input._data <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false (bernoulli's input must "
                               "hold probabilities in [0, 1])")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    backend, shape = input._backend, tuple(input.shape)
    probability = input._data if p is None else p
    values = _draw(backend, generator, "bernoulli", shape,
                   lambda stream: (stream.random(shape) < probability).astype(input.dtype.numpy))
    if p is None and input.requires_grad and is_grad_enabled():
        return Sampled.apply(values, input, node_name="BernoulliBackward0")
    return Tensor._make(values, backend)


def _checked_distribution(input: Tensor, num_samples: int, replacement: bool) -> None:
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype.name}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-dim tensor")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not {type(num_samples).__name__}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got num_samples={num_samples})")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(num_samples={num_samples}, {categories} categories)")
    xp, values = input._backend.xp, input._data
    if not bool((xp.isfinite(values) & (values >= 0)).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if input.numel() and not bool((values.sum(-1) > 0).all()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """num_samples category indices per row of input (1-D: one distribution; 2-D: one per row), each drawn with
    probability proportional to its weight; without replacement an index appears at most once per row."""
    _checked_distribution(input, num_samples, replacement)
    backend, xp = input._backend, input._backend.xp
    rows = input._data.astype(np.float64).reshape(-1, input.shape[-1])
    shape = (*input.shape[:-1], num_samples)

    def sample(stream: Any) -> Any:
        if not len(rows):
            return xp.empty(shape, dtype=np.int64)
        weights = rows / rows.sum(-1, keepdims=True)
        if replacement:  # inverse CDF: the index is how many cumulative probabilities are <= the uniform draw
            cdf = xp.cumsum(weights, axis=-1)
            uniform = stream.random((len(rows), num_samples))
            picks = xp.stack([xp.searchsorted(row, draws, side="right") for row, draws in zip(cdf, uniform)])
            picks = xp.minimum(picks, rows.shape[-1] - 1)  # a last cumulative sum rounded below 1
        else:  # the num_samples smallest of Exp(1) / p: weighted sampling without replacement (as PyTorch)
            exponential = -xp.log1p(-stream.random(rows.shape))
            keys = xp.where(weights > 0, exponential / xp.where(weights > 0, weights, 1), xp.inf)
            picks = xp.argsort(keys, axis=-1)[:, :num_samples]
        return picks.astype(np.int64).reshape(shape)

    return Tensor._make(_draw(backend, generator, "multinomial", shape, sample), backend)


# ---- in-place fills: Tensor.uniform_, normal_, random_ ----
def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write values into tensor's storage; the fill has no gradient, so a tensor in a graph refuses it."""
    if is_grad_enabled() and tensor.requires_grad:
        if tensor.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError("minitorch does not track in-place random fills of a tensor that requires grad; "
                           "fill it under no_grad() or fill a detached tensor")
    tensor._write(..., values)
    tensor._version_counter.value += 1
    return tensor


def _from_to(method: str, bounds: tuple, named: dict, defaults: tuple) -> tuple:
    """The (from, to) of uniform_/random_, given positionally or by PyTorch's keyword names 'from' and 'to'."""
    if set(named) - {"from", "to"} or len(bounds) > 2:
        raise TypeError(f"{method}() takes (from, to) and generator=, got {len(bounds)} positional arguments and "
                        f"the keywords {sorted(named)}")
    positional = dict(zip(("from", "to"), bounds))
    twice = sorted(set(positional) & set(named))
    if twice:
        raise TypeError(f"{method}() got multiple values for argument '{twice[0]}'")
    values = dict(zip(("from", "to"), defaults)) | positional | named
    return values["from"], values["to"]


def uniform_(self: Tensor, *bounds: float, generator: Generator | None = None, **named: float) -> Tensor:
    """Fill self with numbers drawn uniformly from [from, to) (defaults 0 and 1)."""
    low, high = _from_to("uniform_", bounds, named, (0.0, 1.0))
    target = _floating(self.dtype, "check_uniform_bounds")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    shape = tuple(self.shape)
    values = _draw(self._backend, generator, "uniform_", shape,
                   lambda stream: _sampled(stream.random, shape, target) * (high - low) + low)
    return _fill(self, values)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill self with numbers drawn from N(mean, std²)."""
    target = _floating(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = tuple(self.shape)
    values = _draw(self._backend, generator, "normal_", shape,
                   lambda stream: _sampled(stream.standard_normal, shape, target) * std + mean)
    return _fill(self, values)


def _random_range(target: DType) -> tuple[int, int]:
    """random_()'s [low, high) without bounds: every integer the dtype holds exactly, from 0."""
    if target is dtypes.bool_:
        return 0, 2
    if target.is_floating_point:
        return 0, 2 ** (np.finfo(target.numpy).nmant + 1) + 1
    return 0, int(np.iinfo(target.numpy).max) + 1


def _check_representable(target: DType, low: int, high: int) -> None:
    """RuntimeError when [low, high) holds values that target cannot (bool takes any range, as 0s and 1s)."""
    if target is dtypes.bool_:
        return
    limits = np.finfo(target.numpy) if target.is_floating_point else np.iinfo(target.numpy)
    largest, smallest = int(limits.max), int(limits.min)  # exact: a float's largest finite value is an integer
    if high - 1 > largest:
        raise RuntimeError(f"to - 1 is out of bounds for {target.name}: to={high}, largest {largest}")
    if low < smallest:
        raise RuntimeError(f"from is out of bounds for {target.name}: from={low}, smallest {smallest}")


def random_(self: Tensor, *bounds: int, generator: Generator | None = None, **named: int) -> Tensor:
    """Fill self with integers drawn uniformly from [from, to): random_(to), random_(from, to), or random_() for
    [0, the largest integer the dtype holds exactly]."""
    if len(bounds) == 1 and "to" not in named:
        bounds = (0, bounds[0])
    low, high = _from_to("random_", bounds, named, (0, None))
    if high is None:
        high = _random_range(self.dtype)[1]
    else:
        _check_representable(self.dtype, low, high)
    values = _integers(self._backend, generator, low, high, tuple(self.shape), self.dtype, "random_")
    return _fill(self, values)
