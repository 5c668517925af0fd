"""kernels/activations.cuh on the host: g++ builds tests/kernels/host_shim.cpp into a shared library, and
HostActivations calls its float and double loops on NumPy arrays."""
from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path
from typing import Iterable

import numpy as np

from minitorch.backends.cuda_kernels import KERNELS_DIR

SHIM = Path(__file__).with_name("host_shim.cpp")
GXX_FLAGS = ("-std=c++17", "-O2", "-fno-fast-math", "-ffp-contract=off", "-fPIC", "-shared",
             "-Wall", "-Wextra", "-Werror")
"""IEEE arithmetic as written: no fast math, no fused multiply-add (NumPy has none either)."""

C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def build(directory: Path, activations: Iterable[str]) -> Path:
    """Compile the shim for these activations into directory; the library's path."""
    library = directory / "libmt_activations_host.so"
    listing = " ".join(f"X({name})" for name in activations)
    command = ["g++", *GXX_FLAGS, f"-DMT_ACTIVATIONS(X)={listing}", f"-I{KERNELS_DIR}", str(SHIM), "-o", str(library)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"g++ could not build {SHIM.name}:\n{result.stderr}")
    return library


class HostActivations:
    """The header's mt_N_forward / mt_N_derivative, element by element over float32 or float64 arrays."""

    def __init__(self, library: Path) -> None:
        self.library = ctypes.CDLL(str(library))

    def forward(self, name: str, x: np.ndarray, p0: float = 0.0, p1: float = 0.0) -> np.ndarray:
        return self._call(f"{name}_forward", x, p0, p1)

    def derivative(self, name: str, saved: np.ndarray, p0: float = 0.0, p1: float = 0.0) -> np.ndarray:
        return self._call(f"{name}_derivative", saved, p0, p1)

    def _call(self, function: str, values: np.ndarray, p0: float, p1: float) -> np.ndarray:
        values = np.ascontiguousarray(values)
        result = np.empty_like(values)
        loop = getattr(self.library, f"{function}_{C_TYPES[values.dtype]}")
        loop.restype = None
        loop(values.ctypes.data_as(ctypes.c_void_p), result.ctypes.data_as(ctypes.c_void_p),
             ctypes.c_longlong(values.size), ctypes.c_double(p0), ctypes.c_double(p1))
        return result
