"""The CPU backend: NumPy arrays and a NumPy random generator."""
from __future__ import annotations

from typing import Any

import numpy as np

from .device import device

# PyTorch's default CPU seed, so that a fresh process is reproducible before manual_seed
DEFAULT_SEED = 67280421310721


class CPUBackend:
    """Tensors on "cpu" hold NumPy arrays."""

    def __init__(self) -> None:
        self.device = device("cpu")
        self.xp = np
        self.manual_seed(DEFAULT_SEED)

    def asarray(self, data: Any, dtype: Any = None) -> np.ndarray:
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array: np.ndarray) -> np.ndarray:
        return array

    def index_add(self, target: np.ndarray, index: tuple, values: np.ndarray) -> None:
        """target[index] += values, adding up repeated indices."""
        np.add.at(target, index, values)

    def manual_seed(self, seed: int) -> None:
        self.generator = np.random.Generator(np.random.PCG64(seed))


cpu = CPUBackend()
