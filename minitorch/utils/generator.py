"""Generator: a random stream of its own, as torch.Generator (for DataLoader shuffling and nn.init)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backends import backend_for
from ..backends.cpu import DEFAULT_SEED
from ..devices import device as Device
from ..tensor import Tensor


class Generator:
    """A seeded random stream on the CPU, independent of minitorch's global one.

        g = mt.Generator().manual_seed(0)
        loader = DataLoader(dataset, batch_size=32, shuffle=True, generator=g)
    """

    def __init__(self, device: str | Device = "cpu") -> None:
        self.device = Device(device)
        if self.device.type != "cpu":
            raise RuntimeError(f"minitorch.Generator lives on the CPU; got device '{self.device}'")
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed`; returns the generator, as PyTorch."""
        self._initial_seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._initial_seed))
        return self

    def initial_seed(self) -> int:
        return self._initial_seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        new_seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(new_seed)
        return new_seed

    def draw(self, sample: str, shape: tuple, dtype: dtypes.dtype) -> Tensor:
        """A CPU tensor of uniform [0, 1) ('rand') or standard normal ('randn') values."""
        method = self.numpy.random if sample == "rand" else self.numpy.standard_normal
        sample_dtype = np.float32 if dtype is dtypes.float16 else dtype.numpy  # NumPy samples no float16
        return Tensor._make(method(shape, dtype=sample_dtype).astype(dtype.numpy, copy=False), backend_for("cpu"))

    def permutation(self, n: int) -> np.ndarray:
        """The integers 0..n-1 in a random order."""
        return self.numpy.permutation(n)
