"""Our CUDA kernels executed on the host: g++ builds kernel_source() itself against the thread-model emulation
of host_cuda/cuda_host.h, and HostRuntime gives CudaKernels what CupyRuntime gives it on a GPU (an array
module, a device context, kernels called as function(grid, block, args)), so that CudaKernels runs unchanged
and the kernels get exactly the Python values, NumPy scalar types and pointer order a GPU would.

The launch checks what a GPU would not: each argument's type against the kernel's C signature, every
array C-contiguous (a kernel reads raw memory), writes past either end of an array (guard bytes around each
buffer), and output memory left unwritten (empty arrays start as NaN, as device memory holds garbage).
"""
from __future__ import annotations

import contextlib
import ctypes
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from minitorch.backends.cuda_kernels import kernel_source

EMULATION = Path(__file__).with_name("host_cuda") / "cuda_host.h"
GXX_FLAGS = ("-std=c++17", "-O1", "-fno-fast-math", "-ffp-contract=off", "-fPIC", "-shared", "-Wall", "-Wextra",
             "-Werror", "-Wno-unused-parameter")
"""IEEE arithmetic as written (never fast math; no contraction, as in NumPy); -O1 builds in half -O2's time."""

KERNEL_SIGNATURE = re.compile(r'extern "C" __global__ void (\w+)\(([^)]*)\)')
SCALAR_TYPES = {"long long": (np.int64, ctypes.c_longlong), "int": (np.int32, ctypes.c_int),
                "double": (np.float64, ctypes.c_double)}
POINTEE_DTYPES = {"mt_half": np.float16, "float": np.float32, "double": np.float64, "long long": np.int64}
NULLABLE = {"pre_activation", "momentum_buffer"}
"""The pointer parameters a kernel accepts as NULL (it then skips them); NULL elsewhere is refused."""

GUARD_BYTES = 64
GUARD_BYTE = 0xA5


class Parameter:
    """One parameter of a kernel's C signature, e.g. `const float* x`."""

    def __init__(self, declaration: str) -> None:
        declaration = " ".join(declaration.split())
        c_type, self.name = declaration.removeprefix("const ").rsplit(" ", 1)
        self.declaration = declaration
        self.is_pointer = c_type.endswith("*")
        self.writable = self.is_pointer and not declaration.startswith("const ")
        if self.is_pointer:
            self.dtype = np.dtype(POINTEE_DTYPES[c_type[:-1]])
            self.c_type: Any = ctypes.c_void_p
        else:
            self.scalar_type, self.c_type = SCALAR_TYPES[c_type]


def signatures(source: str) -> dict[str, list[Parameter]]:
    """kernel name -> its parameters, from the extern "C" kernels of source."""
    return {name: [Parameter(part) for part in parameters.split(",")]
            for name, parameters in KERNEL_SIGNATURE.findall(source)}


def _launcher(name: str, parameters: list[Parameter]) -> str:
    """extern "C" int mt_host_launch_NAME(grid, block, the kernel's parameters): the launch as a C function."""
    declared = ", ".join(parameter.declaration for parameter in parameters)
    passed = ", ".join(parameter.name for parameter in parameters)
    return (f'extern "C" int mt_host_launch_{name}(unsigned int grid, unsigned int block, {declared}) '
            f'{{ return mt_host::launch(grid, block, [=] {{ {name}({passed}); }}); }}')


def build(directory: Path, source: str | None = None) -> Path:
    """source (kernel_source() by default) and a launcher per kernel, compiled by g++ into a shared library in
    directory."""
    source = kernel_source() if source is None else source
    launchers = [_launcher(name, parameters) for name, parameters in signatures(source).items()]
    error_getter = 'extern "C" const char* mt_host_error() { return mt_host::error; }'
    (directory / "minitorch_kernels.cu").write_text(source)  # included, so its #pragma once is in a header
    path = directory / "minitorch_kernels_host.cpp"
    path.write_text("\n".join(['#include "minitorch_kernels.cu"', *launchers, error_getter, ""]))
    library = directory / "libminitorch_kernels_host.so"
    command = ["g++", *GXX_FLAGS, "-include", str(EMULATION), str(path), "-o", str(library)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"g++ could not build the kernels for the host:\n{result.stderr[-20000:]}")
    return library


class _GuardedBuffer:
    """A copy of an array between guard bytes, standing in for its device memory during one launch."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.storage = np.full(array.nbytes + 2 * GUARD_BYTES, GUARD_BYTE, dtype=np.uint8)
        self.storage[GUARD_BYTES:GUARD_BYTES + array.nbytes] = array.reshape(-1).view(np.uint8)
        self.pointer = self.storage.ctypes.data + GUARD_BYTES

    def finish(self, kernel: str, parameter: Parameter) -> None:
        """Copy the kernel's writes back into the array; AssertionError if it wrote outside it."""
        before, after = self.storage[:GUARD_BYTES], self.storage[GUARD_BYTES + self.array.nbytes:]
        outside = int(np.count_nonzero(before != GUARD_BYTE)), int(np.count_nonzero(after != GUARD_BYTE))
        assert outside == (0, 0), (f"{kernel} wrote outside {parameter.declaration} of {self.array.size} elements: "
                                   f"{outside[0]} bytes before it, {outside[1]} after it")
        if parameter.writable:
            self.array.reshape(-1).view(np.uint8)[...] = self.storage[GUARD_BYTES:GUARD_BYTES + self.array.nbytes]


class HostFunction:
    """One kernel of the host build, called as CuPy calls a kernel: function(grid, block, args)."""

    def __init__(self, library: ctypes.CDLL, name: str, parameters: list[Parameter]) -> None:
        self.name = name
        self.parameters = parameters
        self.launches = 0
        self._launch = getattr(library, f"mt_host_launch_{name}")
        self._launch.argtypes = [ctypes.c_uint, ctypes.c_uint, *(parameter.c_type for parameter in parameters)]
        self._launch.restype = ctypes.c_int
        self._error = library.mt_host_error
        self._error.restype = ctypes.c_char_p

    def __call__(self, grid: tuple, block: tuple, args: tuple) -> None:
        grid_x, block_x = self._dimension("grid", grid), self._dimension("block", block)
        assert len(args) == len(self.parameters), f"{self.name}: {len(args)} arguments for {len(self.parameters)}"
        buffers, c_arguments = [], []
        for parameter, argument in zip(self.parameters, args):
            if parameter.is_pointer:
                buffer = self._buffer(parameter, argument)
                if buffer is not None:
                    buffers.append((buffer, parameter))
                c_arguments.append(None if buffer is None else buffer.pointer)
            else:
                assert type(argument) is parameter.scalar_type, (
                    f"{self.name}: {type(argument).__name__} {argument} for {parameter.declaration}")
                c_arguments.append(argument.item())
        if self._launch(grid_x, block_x, *c_arguments) != 0:
            raise RuntimeError(f"{self.name}: {self._error().decode()}")
        self.launches += 1
        for buffer, parameter in buffers:
            buffer.finish(self.name, parameter)

    def _dimension(self, what: str, dimensions: tuple) -> int:
        """The x extent of a grid or block given as CuPy takes it (a tuple of 1 to 3 ints); ours are 1-D."""
        assert isinstance(dimensions, tuple) and 1 <= len(dimensions) <= 3, f"{self.name}: {what} {dimensions!r}"
        assert all(type(extent) is int and extent >= 1 for extent in dimensions), f"{self.name}: {what} {dimensions}"
        assert dimensions[1:] in ((), (1,), (1, 1)), f"{self.name}: {what} {dimensions} is not 1-D"
        return dimensions[0]

    def _buffer(self, parameter: Parameter, argument: Any) -> _GuardedBuffer | None:
        if argument is None:
            assert parameter.name in NULLABLE, f"{self.name}: NULL for {parameter.declaration}"
            return None
        assert isinstance(argument, np.ndarray), f"{self.name}: {type(argument).__name__} for {parameter.declaration}"
        assert argument.dtype == parameter.dtype, f"{self.name}: {argument.dtype} array for {parameter.declaration}"
        assert argument.flags.c_contiguous, (f"{self.name}: {parameter.declaration} is not C-contiguous "
                                             f"(shape {argument.shape}, strides {argument.strides})")
        return _GuardedBuffer(argument)


class _UninitializedNumPy:
    """numpy, except that empty and empty_like give NaN-filled floats (other dtypes 0xA5 bytes), as device
    memory holds whatever was there: an output element the kernel never writes shows."""

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    @staticmethod
    def _poisoned(array: np.ndarray) -> np.ndarray:
        if array.dtype.kind == "f":
            array.fill(np.nan)
        else:
            array.view(np.uint8).fill(GUARD_BYTE)
        return array

    def empty(self, shape: Any, dtype: Any = float, order: str = "C") -> np.ndarray:
        return self._poisoned(np.empty(shape, dtype, order))

    def empty_like(self, prototype: Any, dtype: Any = None, order: str = "K", shape: Any = None) -> np.ndarray:
        return self._poisoned(np.empty_like(prototype, dtype, order, shape=shape))


class HostRuntime:
    """CupyRuntime's members on the host: NumPy arrays, no device context, kernels from the host build."""

    xp = _UninitializedNumPy()

    def __init__(self, library: Path, source: str | None = None) -> None:
        self.library = ctypes.CDLL(str(library))
        self.functions = {name: HostFunction(self.library, name, parameters)
                          for name, parameters in signatures(kernel_source() if source is None else source).items()}

    def device_of(self, array: Any) -> contextlib.nullcontext:
        assert isinstance(array, np.ndarray), f"device_of({type(array).__name__})"
        return contextlib.nullcontext()

    def function(self, name: str) -> HostFunction:
        return self.functions[name]
