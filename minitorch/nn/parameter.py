"""Parameter: a tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default; assigning one to a Module attribute registers it.

    It shares storage (and version counter) with the tensor it wraps, as torch.nn.Parameter does.

        weight = nn.Parameter(mt.randn(3, 4))   # weight.requires_grad is True
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        parameter = object.__new__(cls)
        Tensor._init_fields(parameter, data._data, data._backend, version_counter=data._version_counter)
        parameter.requires_grad_(requires_grad)
        return parameter

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Everything happens in __new__ (Tensor.__init__ is the legacy constructor)."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
