"""The columns of the benchmark table: minitorch on each device, raw NumPy, and PyTorch when installed.

PyTorch is never a dependency: it is imported here inside a try, and its rows say why they are
missing when it is not installed. CuPy is only touched through minitorch.cuda.
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import minitorch

MINITORCH, TORCH, NUMPY = "minitorch", "torch", "numpy"


class Unavailable(Exception):
    """A benchmark cannot run on a backend (no GPU, a library or an API missing); the message says why."""


@dataclass(frozen=True)
class Backend:
    """A library on a device: one column of results. `library` is minitorch, torch or numpy (None if missing)."""

    family: str  # MINITORCH, TORCH or NUMPY
    device: str  # "cpu" or "cuda"
    library: Any = None
    unavailable_reason: str | None = None

    @property
    def name(self) -> str:
        return NUMPY if self.family == NUMPY else f"{self.family}:{self.device}"

    @property
    def thread_pool(self) -> str:
        """What runs the work: backends that share one are timed in alternating rounds (see timing.py)."""
        if self.device != "cpu":
            return self.name  # each GPU library alone
        return TORCH if self.family == TORCH else "openblas"  # minitorch on the CPU is NumPy's OpenBLAS

    def synchronize(self) -> None:
        """Wait for the device's queued work (a no-op on the CPU)."""
        if self.device == "cuda":
            self.library.cuda.synchronize()

    def array(self, values: np.ndarray, requires_grad: bool = False) -> Any:
        """values as this backend's array type on its device (a tensor for minitorch and PyTorch)."""
        if self.family == NUMPY:
            return values
        return self.library.tensor(values, device=self.device, requires_grad=requires_grad)

    def _module(self, name: str) -> Any:
        """library.<name> (e.g. "nn.functional"), or Unavailable naming what is missing."""
        try:
            return importlib.import_module(f"{self.library.__name__}.{name}")
        except ImportError as error:
            raise Unavailable(f"{self.family}.{name} is not available ({error})") from None

    def attribute(self, path: str) -> Any:
        """library.<path> such as "nn.Linear" or "optim.Adam", or Unavailable naming what is missing."""
        module_name, _, attribute = path.rpartition(".")
        module = self._module(module_name) if module_name else self.library
        if not hasattr(module, attribute):
            raise Unavailable(f"{self.family} has no {path} yet")
        return getattr(module, attribute)

    def activation_function(self, name: str) -> Callable[[Any], Any]:
        """x -> activation `name` of x, through the library's own path."""
        if self.family == MINITORCH:
            return functools.partial(self.attribute("functions.activation.activation"), name=name)
        return self.attribute(f"nn.functional.{name}")

    def linear_activation_function(self, name: str) -> Callable[[Any, Any, Any], Any]:
        """(x, weight, bias) -> activation(x @ weightᵀ + bias): minitorch's fused bias+activation, PyTorch's
        linear then the activation."""
        if self.family == MINITORCH:
            bias_activation = self.attribute("functions.activation.bias_activation")
            return lambda x, weight, bias: bias_activation(x @ weight.T, bias, name)
        linear, activation = self.attribute("nn.functional.linear"), self.activation_function(name)
        return lambda x, weight, bias: activation(linear(x, weight, bias))

    def cross_entropy_function(self) -> Callable[[Any, Any], Any]:
        """(logits (N, C), class indices (N,)) -> mean softmax cross-entropy."""
        if self.family == MINITORCH:
            return self.attribute("functions.loss.cross_entropy")
        return self.attribute("nn.functional.cross_entropy")


def _import_torch() -> tuple[Any, str | None]:
    try:
        import torch  # noqa: PLC0415 - optional, never a dependency
    except ImportError as error:
        return None, f"PyTorch is not installed ({error})"
    return torch, None


@functools.cache
def all_backends() -> tuple[Backend, ...]:
    """Every backend, usable or not (an unusable one carries the reason)."""
    torch, torch_missing = _import_torch()
    if torch_missing:
        torch_cuda_missing = torch_missing
    elif not torch.cuda.is_available():
        torch_cuda_missing = f"torch {torch.__version__}: torch.cuda.is_available() is False"
    else:
        torch_cuda_missing = None
    return (
        Backend(MINITORCH, "cpu", minitorch),
        Backend(MINITORCH, "cuda", minitorch, minitorch.cuda.unavailable_reason()),
        Backend(NUMPY, "cpu", np),
        Backend(TORCH, "cpu", torch, torch_missing),
        Backend(TORCH, "cuda", torch, torch_cuda_missing),
    )


def backend_named(name: str) -> Backend:
    """The backend called `name` ("minitorch:cpu", "numpy", "torch:cuda", ...)."""
    for backend in all_backends():
        if backend.name == name:
            return backend
    raise ValueError(f"unknown backend {name!r}; known: {', '.join(b.name for b in all_backends())}")
