"""The Backend protocol: one object per device owns its array module, its random generator and its kernels."""
from __future__ import annotations

from typing import Any, Protocol

from .device import device


class Backend(Protocol):
    """What an op may ask of the device its tensors live on.

    Ops are written against `backend.xp` (numpy or cupy), chosen once from the tensor,
    never by `if gpu:` branches in the op itself.
    """

    device: device
    xp: Any  # the array module: numpy on the CPU, cupy on CUDA

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """An array of this device from array-like data (copying only when it must)."""

    def to_numpy(self, array: Any) -> Any:
        """A NumPy array with the same values (a view on the CPU)."""

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        """array in a new shape without copying; ValueError when its strides do not allow that."""

    def erf(self, x: Any) -> Any:
        """The error function of each element."""

    def index_add(self, target: Any, index: tuple, values: Any) -> None:
        """target[index] += values in place, adding up repeated indices."""

    def manual_seed(self, seed: int) -> None:
        """Reset this device's random generator."""

    @property
    def generator(self) -> Any:
        """This device's random generator."""
